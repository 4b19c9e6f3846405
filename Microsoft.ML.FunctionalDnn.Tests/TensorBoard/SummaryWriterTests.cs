using System.Text.RegularExpressions;
using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.FunctionalDnn.Summaries;
using Microsoft.ML.FunctionalDnn.TensorBoardProtos;
using static Microsoft.ML.FunctionalDnn.Keras;

namespace Microsoft.ML.FunctionalDnn.Tests.TensorBoard;

[TestClass]
public sealed partial class SummaryWriterTests
{
    [GeneratedRegex(@"^events\.out\.tfevents\.\d{10}\.[A-Za-z0-9_-]+\.\d+\.\d+$")]
    private static partial Regex EventFileName();

    private static List<Summary.Types.Value> Values(string path) =>
        EventFileReader.ReadEvents(path).Where(e => e.Summary is not null).SelectMany(e => e.Summary.Value).ToList();

    [TestMethod]
    public void ScalarsHistogramsAndTextReadBack()
    {
        using var dir = new TempDirectory();
        string file;
        using (var writer = new SummaryWriter(dir.File("run")))
        {
            file = writer.FilePath;
            for (int step = 0; step < 3; step++) writer.Scalar("loss/train", 1.0 / (step + 1), step);
            writer.Histogram("w", [-1f, 0f, 0.5f, 1f, float.NaN], step: 7, buckets: 4);
            writer.Text("notes", "**bold** note", step: 0);
            writer.Text("notes", "second", step: 1);
        }
        StringAssert.Matches(Path.GetFileName(file), EventFileName());
        var events = EventFileReader.ReadEvents(file);
        Assert.AreEqual("brain.Event:2", events[0].FileVersion);
        var values = Values(file);
        var losses = values.Where(v => v.Tag == "loss/train").Select(v => v.SimpleValue).ToArray();
        CollectionAssert.AreEqual(new[] { 1f, 0.5f, 1f / 3 }, losses);
        Assert.AreEqual(2, events.Single(e => e.Summary?.Value[0].Tag == "loss/train" && e.Summary.Value[0].SimpleValue == 1f / 3).Step);

        var h = values.Single(v => v.Tag == "w").Histo;
        Assert.AreEqual(4, h.Num, "NaN is left out");
        Assert.AreEqual(-1, h.Min);
        Assert.AreEqual(1, h.Max);
        Assert.AreEqual(0.5, h.Sum);
        Assert.AreEqual(2.25, h.SumSquares);
        CollectionAssert.AreEqual(new[] { -0.5, 0, 0.5, 1 }, h.BucketLimit.ToArray());
        CollectionAssert.AreEqual(new[] { 1.0, 1, 1, 1 }, h.Bucket.ToArray(), "(-0.5, 0] holds 0, (0, 0.5] holds 0.5; the first bucket takes the minimum");

        var texts = values.Where(v => v.Tag == "notes").ToList();
        Assert.AreEqual("**bold** note", texts[0].Tensor.StringVal[0].ToStringUtf8());
        Assert.AreEqual("text", texts[0].Metadata.PluginData.PluginName);
        Assert.IsNull(texts[1].Metadata, "plugin metadata only on a tag's first value");
    }

    [TestMethod]
    public void FlushMakesEventsReadableBeforeTheWriterCloses()
    {
        using var dir = new TempDirectory();
        using var writer = new SummaryWriter(dir.Path);
        writer.Scalar("a", 1, 0);
        writer.Flush();
        Assert.AreEqual(1, Values(writer.FilePath).Count);
        writer.Scalar("a", 2, 1);
        writer.Flush();
        Assert.AreEqual(2, Values(writer.FilePath).Count);
    }

    [TestMethod]
    public void AHistogramOfEqualValuesIsOneBucket()
    {
        var h = HistogramBuilder.Build([2f, 2f, 2f], 30);
        CollectionAssert.AreEqual(new[] { 2.0 }, h.BucketLimit.ToArray());
        CollectionAssert.AreEqual(new[] { 3.0 }, h.Bucket.ToArray());
        Assert.AreEqual(0, HistogramBuilder.Build([float.NaN], 30).Num);
    }

    [TestMethod]
    public void TheGraphHasANodePerLayerWithScopesForNestedModelsAndEdgesPerCall()
    {
        LayerNames.Reset();
        var inner = Input([4], name: "inner_in");
        var encoder = new Model(inner, new Dense(3, name: "enc_dense").Apply(inner), name: "encoder");
        var left = Input([4], name: "left");
        var right = Input([4], name: "right");
        var shared = new Dense(2, name: "shared");
        var merged = Concatenate([shared.Apply(encoder.Apply(left)), shared.Apply(encoder.Apply(right))]);
        var model = new Model([left, right], new Dense(1, name: "out").Apply(merged), name: "siamese");

        var graph = ModelGraph.Build(model);
        var nodes = graph.Node.ToDictionary(n => n.Name);
        CollectionAssert.AreEquivalent(new[] { "left", "right", "encoder/inner_in", "encoder/enc_dense", "shared", "concatenate", "out" }, nodes.Keys.ToArray());
        CollectionAssert.AreEqual(new[] { "left", "right" }, nodes["encoder/inner_in"].Input.ToArray(), "the nested input takes both calls' tensors");
        CollectionAssert.AreEqual(new[] { "encoder/enc_dense", "encoder/enc_dense" }, nodes["shared"].Input.ToArray(), "one edge per call of the shared layer");
        CollectionAssert.AreEqual(new[] { "shared", "shared" }, nodes["concatenate"].Input.ToArray());
        Assert.AreEqual("Dense", nodes["out"].Op);
        var shape = nodes["concatenate"].Attr["_output_shapes"].List.Shape.Single();
        CollectionAssert.AreEqual(new long[] { -1, 4 }, shape.Dim.Select(d => d.Size).ToArray());
    }

    [TestMethod]
    public void TheConceptualGraphIsTheKerasConfigUnderTheKerasTag()
    {
        using var dir = new TempDirectory();
        var input = Input([3]);
        var model = new Model(input, new Dense(2).Apply(input));
        string file;
        using (var writer = new SummaryWriter(dir.Path))
        {
            writer.Graph(model);
            file = writer.FilePath;
        }
        var events = EventFileReader.ReadEvents(file);
        var graph = GraphDef.Parser.ParseFrom(events.Single(e => e.WhatCase == Event.WhatOneofCase.GraphDef).GraphDef);
        Assert.HasCount(model.Layers.Count, graph.Node);
        var keras = Values(file).Single(v => v.Tag == "keras");
        Assert.AreEqual("graph_keras_model", keras.Metadata.PluginData.PluginName);
        using var json = System.Text.Json.JsonDocument.Parse(keras.Tensor.StringVal[0].ToStringUtf8());
        Assert.AreEqual("Functional", json.RootElement.GetProperty("class_name").GetString());
        Assert.AreEqual(2, json.RootElement.GetProperty("config").GetProperty("layers").GetArrayLength());
    }
}
