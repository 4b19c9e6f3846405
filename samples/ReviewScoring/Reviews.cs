using System.Globalization;

namespace ReviewScoring;

/// <summary>
/// Product reviews generated for the sample (a user of Model Builder brings a file; this sample
/// writes one). A review is filler sentences around one to three two-word verdicts, each worth +1
/// or −1 and flipped by a "not" before it; the rating is 3 plus the verdicts, one star less when the
/// price is high for its category (which only the metadata shows), clamped to 1–5; the sentiment is
/// Positive from 3 stars.
/// </summary>
public static class Reviews
{
    public static readonly string[] Categories = ["Kitchen", "Garden", "Electronics", "Toys"];

    private static readonly float[] BasePrices = [25, 40, 120, 15];

    private static readonly string[] Items = ["kettle", "hose", "speaker", "puzzle", "blender", "rake", "charger", "robot"];

    private static readonly string[] Good = ["works well", "love it", "good quality", "arrived quickly", "easy setup", "very sturdy"];

    private static readonly string[] Bad = ["broke quickly", "wasted money", "poor quality", "arrived late", "hard setup", "very flimsy"];

    private static readonly string[] Fillers = ["i bought this {0} last month", "the {0} came in a box", "we use the {0} every day", "my sister has the same {0}", "ordered the {0} online"];

    /// <summary>Every word a review can contain (the Embedding's vocabulary, id 0 being padding).</summary>
    public static IReadOnlyList<string> Vocabulary { get; } =
        Good.Concat(Bad).Concat(Fillers).Concat(Items).Append("not")
            .SelectMany(p => p.Replace("{0}", "", StringComparison.Ordinal).Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Distinct().ToList();

    public static List<ReviewModel.ModelInput> Generate(int count, int seed)
    {
        var r = new Random(seed);
        var rows = new List<ReviewModel.ModelInput>(count);
        for (int i = 0; i < count; i++)
        {
            int category = r.Next(Categories.Length);
            float price = MathF.Round(BasePrices[category] * (0.5f + 1.5f * r.NextSingle()), 2);
            string item = Items[r.Next(Items.Length)];
            var parts = new List<string> { string.Format(CultureInfo.InvariantCulture, Fillers[r.Next(Fillers.Length)], item) };
            int score = 0;
            for (int v = 0, verdicts = 1 + r.Next(3); v < verdicts; v++)
            {
                bool good = r.Next(2) == 0, negated = r.Next(4) == 0;
                string phrase = good ? Good[r.Next(Good.Length)] : Bad[r.Next(Bad.Length)];
                score += (good ? 1 : -1) * (negated ? -1 : 1);
                parts.Add(negated ? "not " + phrase : phrase);
                if (r.Next(3) == 0) parts.Add(string.Format(CultureInfo.InvariantCulture, Fillers[r.Next(Fillers.Length)], item));
            }
            if (price > 1.4f * BasePrices[category]) score--;
            float rating = Math.Clamp(3 + score, 1, 5);
            rows.Add(new ReviewModel.ModelInput
            {
                Review = string.Join(". ", parts) + ".",
                Price = price,
                Category = Categories[category],
                Sentiment = rating >= 3 ? "Positive" : "Negative",
                Rating = rating,
            });
        }
        return rows;
    }

    /// <summary>Writes the rows as the comma-separated file with a header that the training code loads.</summary>
    public static void WriteCsv(string path, IEnumerable<ReviewModel.ModelInput> rows)
    {
        using var w = new StreamWriter(path);
        w.WriteLine("Review,Price,Category,Sentiment,Rating");
        foreach (var row in rows)
            w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"\"{row.Review}\",{row.Price},{row.Category},{row.Sentiment},{row.Rating}"));
    }
}
