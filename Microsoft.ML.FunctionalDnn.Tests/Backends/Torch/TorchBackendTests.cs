using Microsoft.ML.FunctionalDnn.Layers;

namespace Microsoft.ML.FunctionalDnn.Tests.Backends.Torch;

[TestClass]
public sealed class TorchBackendTests : BackendTestBase
{
    protected override string BackendName => "torch";

    [TestMethod]
    public void TensorsRoundTripThroughLibtorch()
    {
        var t = Tensor.FromArray([1f, 2, 3, 4, 5, 6], new Shape(2, 3));
        Assert.AreEqual("torch", t.OwningBackend.Name);
        CollectionAssert.AreEqual(new[] { 1f, 2, 3, 4, 5, 6 }, t.ToArray());
        var ids = Tensor.FromArray([3, 1, 2], new Shape(3));
        CollectionAssert.AreEqual(new[] { 3, 1, 2 }, ids.ToIntArray());
        Assert.AreEqual(5f, t[1, 1]);
        CollectionAssert.AreEqual(new[] { 4f, 5, 6 }, t.SliceBatch(1, 1).ToArray());
    }

    [TestMethod]
    public void AutogradGivesLeafGradients()
    {
        var w = Tensor.FromArray([1f, -2, 3], new Shape(3));
        w.RequiresGrad = true;
        var loss = Ops.Sum(Ops.Square(w));
        loss.Backward();
        CollectionAssert.AreEqual(new[] { 2f, -4, 6 }, w.Grad!.ToArray());
        w.ZeroGrad();
        CollectionAssert.AreEqual(new[] { 0f, 0, 0 }, w.Grad!.ToArray());
    }

    [TestMethod]
    public void ADenseModelTrainsAsOnTheManagedEngine()
    {
        var torch = Train();
        IReadOnlyList<float> managed;
        using (TestBackends.Use("managed")) managed = Train();
        for (int e = 0; e < managed.Count; e++)
            Assert.AreEqual(managed[e], torch[e], 1e-4 * Math.Max(1, Math.Abs(managed[e])), $"epoch {e}: managed {managed[e]}, torch {torch[e]}");
        Assert.IsLessThan(torch[0], torch[^1]);
    }

    [TestMethod]
    public void SeededTrainingIsRepeatableOnTheSameThreadCount()
    {
        // What docs/backends.md promises for libtorch's CPU kernels: bit-identical on one machine
        // and thread count (not across thread counts or CPUs).
        CollectionAssert.AreEqual(Train().ToArray(), Train().ToArray());
    }

    private static IReadOnlyList<float> Train()
    {
        using var seed = SeedScope.Begin(3);
        var x = Keras.Input([4]);
        var h = new Dense(8, "relu").Apply(x);
        var y = new Dense(1).Apply(h);
        var model = new Model(x, y);
        model.Compile("adam", "mse");
        var r = new RandomGenerator(1);
        var xs = Tensor.Uniform(new Shape(64, 4), -1, 1, r);
        var ys = Ops.Sum(xs, [1], keepDims: true);
        return model.Fit(xs, ys, epochs: 20, batchSize: 16, verbose: 0, seed: 5)["loss"];
    }

    [TestMethod]
    public void NativeMemoryStaysFlatAcrossSteps()
    {
        using var seed = SeedScope.Begin(4);
        var x = Keras.Input([64]);
        var h = new Dense(256, "relu").Apply(x);
        var model = new Model(x, new Dense(10, "softmax").Apply(new Dense(256, "relu").Apply(h)));
        model.Compile("adam", "sparse_categorical_crossentropy", metrics: new[] { "accuracy" });
        var r = new RandomGenerator(5);
        var xs = Tensor.Uniform(new Shape(128, 64), -1, 1, r);
        var ys = Tensor.RandomInts(new Shape(128), 0, 10, r);
        // Warm-up: optimizer slots, metric state, and the C allocator settling on its thresholds.
        for (int i = 0; i < 100; i++) model.TrainOnBatch(xs, ys);
        long before = Resident();
        long live = global::TorchSharp.torch.Tensor.TotalCount;
        for (int i = 0; i < 50; i++) model.TrainOnBatch(xs, ys);
        long after = Resident();
        // Every step's temporaries are freed with its scope: not one more libtorch tensor is alive,
        // and resident memory stays within a few MB (50 leaked steps would hold 50 MB or more).
        Assert.AreEqual(live, global::TorchSharp.torch.Tensor.TotalCount, $"libtorch tensors alive after 50 more steps (was {live})");
        // (Resident memory may also shrink as the allocator hands pages back: only growth counts.)
        Assert.IsLessThan(8L << 20, after - before, $"resident memory grew by {(after - before) / 1048576.0:F1} MB over 50 steps");
    }

    private static long Resident()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        self.Refresh();
        return self.WorkingSet64;
    }
}
