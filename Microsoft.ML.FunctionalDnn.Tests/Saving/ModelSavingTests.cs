using System.IO.Compression;
using Microsoft.ML.FunctionalDnn.Applications;
using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.FunctionalDnn.Losses;
using Microsoft.ML.FunctionalDnn.Optimizers;
using Microsoft.ML.FunctionalDnn.Optimizers.Schedules;
using static Microsoft.ML.FunctionalDnn.Keras;

namespace Microsoft.ML.FunctionalDnn.Tests.Saving;

[TestClass]
public sealed class ModelSavingTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    private string _dir => _temp.Path;

    public void Dispose() => _temp.Dispose();

    [TestInitialize]
    public void Setup() => LayerNames.Reset();

    private string PathOf(string name) => _temp.File(name);

    private static void AssertSamePredictions(Model a, Model b, IReadOnlyList<Tensor> inputs)
    {
        var pa = a.Predict(inputs);
        var pb = b.Predict(inputs);
        Assert.HasCount(pa.Count, pb);
        for (int i = 0; i < pa.Count; i++) CollectionAssert.AreEqual(pa[i].ToArray(), pb[i].ToArray(), $"output {i} must be bit-identical");
    }

    [TestMethod]
    public void QuestionAnsweringModelRoundTripsBitIdentically()
    {
        var text = Input([null], DType.Int32, "text");
        var question = Input([null], DType.Int32, "question");
        var merged = Concatenate([new Lstm(8).Apply(new Embedding(50, 6, maskZero: true).Apply(text)), new Bidirectional(new Gru(4)).Apply(new Embedding(50, 4).Apply(question))]);
        var model = new Model([text, question], new Dense(7, "softmax").Apply(merged), "qa");
        string path = PathOf("qa.fdnn");
        model.Save(path);
        var loaded = Model.Load(path);
        Assert.AreEqual("qa", loaded.Name);
        CollectionAssert.AreEqual(model.Layers.Select(l => l.Name).ToArray(), loaded.Layers.Select(l => l.Name).ToArray());
        Assert.AreEqual(model.Summary(), loaded.Summary());
        var r = new RandomGenerator(1);
        AssertSamePredictions(model, loaded, [Tensor.RandomInts(new Shape(3, 9), 0, 50, r), Tensor.RandomInts(new Shape(3, 9), 0, 50, r)]);
        using var zip = ZipFile.OpenRead(path);
        CollectionAssert.AreEquivalent(new[] { "config.json", "metadata.json", "model.safetensors" }, zip.Entries.Select(e => e.FullName).ToArray());
    }

    [TestMethod]
    public void MultiOutputNamesSharedLayersAndTrainedBatchNormStatisticsSurvive()
    {
        var a = Input([6], name: "a");
        var b = Input([6], name: "b");
        var shared = new Dense(5, "relu", name: "shared");
        var bn = new BatchNormalization(name: "bn");
        var joined = Concatenate([bn.Apply(shared.Apply(a)), shared.Apply(b)]);
        var model = new Model([a, b], new Dictionary<string, SymbolicTensor> { ["price"] = new Dense(1).Apply(joined), ["kind"] = new Dense(3, "softmax").Apply(joined) });
        model.Compile("adam", new Dictionary<string, string> { ["price"] = "mse", ["kind"] = "categorical_crossentropy" });
        var r = new RandomGenerator(2);
        var xa = Tensor.Uniform(new Shape(40, 6), -1, 1, r);
        var xb = Tensor.Uniform(new Shape(40, 6), -1, 1, r);
        model.Fit([xa, xb], [Tensor.Uniform(new Shape(40, 1), 0, 1, r), Ops.OneHot(Tensor.RandomInts(new Shape(40), 0, 3, r), 3)], epochs: 2, batchSize: 8, verbose: 0);
        string path = PathOf("multi.fdnn");
        model.Save(path);
        var loaded = Model.Load(path);
        CollectionAssert.AreEqual(new[] { "price", "kind" }, loaded.OutputNames.ToArray());
        Assert.HasCount(2, loaded.GetLayer("shared").InboundNodes);
        Assert.AreNotEqual(0f, loaded.GetLayer("bn").Weights.Single(w => w.Name == "moving_mean").Value.ToArray().Sum(Math.Abs), "moving statistics were trained and saved");
        AssertSamePredictions(model, loaded, [xa, xb]);
    }

    [TestMethod]
    public void NestedXceptionAndSequentialRoundTrip()
    {
        var xception = Xception.Build(includeTop: false, inputShape: (71, 71, 3), pooling: Pooling.Max);
        var left = Input([71, 71, 3], name: "left");
        var right = Input([71, 71, 3], name: "right");
        var dual = new Model([left, right], Concatenate([xception.Apply(left), xception.Apply(right)]), "dual");
        string path = PathOf("dual.fdnn");
        dual.Save(path);
        var loaded = Model.Load(path);
        Assert.AreEqual(dual.CountParams(), loaded.CountParams());
        var image = Tensor.Uniform(new Shape(1, 71, 71, 3), 0, 1, new RandomGenerator(3));
        AssertSamePredictions(dual, loaded, [image, image]);

        var seq = new Sequential([new Dense(4, "tanh"), new Dropout(0.5f), new Dense(2)], inputShape: [3], name: "stack");
        seq.Save(PathOf("seq.fdnn"));
        var seqLoaded = Model.Load(PathOf("seq.fdnn"));
        Assert.IsInstanceOfType<Sequential>(seqLoaded);
        AssertSamePredictions(seq, seqLoaded, [Tensor.Ones(new Shape(2, 3))]);
    }

    [TestMethod]
    public void LambdaLayersNeedTheirFunctionFromCustomObjects()
    {
        var x = Input([3]);
        var unnamed = new Model(x, new Lambda(t => Ops.Multiply(t, Tensor.Scalar(2))).Apply(x));
        var notSavable = Assert.ThrowsExactly<InvalidOperationException>(() => unnamed.Save(PathOf("u.fdnn")));
        StringAssert.Contains(notSavable.Message, "functionName");

        var y = Input([3]);
        var named = new Model(y, new Lambda(t => Ops.Multiply(t, Tensor.Scalar(2)), functionName: "double").Apply(y));
        named.Save(PathOf("l.fdnn"));
        var refused = Assert.ThrowsExactly<InvalidDataException>(() => Model.Load(PathOf("l.fdnn")));
        StringAssert.Contains(refused.Message, "customObjects under \"double\"");
        var loaded = Model.Load(PathOf("l.fdnn"), new Dictionary<string, Func<Tensor, Tensor>> { ["double"] = t => Ops.Multiply(t, Tensor.Scalar(2)) });
        CollectionAssert.AreEqual(new float[] { 2, 2, 2 }, loaded.Predict(Tensor.Ones(new Shape(1, 3)))[0].ToArray());
    }

    [TestMethod]
    public void DamagedFilesAreRejectedClearlyAndNeverLeaveTornFiles()
    {
        var x = Input([3]);
        var model = new Model(x, new Dense(2, name: "d").Apply(x));
        string path = PathOf("m.fdnn");
        model.Save(path);
        var bytes = File.ReadAllBytes(path);

        File.WriteAllBytes(PathOf("truncated.fdnn"), bytes[..(bytes.Length / 2)]);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => Model.Load(PathOf("truncated.fdnn"))).Message, "truncated.fdnn");

        File.WriteAllBytes(PathOf("garbage.fdnn"), [1, 2, 3, 4, 5]);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => Model.Load(PathOf("garbage.fdnn"))).Message, "not a saved model");

        using (var zip = ZipFile.Open(PathOf("noweights.fdnn"), ZipArchiveMode.Create))
        using (var s = zip.CreateEntry("config.json").Open())
        using (var originalZip = ZipFile.OpenRead(path))
        using (var original = originalZip.GetEntry("config.json")!.Open())
            original.CopyTo(s);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => Model.Load(PathOf("noweights.fdnn"))).Message, "has no model.safetensors");

        using (var zip = ZipFile.Open(PathOf("badconfig.fdnn"), ZipArchiveMode.Create))
        using (var originalZip = ZipFile.OpenRead(path))
        {
            using (var w = zip.CreateEntry("model.safetensors").Open())
            using (var original = originalZip.GetEntry("model.safetensors")!.Open())
                original.CopyTo(w);
            using var s = new StreamWriter(zip.CreateEntry("config.json").Open());
            s.Write("{\"class_name\": \"Functional\", \"config\": {\"name\": \"m\", \"layers\": [{\"class_name\": \"Dense\", \"name\": \"d\", \"config\": {\"name\": \"d\"}}]}}");
        }
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => Model.Load(PathOf("badconfig.fdnn"))).Message, "layer 'd' is missing 'units'");

        // Saving over an existing file replaces it whole and leaves no temporary files.
        model.Save(path);
        Assert.IsFalse(Directory.GetFiles(_dir).Any(f => f.Contains(".tmp-", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void CompiledModelComesBackCompiledAndContinuesTrainingExactly()
    {
        var input = Input([4]);
        var model = new Model(input, new Dense(3, name: "logits").Apply(new Dense(8, "relu").Apply(input)));
        model.Compile(new RmsProp(0.005f, momentum: 0.5f, options: new OptimizerOptions { ClipNorm = 1f }),
            new SparseCategoricalCrossentropy(fromLogits: true), metrics: ["accuracy"]);
        var r = new RandomGenerator(21);
        var x = Tensor.Uniform(new Shape(48, 4), -1, 1, r);
        var y = Tensor.RandomInts(new Shape(48), 0, 3, r);
        model.Fit(x, y, epochs: 2, batchSize: 8, verbose: 0, seed: 1);
        model.Save(PathOf("compiled.fdnn"));
        var loaded = Model.Load(PathOf("compiled.fdnn"));

        Assert.IsInstanceOfType<RmsProp>(loaded.Optimizer);
        Assert.AreEqual(12, loaded.Optimizer!.Iterations);
        Assert.AreEqual(0.005f, loaded.Optimizer.LearningRate);
        Assert.AreEqual(1f, loaded.Optimizer.Options.ClipNorm);
        var a = model.Fit(x, y, epochs: 1, batchSize: 8, verbose: 0, seed: 2);
        var b = loaded.Fit(x, y, epochs: 1, batchSize: 8, verbose: 0, seed: 2);
        Assert.AreEqual(a["loss"][0], b["loss"][0], "the loaded model uses the same loss (from logits) and metrics");
        Assert.AreEqual(a["accuracy"][0], b["accuracy"][0]);
        CollectionAssert.AreEqual(model.GetWeights().SelectMany(w => w).ToArray(), loaded.GetWeights().SelectMany(w => w).ToArray(), "momentum and velocities were restored");

        model.Save(PathOf("no_optimizer.fdnn"), includeOptimizer: false);
        Assert.AreEqual(0, Model.Load(PathOf("no_optimizer.fdnn")).Optimizer!.Iterations);

        model.Compile("sgd", Loss.FromFunction("custom", (t, p) => Ops.Square(p)));
        model.Save(PathOf("custom.fdnn"));
        Assert.IsNull(Model.Load(PathOf("custom.fdnn")).Optimizer, "a custom loss function cannot be recreated, so the model loads uncompiled");
    }

    [TestMethod]
    public void ALearningRateScheduleIsSavedAsTheScheduleNotTheRateItReached()
    {
        using var dir = new TempDirectory();
        using var seeds = SeedScope.Begin(3);
        LayerNames.Reset();
        LearningRateSchedule[] schedules = [new ExponentialDecay(0.1f, 4, 0.5f, staircase: true), new CosineDecay(0.05f, 10, alpha: 0.1f), new PiecewiseConstantDecay([2, 5], [0.1f, 0.05f, 0.01f])];
        foreach (var schedule in schedules)
        {
            var x = Keras.Input([2]);
            var model = new Model(x, new Dense(1).Apply(x));
            model.Compile(new Adam(schedule: schedule), "mse");
            var data = Tensor.Uniform(new Shape(12, 2), -1, 1, new RandomGenerator(1));
            model.Fit(data, Ops.Sum(data, -1, keepDims: true), epochs: 1, batchSize: 4, verbose: 0);
            model.Save(dir.File("scheduled.fdnn"));
            var loaded = Model.Load(dir.File("scheduled.fdnn")).Optimizer!;
            Assert.AreEqual(schedule.GetType(), loaded.Schedule?.GetType(), "the schedule itself comes back");
            Assert.AreEqual(3, loaded.Iterations);
            for (long step = 0; step < 12; step++) Assert.AreEqual(schedule.At(step), loaded.Schedule!.At(step), $"{schedule.GetType().Name} at step {step}");
            Assert.AreEqual(schedule.At(3), loaded.LearningRate, "and the rate where training stopped");
        }
    }
}
