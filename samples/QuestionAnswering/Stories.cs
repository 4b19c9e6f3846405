namespace Microsoft.ML.FunctionalDnn.Samples.QuestionAnswering;

/// <summary>
/// bAbI-style stories: two to four moves of four people between six places; the question asks
/// where one of them is now. Also linked into the tests (MLNet/QuestionAnsweringPipelineTests), so
/// the sample and its pipeline test learn the same task.
/// </summary>
internal static class Stories
{
    internal static readonly string[] People = ["Mary", "John", "Sandra", "Daniel"];
    internal static readonly string[] Places = ["bathroom", "hallway", "garden", "office", "kitchen", "bedroom"];
    private static readonly string[] Moves = ["moved to the", "went to the", "journeyed to the", "travelled to the", "went back to the"];

    /// <summary>A story with its question, as a set key.</summary>
    internal static string Key(StoryRow row) => $"{row.Story} / {row.Question}";

    /// <summary><paramref name="count"/> distinct-from-<paramref name="exclude"/> stories drawn with <paramref name="seed"/>.</summary>
    internal static List<StoryRow> Generate(int count, int seed, IEnumerable<StoryRow>? exclude = null)
    {
        var r = new Random(seed);
        var excluded = (exclude ?? []).Select(Key).ToHashSet(StringComparer.Ordinal);
        var rows = new List<StoryRow>();
        while (rows.Count < count)
        {
            var at = new Dictionary<string, string>();
            var sentences = new List<string>();
            int length = r.Next(2, 5);
            for (int s = 0; s < length; s++)
            {
                string who = People[r.Next(People.Length)], where = Places[r.Next(Places.Length)];
                at[who] = where;
                sentences.Add($"{who} {Moves[r.Next(Moves.Length)]} {where}.");
            }
            string asked = at.Keys.ElementAt(r.Next(at.Count));
            var row = new StoryRow { Story = string.Join(" ", sentences), Question = $"Where is {asked}?", Answer = at[asked] };
            if (!excluded.Contains(Key(row))) rows.Add(row);
        }
        return rows;
    }
}
