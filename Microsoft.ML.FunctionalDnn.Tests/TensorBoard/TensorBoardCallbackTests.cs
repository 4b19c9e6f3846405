using System.Diagnostics;
using System.Text.Json;
using Microsoft.ML.FunctionalDnn.Callbacks;
using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.FunctionalDnn.TensorBoardProtos;
using static Microsoft.ML.FunctionalDnn.Keras;

namespace Microsoft.ML.FunctionalDnn.Tests.TensorBoard;

[TestClass]
public sealed class TensorBoardCallbackTests
{
    private const int Epochs = 3;

    /// <summary>Two heads (a regression and a 3-class classification) fitted with validation, histograms and batch points.</summary>
    private static Model FitMultiOutput(string logDir, out History history)
    {
        LayerNames.Reset();
        using var seeds = SeedScope.Begin(5);
        var input = Input([6], name: "features");
        var hidden = new Dense(8, activation: "relu", name: "hidden").Apply(input);
        var score = new Dense(1, name: "score").Apply(hidden);
        var label = new Dense(3, activation: "softmax", name: "label").Apply(hidden);
        var model = new Model(input, [score, label]);
        model.Compile("adam", ["mse", "categorical_crossentropy"], metrics: new Dictionary<string, string[]> { ["label"] = ["accuracy"] });
        var r = new RandomGenerator(9);
        var x = Tensor.Uniform(new Shape(64, 6), -1, 1, r);
        var y1 = Tensor.Uniform(new Shape(64, 1), 0, 1, r);
        var y2 = Ops.OneHot(Tensor.RandomInts(new Shape(64), 0, 3, r), 3);
        history = model.Fit(x, new[] { y1, y2 }, epochs: Epochs, batchSize: 16, validationSplit: 0.25f, verbose: 0,
            callbacks: [new FunctionalDnn.Callbacks.TensorBoard(logDir, histogramFreq: 1, updateFreq: 2, writeStepsPerSecond: true)]);
        return model;
    }

    private static Dictionary<string, List<(long Step, Summary.Types.Value Value)>> Run(string dir)
    {
        var file = Directory.GetFiles(dir).Single(f => Path.GetFileName(f).Contains("tfevents", StringComparison.Ordinal));
        return EventFileReader.ReadEvents(file).Where(e => e.Summary is not null)
            .SelectMany(e => e.Summary.Value.Select(v => (e.Step, v)))
            .GroupBy(p => p.v.Tag).ToDictionary(g => g.Key, g => g.ToList());
    }

    [TestMethod]
    public void FitWritesKerasTagsToTrainAndValidationRuns()
    {
        using var dir = new TempDirectory();
        var model = FitMultiOutput(dir.Path, out var history);
        var train = Run(Path.Combine(dir.Path, "train"));
        var validation = Run(Path.Combine(dir.Path, "validation"));

        foreach (var tag in new[] { "epoch_loss", "epoch_score_loss", "epoch_label_loss", "epoch_label_accuracy", "epoch_learning_rate", "epoch_steps_per_second" })
        {
            Assert.IsTrue(train.ContainsKey(tag), $"train has {tag}; it has {string.Join(", ", train.Keys)}");
            CollectionAssert.AreEqual(new long[] { 0, 1, 2 }, train[tag].Select(p => p.Step).ToArray(), tag);
        }
        CollectionAssert.AreEqual(history["loss"].ToArray(), train["epoch_loss"].Select(p => p.Value.SimpleValue).ToArray());
        foreach (var tag in new[] { "epoch_loss", "epoch_score_loss", "epoch_label_loss", "epoch_label_accuracy" })
            Assert.HasCount(Epochs, validation[tag], $"validation {tag}, without the val_ prefix");
        CollectionAssert.AreEqual(history["val_loss"].ToArray(), validation["epoch_loss"].Select(p => p.Value.SimpleValue).ToArray());
        Assert.IsFalse(validation.Keys.Any(k => k.Contains("val_", StringComparison.Ordinal)));

        // 48 training samples in batches of 16: 3 steps an epoch, 9 in all; a point every 2 optimizer steps.
        CollectionAssert.AreEqual(new long[] { 2, 4, 6, 8 }, train["batch_loss"].Select(p => p.Step).ToArray());

        var histograms = train.Where(p => p.Value[0].Value.Histo is not null).ToDictionary(p => p.Key, p => p.Value.Count);
        CollectionAssert.AreEquivalent(model.NamedWeights().Select(w => w.Key + "/histogram").ToArray(), histograms.Keys.ToArray());
        Assert.IsTrue(histograms.Values.All(n => n == Epochs));
        Assert.AreEqual("graph_keras_model", train["keras"][0].Value.Metadata.PluginData.PluginName);
    }

    [TestMethod]
    public void EvaluateWithTheCallbackWritesEvaluationPointsAtTheOptimizerStep()
    {
        using var dir = new TempDirectory();
        var model = FitMultiOutput(dir.File("fit"), out _);
        var x = Tensor.Zeros(new Shape(4, 6));
        var y2 = Ops.OneHot(Tensor.FromArray(new[] { 0, 1, 2, 0 }), 3);
        var callback = new FunctionalDnn.Callbacks.TensorBoard(dir.File("eval"));
        model.Evaluate(x, new[] { Tensor.Zeros(new Shape(4, 1)), y2 }, callbacks: [callback]);
        callback.Dispose();
        var validation = Run(Path.Combine(dir.File("eval"), "validation"));
        Assert.AreEqual(model.Optimizer!.Iterations, validation["evaluation_loss_vs_iterations"].Single().Step);
    }

    [TestMethod]
    public void UpdateFrequencyAcceptsKerasSpellings()
    {
        Assert.AreEqual(0, ((UpdateFrequency)"epoch").Batches);
        Assert.AreEqual(1, ((UpdateFrequency)"batch").Batches);
        Assert.AreEqual(100, ((UpdateFrequency)100).Batches);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => UpdateFrequency.Parse("weekly"));
        StringAssert.Contains(ex.Message, "\"weekly\"");
    }

    /// <summary>The repository's sibling ../shared/tools/tfevents_check.py.</summary>
    private static string? FindChecker()
    {
        string candidate = Path.GetFullPath(Repository.File("..", "shared", "tools", "tfevents_check.py"));
        return File.Exists(candidate) ? candidate : null;
    }

    private static string? FindPython() =>
        new[] { "/usr/bin/python3", "/usr/local/bin/python3" }.FirstOrDefault(File.Exists)
        ?? (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Select(p => Path.Combine(p, "python3")).FirstOrDefault(File.Exists);

    [TestMethod]
    public void TheIndependentCheckerReadsTheLogsAsWellFormed()
    {
        string? python = FindPython();
        if (python is null) Prerequisite.Missing("python3 is not installed, so ../shared/tools/tfevents_check.py cannot run (apt-get install -y python3).");
        string checker = FindChecker() ?? throw new AssertFailedException("../shared/tools/tfevents_check.py was not found beside the repository.");
        using var dir = new TempDirectory();
        var model = FitMultiOutput(dir.Path, out _);

        var psi = new ProcessStartInfo(python, [checker, dir.Path, "--json"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd();
        string errors = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.AreEqual(0, p.ExitCode, $"checker output:\n{output}\n{errors}");
        StringAssert.EndsWith(output.TrimEnd(), "well formed");

        using var report = JsonDocument.Parse(output[..(output.LastIndexOf('}') + 1)]);
        var train = report.RootElement.GetProperty("train");
        var validation = report.RootElement.GetProperty("validation");
        Assert.AreEqual(0, train.GetProperty("errors").GetArrayLength());
        foreach (var tag in new[] { "epoch_loss", "epoch_score_loss", "epoch_label_loss", "epoch_label_accuracy", "epoch_learning_rate" })
            Assert.AreEqual(Epochs, train.GetProperty("scalars").GetProperty(tag).GetProperty("points").GetInt32(), tag);
        foreach (var tag in new[] { "epoch_loss", "epoch_score_loss", "epoch_label_loss", "epoch_label_accuracy" })
            Assert.AreEqual(Epochs, validation.GetProperty("scalars").GetProperty(tag).GetProperty("points").GetInt32(), tag);
        var histograms = train.GetProperty("histograms").EnumerateObject().Select(h => h.Name).ToArray();
        CollectionAssert.AreEquivalent(model.NamedWeights().Select(w => w.Key + "/histogram").ToArray(), histograms);
        Assert.AreEqual(model.Layers.Count, train.GetProperty("graph_nodes").GetInt32());
    }
}
