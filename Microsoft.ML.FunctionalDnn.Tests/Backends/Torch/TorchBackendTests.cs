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

    [TestMethod]
    public void FitFreesEveryBatchWithItsStep()
    {
        // The rows gathered for a batch (on the device), the step's temporaries and the validation
        // batches end with their step: after the first epoch no libtorch tensor is left for the
        // garbage collector. (Left to it, a gathered float batch of the benchmarks' conv model held
        // 1.6 MB, and the process grew by 22 MB an epoch until a collection ran.)
        using var seed = SeedScope.Begin(6);
        var ids = Keras.Input([12], DType.Int32, "ids");
        var features = Keras.Input([5], name: "features");
        var sequence = new Conv1D(8, 3, activation: "relu").Apply(new Embedding(40, 6).Apply(ids));
        var merged = Keras.Concatenate([new GlobalMaxPooling1D().Apply(sequence), new Dense(4, "relu").Apply(features)]);
        var model = new Model([ids, features], new Dense(3, "softmax").Apply(merged));
        model.Compile("rmsprop", "categorical_crossentropy", metrics: ["accuracy"]);
        var r = new RandomGenerator(7);
        Tensor[] xs = [Tensor.RandomInts(new Shape(96, 12), 0, 40, r), Tensor.Uniform(new Shape(96, 5), -1, 1, r)];
        var ys = Ops.OneHot(Tensor.RandomInts(new Shape(96), 0, 3, r), 3);
        var live = new List<long>();
        var probe = new FunctionalDnn.Callbacks.LambdaCallback(onEpochEnd: (_, _) => live.Add(global::TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount));
        model.Fit(xs, ys, epochs: 5, batchSize: 16, validationSplit: 0.25f, verbose: 0, callbacks: [probe]);
        Assert.AreEqual(live[1], live[^1], $"libtorch tensors alive at each epoch's end: {string.Join(", ", live)}");
        // Evaluate and TrainOnBatch keep one set of metric state (made by the first call).
        model.Evaluate(xs, ys, batchSize: 16);
        model.TrainOnBatch(xs, ys);
        long before = global::TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        model.Evaluate(xs, ys, batchSize: 16);
        model.TrainOnBatch(xs, ys);
        Assert.AreEqual(before, global::TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount, "libtorch tensors left alive by Evaluate and TrainOnBatch");
    }

    [TestMethod]
    public void NonFiniteDataIsFoundOnTheDeviceAndNamedBySample()
    {
        // The check reduces the data on the device a chunk of 4 M values at a time and copies only
        // the chunk that holds the bad value: here the second chunk, so the sample number carries
        // the chunk's offset.
        var x = Keras.Input([5], name: "features");
        var model = new Model(x, new Dense(1).Apply(x));
        model.Compile("sgd", "mse");
        int rows = (1 << 22) / 5 + 10, bad = rows - 3;
        var values = new float[rows * 5];
        values[bad * 5 + 4] = float.PositiveInfinity;
        var error = Assert.ThrowsExactly<ArgumentException>(() => model.Fit(Tensor.FromArray(values, new Shape(rows, 5)), Tensor.Zeros(new Shape(rows, 1)), epochs: 1, verbose: 0));
        StringAssert.Contains(error.Message, $"input 'features' holds Infinity in sample {bad} (position 4 of its 5 values)");
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
