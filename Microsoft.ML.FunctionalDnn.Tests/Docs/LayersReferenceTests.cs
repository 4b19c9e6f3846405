using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.ML.FunctionalDnn.Layers;

namespace Microsoft.ML.FunctionalDnn.Tests.Docs;

/// <summary>docs/layers.md keeps up with the code: a section per public layer type naming each constructor parameter.</summary>
[TestClass]
public sealed partial class LayersReferenceTests
{
    private static readonly Lazy<Dictionary<string, string>> Sections = new(ReadSections);

    private static IEnumerable<Type> PublicLayerTypes() =>
        typeof(Layer).Assembly.GetExportedTypes().Where(t => t.IsClass && !t.IsAbstract && typeof(Layer).IsAssignableFrom(t));

    [TestMethod]
    public void EveryPublicLayerHasASection()
    {
        var missing = PublicLayerTypes().Select(t => t.Name).Where(name => !Sections.Value.ContainsKey(name)).ToList();
        Assert.AreEqual(0, missing.Count, $"docs/layers.md has no '### <name>' section for: {string.Join(", ", missing)}");
        Assert.IsTrue(PublicLayerTypes().Count() >= 40, "the reflection found too few layer types to be checking anything");
    }

    [TestMethod]
    public void EverySectionNamesItsConstructorParameters()
    {
        var missing = new List<string>();
        foreach (var type in PublicLayerTypes())
        {
            if (!Sections.Value.TryGetValue(type.Name, out string? text)) continue;
            foreach (var constructor in type.GetConstructors(BindingFlags.Public | BindingFlags.Instance))
                foreach (var parameter in constructor.GetParameters())
                    if (!Regex.IsMatch(text, $@"\b{Regex.Escape(parameter.Name!)}\b"))
                        missing.Add($"{type.Name}.{parameter.Name}");
        }
        Assert.AreEqual(0, missing.Count, $"docs/layers.md does not mention these constructor parameters in their layer's section: {string.Join(", ", missing.Distinct())}");
    }

    [TestMethod]
    public void ParameterCountsQuotedForXceptionAreTheLibrarys()
    {
        string text = Sections.Value["Xception"];
        using var seeds = SeedScope.Begin(1);
        StringAssert.Contains(text, $"{Applications.Xception.Build(includeTop: false, inputShape: (71, 71, 3)).CountParams().ToString("N0", CultureInfo.InvariantCulture)} without",
            "the section quotes Xception's parameter count without the top");
    }

    private static Dictionary<string, string> ReadSections()
    {
        string path = Repository.File("docs", "layers.md");
        string text = File.ReadAllText(path);
        var sections = new Dictionary<string, string>();
        var headings = Heading().Matches(text);
        for (int i = 0; i < headings.Count; i++)
        {
            int start = headings[i].Index + headings[i].Length;
            int end = i + 1 < headings.Count ? headings[i + 1].Index : text.Length;
            int nextTopLevel = text.IndexOf("\n## ", start, StringComparison.Ordinal);
            if (nextTopLevel >= 0 && nextTopLevel < end) end = nextTopLevel;
            sections[headings[i].Groups[1].Value] = text[start..end];
        }
        return sections;
    }

    [GeneratedRegex(@"^### ([A-Za-z0-9.]+)[ \t]*$", RegexOptions.Multiline)]
    private static partial Regex Heading();
}
