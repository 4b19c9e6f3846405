using Microsoft.ML.FunctionalDnn.Callbacks;
using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.FunctionalDnn.Optimizers;
using static Microsoft.ML.FunctionalDnn.Keras;

namespace Microsoft.ML.FunctionalDnn.Tests.Callbacks;

[TestClass]
public sealed class CheckpointTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    private string _dir => _temp.Path;

    public void Dispose() => _temp.Dispose();

    private static Model Build()
    {
        LayerNames.Reset();
        using var seed = SeedScope.Begin(5);
        var input = Input([4]);
        var h = new Dropout(0.3f).Apply(new Dense(8, "relu").Apply(input));
        var model = new Model(input, new Dense(1, "sigmoid").Apply(h));
        model.Compile(new Nadam(0.01f), "binary_crossentropy", metrics: ["acc"]);
        return model;
    }

    private static (Tensor X, Tensor Y) Data()
    {
        var r = new RandomGenerator(6);
        var x = Tensor.Uniform(new Shape(64, 4), -1, 1, r);
        var xs = x.ToArray();
        var y = new float[64];
        for (int i = 0; i < 64; i++) y[i] = xs[i * 4] + xs[i * 4 + 3] > 0 ? 1 : 0;
        return (x, Tensor.FromArray(y, new Shape(64, 1)));
    }

    private sealed class KillAfter(int epoch) : Callback
    {
        public override void OnEpochEnd(int e, IReadOnlyDictionary<string, float> logs)
        {
            if (e == epoch) throw new OperationCanceledException("simulated kill");
        }
    }

    [TestMethod]
    public void ResumedTrainingEndsWithTheWeightsOfAnUninterruptedRun()
    {
        var (x, y) = Data();
        var uninterrupted = Build();
        uninterrupted.Fit(x, y, epochs: 5, batchSize: 8, verbose: 0, seed: 7);
        var expected = uninterrupted.GetWeights().SelectMany(w => w).ToArray();

        string backup = Path.Combine(_dir, "backup");
        var first = Build();
        Assert.ThrowsExactly<OperationCanceledException>(() =>
            first.Fit(x, y, epochs: 5, batchSize: 8, verbose: 0, seed: 7, callbacks: [new BackupAndRestore(backup), new KillAfter(2)]));
        Assert.IsTrue(File.Exists(Path.Combine(backup, "backup.safetensors")));

        var resumed = Build(); // a fresh process would rebuild the model the same way
        var restore = new BackupAndRestore(backup);
        var history = resumed.Fit(x, y, epochs: 5, batchSize: 8, verbose: 0, seed: 7, callbacks: [restore]);
        Assert.AreEqual(2, restore.RestoredEpoch);
        CollectionAssert.AreEqual(new[] { 3, 4 }, history.Epochs.ToArray());
        CollectionAssert.AreEqual(expected, resumed.GetWeights().SelectMany(w => w).ToArray(), "bit-identical to the uninterrupted run");
        Assert.IsFalse(File.Exists(Path.Combine(backup, "backup.safetensors")), "the backup is removed after a normal end");
    }

    [TestMethod]
    public void ModelCheckpointKeepsTheBestAndFillsTheTemplate()
    {
        var (x, y) = Data();
        var model = Build();
        var every = new ModelCheckpoint(Path.Combine(_dir, "all", "m.{epoch:02d}-{loss:.3f}.safetensors"), saveWeightsOnly: true);
        var best = new ModelCheckpoint(Path.Combine(_dir, "best.fdnn"), monitor: "val_loss", saveBestOnly: true);
        var history = model.Fit(x, y, epochs: 4, batchSize: 8, validationSplit: 0.25f, verbose: 0, callbacks: [every, best]);
        Assert.HasCount(4, every.Saved);
        StringAssert.EndsWith(every.Saved[0], $"m.01-{history["loss"][0]:F3}.safetensors");
        int improvements = 0;
        float bestSoFar = float.PositiveInfinity;
        foreach (float v in history["val_loss"]) if (v < bestSoFar) { bestSoFar = v; improvements++; }
        Assert.HasCount(improvements, best.Saved);
        var reloaded = Model.Load(Path.Combine(_dir, "best.fdnn"));
        Assert.AreEqual(model.CountParams(), reloaded.CountParams());
        Assert.AreEqual("m.03-0.500.safetensors", Path.GetFileName(ModelCheckpoint.Format("m.{epoch:02d}-{loss:.3f}.safetensors", 2, new Dictionary<string, float> { ["loss"] = 0.5f })));
        Assert.ThrowsExactly<InvalidOperationException>(() => ModelCheckpoint.Format("{val_acc:.2f}", 0, new Dictionary<string, float>()));
    }

    [TestMethod]
    public void OptimizerStateRoundTrips()
    {
        var (x, y) = Data();
        var model = Build();
        model.Fit(x, y, epochs: 1, batchSize: 8, verbose: 0, seed: 1);
        var named = model.NamedWeights();
        var state = model.Optimizer!.ExportState(named);
        var halves = state[0].Value.ToIntArray();
        Assert.AreEqual(8, ((long)halves[0] << 32) | (uint)halves[1], "8 steps were taken");
        var other = new Nadam(0.01f);
        other.ImportState(state.ToDictionary(p => p.Key, p => p.Value), named);
        Assert.AreEqual(8, other.Iterations);
    }
}
