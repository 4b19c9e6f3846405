using System.Xml.Linq;
using Microsoft.DotNet.Interactive.Formatting;
using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.FunctionalDnn.Tuning;
using static Microsoft.ML.FunctionalDnn.Keras;

namespace Microsoft.ML.FunctionalDnn.Tests.Visualization;

/// <summary>
/// What a .NET Interactive notebook shows for the library's objects: its Formatter (the package the
/// kernel uses) finds the library's formatters by its naming convention, with no reference from the
/// library to .NET Interactive.
/// </summary>
[TestClass]
public sealed class NotebookFormattersTests
{
    [TestInitialize]
    public void ResetNames() => LayerNames.Reset();

    private static Model TwoInputs()
    {
        var text = Input([6], name: "text");
        var meta = Input([3], name: "meta");
        var joined = Concatenate([new Dense(4, "relu", name: "text_dense").Apply(text), meta], name: "join");
        return new Model([text, meta], new Dense(2, "softmax", name: "head").Apply(joined), name: "two_inputs");
    }

    [TestMethod]
    public void AModelIsShownAsItsSummaryTableInHtml()
    {
        var model = TwoInputs();
        string html = model.ToDisplayString(HtmlFormatter.MimeType);
        // Well-formed, one row per layer with the summary's columns, counts and connections.
        var table = XElement.Parse(html);
        var rows = table.Descendants("tbody").Single().Elements("tr").ToList();
        // The layers in the text summary's order.
        CollectionAssert.AreEqual(model.Layers.Select(l => $"{l.Name} ({l.ClassName})").ToArray(), rows.Select(r => r.Elements("td").First().Value).ToArray());
        CollectionAssert.AreEquivalent(new[] { "text (InputLayer)", "text_dense (Dense)", "meta (InputLayer)", "join (Concatenate)", "head (Dense)" },
            rows.Select(r => r.Elements("td").First().Value).ToArray());
        CollectionAssert.AreEqual(new[] { "Layer (type)", "Output Shape", "Param #", "Connected to" }, table.Descendants("th").Select(h => h.Value).ToArray());
        var join = rows.Single(r => r.Elements("td").First().Value == "join (Concatenate)").Elements("td").ToList();
        Assert.AreEqual("(None, 7)", join[1].Value);
        StringAssert.Contains(join[3].ToString(), "text_dense[0][0]<br />meta[0][0]");
        StringAssert.Contains(html, $"Total params: {model.CountParams()}");
        Assert.IsTrue(Formatter.GetPreferredMimeTypesFor(model.GetType()).Contains(HtmlFormatter.MimeType), "HTML is the model's preferred view");
    }

    [TestMethod]
    public void ASequentialChainHasNoConnectionsColumnAndASequentialWithoutInputShapeFallsBack()
    {
        var chain = new Sequential([new Dense(3, name: "d1"), new Dense(1, name: "d2")], inputShape: [5], name: "chain");
        string html = chain.ToDisplayString(HtmlFormatter.MimeType);
        StringAssert.Contains(html, "d1 (Dense)");
        Assert.IsFalse(html.Contains("Connected to", StringComparison.Ordinal), html);
        // No graph yet: the kernel's own view instead of an exception in the notebook.
        var unbuilt = new Sequential(name: "unbuilt");
        unbuilt.Add(new Dense(3));
        Assert.IsFalse(unbuilt.ToDisplayString(HtmlFormatter.MimeType).Contains("functionaldnn-summary", StringComparison.Ordinal));
    }

    [TestMethod]
    public void AHistoryIsShownAsItsCurves()
    {
        var model = TwoInputs();
        model.Compile("adam", "categorical_crossentropy", metrics: ["accuracy"]);
        var r = new RandomGenerator(1);
        var history = model.Fit([Tensor.Uniform(new Shape(40, 6), 0, 1, r), Tensor.Uniform(new Shape(40, 3), 0, 1, r)],
            [Ops.OneHot(Tensor.RandomInts(new Shape(40), 0, 2, r), 2)], epochs: 3, batchSize: 8, validationSplit: 0.25f, verbose: 0);
        string html = history.ToDisplayString(HtmlFormatter.MimeType);
        Assert.IsFalse(html.Contains("<?xml", StringComparison.Ordinal), "inline SVG, without the file's XML declaration");
        var svg = XElement.Parse(html).Elements().Single();
        Assert.AreEqual("svg", svg.Name.LocalName);
        StringAssert.Contains(html, "loss");
        StringAssert.Contains(html, "accuracy");
        // Before any epoch: the kernel's default view.
        Assert.IsFalse(new Microsoft.ML.FunctionalDnn.Callbacks.History().ToDisplayString(HtmlFormatter.MimeType).Contains("<svg", StringComparison.Ordinal));
    }

    [TestMethod]
    public void APlotFileIsShownAsItsPictureAndStillReadsAsItsPath()
    {
        using var dir = new TempDirectory();
        var model = TwoInputs();
        var svg = model.PlotModel(dir.File("model.svg"), showShapes: true);
        string path = svg;
        Assert.AreEqual(Path.GetFullPath(dir.File("model.svg")), path);
        Assert.AreEqual(path, svg.ToString());
        Assert.AreEqual(File.ReadAllText(path), svg.Text);
        string html = svg.ToDisplayString(HtmlFormatter.MimeType);
        Assert.IsFalse(html.Contains("<?xml", StringComparison.Ordinal), "inline SVG, without the file's XML declaration");
        var picture = XElement.Parse(html).Elements().Single();
        Assert.AreEqual("svg", picture.Name.LocalName);
        StringAssert.Contains(html, "text_dense");
        // Graphviz DOT shows as its source.
        var dot = model.PlotModel(dir.File("model.dot"));
        string dotHtml = dot.ToDisplayString(HtmlFormatter.MimeType);
        StringAssert.StartsWith(dotHtml, "<pre");
        StringAssert.Contains(dotHtml, "digraph");
        // A PNG chart (the Plotting package is referenced by the tests) shows as an embedded image of the file's bytes.
        model.Compile("adam", "categorical_crossentropy");
        var r = new RandomGenerator(4);
        var history = model.Fit([Tensor.Uniform(new Shape(16, 6), 0, 1, r), Tensor.Uniform(new Shape(16, 3), 0, 1, r)],
            [Ops.OneHot(Tensor.RandomInts(new Shape(16), 0, 2, r), 2)], epochs: 2, batchSize: 8, verbose: 0);
        var png = history.Plot(dir.File("curves.png"));
        var image = XElement.Parse(png.ToDisplayString(HtmlFormatter.MimeType)).Element("img")!;
        string source = (string)image.Attribute("src")!;
        StringAssert.StartsWith(source, "data:image/png;base64,");
        CollectionAssert.AreEqual(File.ReadAllBytes(png.Path), Convert.FromBase64String(source["data:image/png;base64,".Length..]));
    }

    [TestMethod]
    public void ATunerIsShownAsItsBestTrialsAndItsTrialsChart()
    {
        using var dir = new TempDirectory();
        var tuner = new RandomSearch(null, new Objective("bowl", ObjectiveDirection.Min), maxTrials: 5, seed: 3, directory: dir.Path, projectName: "view");
        Assert.IsFalse(tuner.ToDisplayString(HtmlFormatter.MimeType).Contains("functionaldnn-tuner", StringComparison.Ordinal), "no trials yet: the default view");
        tuner.SearchFunction(hp => Math.Pow(hp.Float("x", -1, 1), 2) + Math.Pow(hp.Float("y", -1, 1), 2));
        var view = XElement.Parse("<view>" + tuner.ToDisplayString(HtmlFormatter.MimeType) + "</view>");
        var table = view.Descendants("table").Single();
        // Under the table, every trial's score as a chart.
        var chart = view.Elements("div").Single(d => (string?)d.Attribute("class") == "functionaldnn-trials");
        Assert.AreEqual("svg", chart.Elements().Single().Name.LocalName);
        StringAssert.Contains(chart.ToString(), "bowl by trial (min)");
        CollectionAssert.AreEqual(new[] { "Trial", "x", "y", "Score" }, table.Descendants("th").Select(h => h.Value).ToArray());
        var rows = table.Descendants("tbody").Single().Elements("tr").ToList();
        Assert.HasCount(5, rows);
        var best = tuner.GetBestTrials(5);
        CollectionAssert.AreEqual(best.Select(t => t.Id).ToArray(), rows.Select(r => r.Elements("td").First().Value).ToArray(), "best first");
        Assert.AreEqual(best[0].Score!.Value, double.Parse(rows[0].Elements("td").Last().Value, System.Globalization.CultureInfo.InvariantCulture), 1e-5);
    }

    [TestMethod]
    public void TheLibraryDoesNotReferenceDotNetInteractive()
    {
        var references = typeof(Model).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();
        Assert.IsFalse(references.Any(n => n!.StartsWith("Microsoft.DotNet.Interactive", StringComparison.Ordinal)), string.Join(", ", references));
    }
}
