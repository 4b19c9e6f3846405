using System.Globalization;
using System.Xml.Linq;
using Microsoft.ML.FunctionalDnn.Layers;
using static Microsoft.ML.FunctionalDnn.Keras;

namespace Microsoft.ML.FunctionalDnn.Tests.Visualization;

[TestClass]
public sealed class PlotTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [TestInitialize]
    public void ResetNames() => LayerNames.Reset();

    /// <summary>Two inputs through a shared nested encoder and a shared Dense, then merged.</summary>
    private static Model Siamese()
    {
        var inner = Input([4], name: "inner_in");
        var encoder = new Model(inner, new Dense(3, name: "enc_dense").Apply(new Dense(5, name: "enc_hidden").Apply(inner)), name: "encoder");
        var left = Input([4], name: "left");
        var right = Input([4], name: "right");
        var shared = new Dense(2, name: "shared");
        var merged = Concatenate([shared.Apply(encoder.Apply(left)), shared.Apply(encoder.Apply(right))], name: "merge");
        return new Model([left, right], new Dense(1, name: "out").Apply(merged), name: "siamese");
    }

    /// <summary>The notes' Inception-style module: four branches from one input, concatenated.</summary>
    private static Model Inception()
    {
        var x = Input([8, 8, 6], name: "image");
        var a = new Conv2D(4, 1, strides: 2, name: "branch_a").Apply(x);
        var b = new Conv2D(4, 3, strides: 2, padding: Padding.Same, name: "branch_b2").Apply(new Conv2D(4, 1, name: "branch_b1").Apply(x));
        var c = new Conv2D(4, 3, padding: Padding.Same, name: "branch_c").Apply(new AveragePooling2D(3, strides: 2, padding: Padding.Same).Apply(x));
        var d = new Conv2D(4, 3, strides: 2, padding: Padding.Same, name: "branch_d3").Apply(
            new Conv2D(4, 3, padding: Padding.Same, name: "branch_d2").Apply(new Conv2D(4, 1, name: "branch_d1").Apply(x)));
        return new Model(x, Concatenate([a, b, c, d], axis: -1), name: "inception");
    }

    private sealed record Box(string Id, double X, double Y, double W, double H);

    private static (XDocument Doc, List<Box> Boxes) Draw(Model model, TempDirectory dir, string rankDir = "TB", bool expandNested = false, bool showShapes = true)
    {
        string path = model.PlotModel(dir.File($"{model.Name}_{rankDir}_{expandNested}.svg"), showShapes: showShapes, rankDir: rankDir, expandNested: expandNested);
        var doc = XDocument.Load(path);
        double N(XElement e, string a) => double.Parse(e.Attribute(a)!.Value, CultureInfo.InvariantCulture);
        var boxes = doc.Descendants(Svg + "rect").Where(r => (string?)r.Attribute("class") == "layer")
            .Select(r => new Box(r.Element(Svg + "title")!.Value, N(r, "x"), N(r, "y"), N(r, "width"), N(r, "height"))).ToList();
        return (doc, boxes);
    }

    private static void AssertNoOverlapAndInside(XDocument doc, List<Box> boxes)
    {
        double width = double.Parse(doc.Root!.Attribute("width")!.Value, CultureInfo.InvariantCulture);
        double height = double.Parse(doc.Root!.Attribute("height")!.Value, CultureInfo.InvariantCulture);
        foreach (var b in boxes)
            Assert.IsTrue(b.X >= 0 && b.Y >= 0 && b.X + b.W <= width && b.Y + b.H <= height, $"{b.Id} lies inside the drawing");
        for (int i = 0; i < boxes.Count; i++)
            for (int j = i + 1; j < boxes.Count; j++)
            {
                var (p, q) = (boxes[i], boxes[j]);
                bool apart = p.X + p.W <= q.X || q.X + q.W <= p.X || p.Y + p.H <= q.Y || q.Y + q.H <= p.Y;
                Assert.IsTrue(apart, $"{p.Id} and {q.Id} overlap");
            }
    }

    [TestMethod]
    public void EveryLayerIsABoxWithItsNameClassAndShapesAndEveryCallAnEdge()
    {
        using var dir = new TempDirectory();
        var model = Inception();
        var (doc, boxes) = Draw(model, dir);
        CollectionAssert.AreEquivalent(model.Layers.Select(l => l.Name).ToArray(), boxes.Select(b => b.Id).ToArray());
        var texts = doc.Descendants(Svg + "text").Select(t => t.Value).ToList();
        CollectionAssert.Contains(texts, "branch_b2: Conv2D");
        CollectionAssert.Contains(texts, "output: (None, 4, 4, 16)");
        CollectionAssert.Contains(texts, "input: [(None, 4, 4, 4), (None, 4, 4, 4), (None, 4, 4, 4), (None, 4, 4, 4)]");
        int calls = model.Layers.Sum(l => l is InputLayer ? 0 : 1) + 3; // the concatenation has four inputs
        Assert.HasCount(calls, doc.Descendants(Svg + "path").Where(p => (string?)p.Attribute("class") == "edge").ToList());
        AssertNoOverlapAndInside(doc, boxes);
        // Top to bottom: every layer is below the input; the merge is below every branch.
        var byId = boxes.ToDictionary(b => b.Id);
        Assert.IsTrue(boxes.Where(b => b.Id != "image").All(b => b.Y > byId["image"].Y));
        Assert.IsTrue(boxes.Where(b => b.Id.StartsWith("branch", StringComparison.Ordinal)).All(b => b.Y < byId["concatenate"].Y));
    }

    [TestMethod]
    public void LeftToRightRunsAlongX()
    {
        using var dir = new TempDirectory();
        var (doc, boxes) = Draw(Inception(), dir, rankDir: "LR");
        var byId = boxes.ToDictionary(b => b.Id);
        Assert.IsTrue(boxes.Where(b => b.Id != "image").All(b => b.X > byId["image"].X + byId["image"].W));
        Assert.IsTrue(byId["branch_d1"].X < byId["branch_d2"].X && byId["branch_d2"].X < byId["branch_d3"].X);
        AssertNoOverlapAndInside(doc, boxes);
    }

    [TestMethod]
    public void SharedLayersAreDrawnOnceAndNestedModelsCollapseOrExpandIntoAClusters()
    {
        using var dir = new TempDirectory();
        var model = Siamese();
        var (collapsedDoc, collapsed) = Draw(model, dir, showShapes: false);
        CollectionAssert.AreEquivalent(new[] { "left", "right", "encoder", "shared", "merge", "out" }, collapsed.Select(b => b.Id).ToArray());
        CollectionAssert.Contains(collapsedDoc.Descendants(Svg + "text").Select(t => t.Value).ToList(), "encoder: Functional");
        Assert.IsFalse(collapsedDoc.Descendants(Svg + "rect").Any(r => (string?)r.Attribute("class") == "cluster"));
        // left→encoder, right→encoder, encoder→shared twice, shared→merge twice, merge→out.
        Assert.AreEqual(7, collapsedDoc.Descendants(Svg + "path").Count(p => (string?)p.Attribute("class") == "edge"));

        var (doc, expanded) = Draw(model, dir, expandNested: true);
        CollectionAssert.AreEquivalent(new[] { "left", "right", "encoder/inner_in", "encoder/enc_hidden", "encoder/enc_dense", "shared", "merge", "out" }, expanded.Select(b => b.Id).ToArray());
        var cluster = doc.Descendants(Svg + "rect").Single(r => (string?)r.Attribute("class") == "cluster");
        double cy = double.Parse(cluster.Attribute("y")!.Value, CultureInfo.InvariantCulture), ch = double.Parse(cluster.Attribute("height")!.Value, CultureInfo.InvariantCulture);
        foreach (var inner in expanded.Where(b => b.Id.StartsWith("encoder/", StringComparison.Ordinal)))
            Assert.IsTrue(inner.Y > cy && inner.Y + inner.H < cy + ch, $"{inner.Id} is inside the encoder cluster");
        CollectionAssert.Contains(doc.Descendants(Svg + "text").Select(t => t.Value).ToList(), "encoder");
        AssertNoOverlapAndInside(doc, expanded);
    }

    [TestMethod]
    public void DotOutputHasClustersNodesAndAnEdgePerCall()
    {
        using var dir = new TempDirectory();
        string dot = File.ReadAllText(Siamese().PlotModel(dir.File("siamese.dot"), rankDir: "LR", expandNested: true));
        StringAssert.StartsWith(dot, "digraph \"siamese\" {");
        StringAssert.Contains(dot, "rankdir=LR");
        StringAssert.Contains(dot, "subgraph \"cluster_encoder\"");
        StringAssert.Contains(dot, "\"encoder/enc_dense\" [label=\"enc_dense: Dense\"");
        Assert.AreEqual(2, dot.Split('\n').Count(l => l.Trim() == "\"encoder/enc_dense\" -> \"shared\";"));
        Assert.AreEqual(9, dot.Split('\n').Count(l => l.Contains("->", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void BadArgumentsAreReportedClearly()
    {
        using var dir = new TempDirectory();
        var model = Siamese();
        var ex = Assert.ThrowsExactly<ArgumentException>(() => model.PlotModel(dir.File("model.png")));
        StringAssert.Contains(ex.Message, ".svg, .dot or .gv");
        ex = Assert.ThrowsExactly<ArgumentException>(() => model.PlotModel(dir.File("model.svg"), rankDir: "BT"));
        StringAssert.Contains(ex.Message, "\"BT\"");
    }
}
