using System.Buffers.Binary;
using System.Xml.Linq;
using Microsoft.ML.FunctionalDnn.Callbacks;
using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.FunctionalDnn.Tuning;
using static Microsoft.ML.FunctionalDnn.Keras;

namespace Microsoft.ML.FunctionalDnn.Tests.Plotting;

/// <summary>The charts (OxyPlot): training curves from a History and a tuner's search, as SVG (core) and PNG (the Plotting package).</summary>
[TestClass]
public sealed class ChartsTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [TestInitialize]
    public void ResetNames() => LayerNames.Reset();

    private static History Trained(int epochs)
    {
        var input = Input([3]);
        var model = new Model(input, new Dense(2, activation: "softmax").Apply(input));
        model.Compile("adam", "categorical_crossentropy", metrics: ["accuracy"]);
        var r = new RandomGenerator(2);
        var x = Tensor.Uniform(new Shape(40, 3), -1, 1, r);
        var y = Ops.OneHot(Tensor.RandomInts(new Shape(40), 0, 2, r), 2);
        return model.Fit(x, y, epochs: epochs, batchSize: 8, validationSplit: 0.25f, verbose: 0);
    }

    /// <summary>A PNG file's pixel size, from its IHDR chunk (after checking the signature).</summary>
    private static (int Width, int Height) PngSize(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        CollectionAssert.AreEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8], $"{path} is not a PNG");
        return (BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
    }

    /// <summary>The text an SVG document shows (titles, labels, tick labels, legends), in document order.</summary>
    private static List<string> Texts(XDocument svg) => [.. svg.Descendants(Svg + "text").Select(t => t.Value.Trim())];

    [TestMethod]
    public void HistoryCurvesAreAPanelPerMetricAsPngOrSvg()
    {
        using var dir = new TempDirectory();
        var history = Trained(4);

        var png = history.Plot(dir.File("curves/history.png"));
        Assert.IsTrue(png.IsPng);
        Assert.AreEqual(Path.GetFullPath(dir.File("curves/history.png")), png.Path);
        CollectionAssert.AreEqual(File.ReadAllBytes(png.Path), png.GetPngBytes());
        Assert.AreEqual((3 * 400, 300), PngSize(png), "loss, accuracy and learning_rate side by side");

        var svg = history.Plot(dir.File("history.svg"), panelWidth: 300, panelHeight: 250);
        var doc = XDocument.Load(svg.Path);
        Assert.AreEqual("900", (string?)doc.Root!.Attribute("width"));
        Assert.AreEqual("250", (string?)doc.Root!.Attribute("height"));
        var texts = Texts(doc);
        foreach (var title in new[] { "loss", "accuracy", "learning_rate", "epoch", "training", "validation" })
            CollectionAssert.Contains(texts, title);
        Assert.AreEqual(svg.Text, File.ReadAllText(svg.Path));
        // Every clip-path id is unique in the document (and across charts on one page), and every reference resolves.
        var ids = doc.Descendants().Select(e => (string?)e.Attribute("id")).OfType<string>().ToList();
        Assert.IsNotEmpty(ids);
        Assert.AreEqual(ids.Count, ids.Distinct().Count(), "duplicate ids");
        var references = System.Text.RegularExpressions.Regex.Matches(svg.Text, @"url\(#([^)]+)\)").Select(m => m.Groups[1].Value).ToList();
        Assert.IsNotEmpty(references);
        CollectionAssert.IsSubsetOf(references.Distinct().ToList(), ids);
        var other = XDocument.Parse(history.ToSvg(["loss"]));
        Assert.IsFalse(other.Descendants().Select(e => (string?)e.Attribute("id")).OfType<string>().Intersect(ids).Any(), "another chart's ids differ");

        Assert.AreEqual(2, texts.Count(t => t == "training"), "a legend in the two panels with validation values (loss, accuracy)");
    }

    [TestMethod]
    public void ChosenMetricsGiveOnePanelEachAndFourOrMoreWrapIntoRows()
    {
        using var dir = new TempDirectory();
        var history = Trained(2);
        Assert.AreEqual((400, 300), PngSize(history.Plot(dir.File("loss.png"), ["loss"])));
        // A metric logged for validation only still has its panel.
        history.OnEpochEnd(2, new Dictionary<string, float> { ["val_f1"] = 0.5f });
        Assert.AreEqual((3 * 400, 2 * 300), PngSize(history.Plot(dir.File("all.png"))), "four metrics: two rows of up to three");
    }

    [TestMethod]
    public void BadChartArgumentsAreReportedClearly()
    {
        using var dir = new TempDirectory();
        var history = Trained(1);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => history.Plot(dir.File("x.png"), ["f1"]));
        StringAssert.Contains(ex.Message, "'f1'");
        StringAssert.Contains(ex.Message, "val_loss");
        ex = Assert.ThrowsExactly<ArgumentException>(() => history.Plot(dir.File("x.jpeg")));
        StringAssert.Contains(ex.Message, ".svg (or .png");
        Assert.IsFalse(File.Exists(dir.File("x.jpeg")));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => history.Plot(dir.File("x.png"), panelWidth: 10));
        var empty = Assert.ThrowsExactly<InvalidOperationException>(() => new History().Plot(dir.File("x.png")));
        StringAssert.Contains(empty.Message, "no epoch");

        // A failed write leaves an earlier chart whole.
        string path = history.Plot(dir.File("kept.png"));
        byte[] before = File.ReadAllBytes(path);
        Assert.ThrowsExactly<ArgumentException>(() => history.Plot(path, ["nope"]));
        CollectionAssert.AreEqual(before, File.ReadAllBytes(path));
    }

    private static RandomSearch Searched(TempDirectory dir, int trials)
    {
        var tuner = new RandomSearch(null, new Objective("bowl", ObjectiveDirection.Min), maxTrials: trials, seed: 5, directory: dir.Path, projectName: "charts");
        tuner.SearchFunction(hp => Math.Pow(hp.Float("x", -1, 1), 2) + Math.Pow(hp.Float("lr", 1e-4, 1e-1, sampling: Sampling.Log) * 10, 2)
            + (hp.Choice("act", new[] { "relu", "tanh", "gelu" }) == "relu" ? 0 : 0.1) + (hp.Boolean("bn") ? 0.05 : 0));
        return tuner;
    }

    [TestMethod]
    public void TrialsChartShowsEveryScoreAndTheBestSoFar()
    {
        using var dir = new TempDirectory();
        var tuner = Searched(dir, 6);
        Assert.AreEqual((640, 400), PngSize(tuner.PlotTrials(dir.File("trials.png"))));
        var doc = XDocument.Load(tuner.PlotTrials(dir.File("trials.svg")).Path);
        var texts = Texts(doc);
        foreach (var text in new[] { "bowl by trial (min)", "trial", "best so far" })
            CollectionAssert.Contains(texts, text);
        StringAssert.Contains(tuner.TrialsSvg(), "best so far");

        using var empty = new TempDirectory();
        var fresh = new RandomSearch(null, new Objective("bowl", ObjectiveDirection.Min), maxTrials: 2, directory: empty.Path, projectName: "none");
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => fresh.PlotTrials(empty.File("t.png")));
        StringAssert.Contains(ex.Message, "No trial");
    }

    [TestMethod]
    public void HyperParameterChartHasAPanelPerSearchedValueWithChoicesAsColumns()
    {
        using var dir = new TempDirectory();
        var tuner = Searched(dir, 8);
        Assert.AreEqual((3 * 360, 2 * 280), PngSize(tuner.PlotHyperParameters(dir.File("hp.png"))), "x, lr, act, bn: two rows of up to three");
        var doc = XDocument.Load(tuner.PlotHyperParameters(dir.File("hp.svg"), panelWidth: 300, panelHeight: 240).Path);
        var texts = Texts(doc);
        foreach (var text in new[] { "x", "lr", "act", "bn", "relu", "tanh", "gelu", "False", "True" })
            CollectionAssert.Contains(texts, text, string.Join(" | ", texts));
        string best = tuner.GetBestTrials()[0].Id;
        Assert.AreEqual(4, texts.Count(t => t == $"best (trial {best})"), "the best trial marked in every panel");
    }

    [TestMethod]
    public void PngNeedsThePlottingPackageAndSaysSoWithoutIt()
    {
        using var dir = new TempDirectory();
        var history = Trained(1);
        Assert.IsTrue(Microsoft.ML.FunctionalDnn.Plotting.PngCharts.IsRegistered);
        var rasterizer = Microsoft.ML.FunctionalDnn.Visualization.ChartRenderers.Png;
        try
        {
            // As in an application without the package: no rasterizer registered (and the type's initializer has run).
            Microsoft.ML.FunctionalDnn.Visualization.ChartRenderers.Png = null;
            var ex = Assert.ThrowsExactly<InvalidOperationException>(() => history.Plot(dir.File("h.png")));
            StringAssert.Contains(ex.Message, "Microsoft.ML.FunctionalDnn.Plotting");
            StringAssert.Contains(ex.Message, ".svg");
            Assert.IsFalse(File.Exists(dir.File("h.png")));
        }
        finally
        {
            Microsoft.ML.FunctionalDnn.Visualization.ChartRenderers.Png = rasterizer;
        }
        // The core library draws SVG with managed code only: no SkiaSharp (nor any charting native library) in its references.
        var references = typeof(Model).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        CollectionAssert.Contains(references, "OxyPlot");
        Assert.IsFalse(references.Any(n => n.StartsWith("SkiaSharp", StringComparison.Ordinal) || n.StartsWith("HarfBuzz", StringComparison.Ordinal)), string.Join(", ", references));
    }
}
