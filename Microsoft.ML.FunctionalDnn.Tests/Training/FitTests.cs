using Microsoft.ML.FunctionalDnn.Callbacks;
using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.FunctionalDnn.Optimizers;
using static Microsoft.ML.FunctionalDnn.Keras;

namespace Microsoft.ML.FunctionalDnn.Tests.Training;

[TestClass]
public sealed class FitTests
{
    [TestInitialize]
    public void ResetNames() => LayerNames.Reset();

    /// <summary>Two inputs; the class is 1 when a·x + b·z > 0 for fixed a, b: a rule the model must learn from both inputs.</summary>
    private static (Tensor X, Tensor Z, Tensor Labels) Task(int n, long seed)
    {
        var r = new RandomGenerator(seed);
        var x = Tensor.Uniform(new Shape(n, 4), -1, 1, r);
        var z = Tensor.Uniform(new Shape(n, 3), -1, 1, r);
        var labels = new float[n];
        for (int i = 0; i < n; i++)
            labels[i] = x[i, 0] - 0.5f * x[i, 2] + z[i, 1] + 0.3f * z[i, 0] > 0 ? 1 : 0;
        return (x, z, Tensor.FromArray(labels, new Shape(n, 1)));
    }

    private static Model TwoInputClassifier()
    {
        var a = Input([4], name: "a");
        var b = Input([3], name: "b");
        var h = new Dense(16, "relu").Apply(Concatenate([new Dense(8, "relu").Apply(a), new Dense(8, "relu").Apply(b)]));
        return new Model([a, b], new Dense(1, "sigmoid", name: "label").Apply(h));
    }

    [TestMethod]
    public void TwoInputModelLearnsAGeneratedRule()
    {
        using var seed = SeedScope.Begin(1);
        var model = TwoInputClassifier();
        model.Compile(new Adam(0.01f), "binary_crossentropy", metrics: ["accuracy"]);
        var (x, z, y) = Task(1200, 2);
        var history = model.Fit([x, z], y, epochs: 15, batchSize: 32, validationSplit: 0.2f, verbose: 0, seed: 3);
        CollectionAssert.AreEqual(new[] { "loss", "accuracy", "val_loss", "val_accuracy", "learning_rate" }, history.Values.Keys.ToArray());
        Assert.HasCount(15, history["loss"]);
        Assert.IsLessThan(history["loss"][0] * 0.5f, history["loss"][^1], "training loss at least halves");
        Assert.IsGreaterThan(0.93f, history["val_accuracy"][^1], "held-out accuracy");
        var (tx, tz, ty) = Task(400, 9);
        var test = model.Evaluate([tx, tz], ty);
        Assert.IsGreaterThan(0.93f, test["accuracy"]);
    }

    [TestMethod]
    public void QuestionAnsweringFitsWithListAndDictionaryInputs()
    {
        using var seed = SeedScope.Begin(4);
        var text = Input([20], DType.Int32, "text");
        var question = Input([20], DType.Int32, "question");
        var merged = Concatenate([new Lstm(8).Apply(new Embedding(100, 8).Apply(text)), new Lstm(4).Apply(new Embedding(100, 4).Apply(question))]);
        var model = new Model([text, question], new Dense(10, "softmax").Apply(merged));
        model.Compile("rmsprop", "categorical_crossentropy", metrics: ["acc"]);
        var r = new RandomGenerator(5);
        var t = Tensor.RandomInts(new Shape(64, 20), 1, 100, r);
        var q = Tensor.RandomInts(new Shape(64, 20), 1, 100, r);
        var answers = Ops.OneHot(Tensor.RandomInts(new Shape(64), 0, 10, r), 10);
        var byList = model.Fit([t, q], answers, epochs: 2, batchSize: 16, verbose: 0);
        CollectionAssert.AreEqual(new[] { "loss", "acc", "learning_rate" }, byList.Values.Keys.ToArray());
        var byName = model.Fit(new Dictionary<string, Tensor> { ["question"] = q, ["text"] = t }, answers, epochs: 1, batchSize: 16, verbose: 0);
        Assert.HasCount(1, byName["loss"]);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => model.Fit(new Dictionary<string, Tensor> { ["text"] = t, ["query"] = q }, answers, verbose: 0));
        StringAssert.Contains(ex.Message, "'query'");
        StringAssert.Contains(ex.Message, "text, question");
    }

    [TestMethod]
    public void ThreeHeadsWithLossDictionaryAndWeightsLogKerasKeys()
    {
        using var seed = SeedScope.Begin(6);
        var posts = Input([30], DType.Int32, "posts");
        var x = new Embedding(200, 8).Apply(posts);
        x = new Conv1D(8, 3, activation: "relu").Apply(x);
        x = new Dense(16, "relu").Apply(new GlobalMaxPooling1D().Apply(x));
        var model = new Model([posts], [new Dense(1, name: "age").Apply(x), new Dense(4, "softmax", name: "income").Apply(x), new Dense(1, "sigmoid", name: "gender").Apply(x)]);
        model.Compile("rmsprop",
            new Dictionary<string, string> { ["age"] = "mse", ["income"] = "categorical_crossentropy", ["gender"] = "binary_crossentropy" },
            new Dictionary<string, float> { ["age"] = 0.25f, ["income"] = 1f, ["gender"] = 10f },
            new Dictionary<string, string[]> { ["income"] = ["acc"], ["gender"] = ["acc"] });
        var r = new RandomGenerator(7);
        var ids = Tensor.RandomInts(new Shape(40, 30), 1, 200, r);
        var age = Ops.Cast(Tensor.RandomInts(new Shape(40), 20, 75, r), DType.Float32);   // (n,) as in the notes
        var income = Ops.OneHot(Tensor.RandomInts(new Shape(40), 0, 4, r), 4);
        var gender = Tensor.RandomInts(new Shape(40), 0, 2, r);
        var history = model.Fit(ids, new Dictionary<string, Tensor> { ["age"] = age, ["income"] = income, ["gender"] = gender }, epochs: 2, batchSize: 8, verbose: 0);
        CollectionAssert.AreEquivalent(
            new[] { "loss", "age_loss", "income_loss", "gender_loss", "income_acc", "gender_acc", "learning_rate" },
            history.Values.Keys.ToArray());
        float total = history["loss"][^1];
        float weighted = 0.25f * history["age_loss"][^1] + history["income_loss"][^1] + 10 * history["gender_loss"][^1];
        Assert.AreEqual(weighted, total, Math.Abs(total) * 1e-3f, "the total is the weighted sum of the heads");
        var listForm = model.Fit(ids, [age, income, gender], epochs: 1, batchSize: 8, verbose: 0);
        Assert.HasCount(1, listForm["gender_acc"]);
        var values = model.EvaluateValues(ids, [age, income, gender]);
        CollectionAssert.AreEqual(new[] { "loss", "age_loss", "income_loss", "gender_loss", "income_acc", "gender_acc" }, model.MetricsNames.ToArray());
        Assert.HasCount(6, values);
    }

    [TestMethod]
    public void ValidationSplitHoldsOutTheLastSamplesBeforeShuffling()
    {
        using var seed = SeedScope.Begin(8);
        var input = Input([2]);
        var model = new Model(input, new Dense(1).Apply(input));
        model.Compile(new Sgd(1e-12f), "mse");
        var r = new RandomGenerator(9);
        var x = Tensor.Uniform(new Shape(50, 2), -1, 1, r);
        var targets = Tensor.Uniform(new Shape(50, 1), -1, 1, r).ToArray();
        // The last 10 samples get targets far away, so their loss stands out.
        for (int i = 40; i < 50; i++) targets[i] = 100;
        var y = Tensor.FromArray(targets, new Shape(50, 1));
        var history = model.Fit(x, y, epochs: 1, batchSize: 8, validationSplit: 0.2f, verbose: 0);
        var last = model.Evaluate(x.SliceBatch(40, 10), y.SliceBatch(40, 10));
        Assert.AreEqual(last["loss"], history["val_loss"][0], last["loss"] * 1e-4f);
        Assert.IsLessThan(10f, history["loss"][0], "training never saw the held-out samples");
    }

    [TestMethod]
    public void SameSeedsGiveBitIdenticalWeightsAfterTraining()
    {
        float[] Train()
        {
            LayerNames.Reset();
            using var seed = SeedScope.Begin(10);
            var model = TwoInputClassifier();
            model.Compile("adam", "binary_crossentropy");
            var (x, z, y) = Task(200, 11);
            model.Fit([x, z], y, epochs: 2, batchSize: 16, verbose: 0, seed: 12);
            return model.Weights.SelectMany(w => w.Value.ToArray()).ToArray();
        }
        CollectionAssert.AreEqual(Train(), Train());
    }

    [TestMethod]
    public void ClassWeightOfZeroRemovesAClassFromTheLoss()
    {
        using var seed = SeedScope.Begin(13);
        var input = Input([3]);
        var model = new Model(input, new Dense(1, "sigmoid").Apply(input));
        model.Compile(new Sgd(0.5f), "binary_crossentropy");
        var x = Tensor.Uniform(new Shape(16, 3), -1, 1, new RandomGenerator(14));
        var y = Tensor.Zeros(new Shape(16, 1));
        var before = model.Weights.SelectMany(w => w.Value.ToArray()).ToArray();
        var history = model.Fit(x, y, epochs: 1, batchSize: 4, classWeight: new Dictionary<int, float> { [0] = 0f }, verbose: 0);
        Assert.AreEqual(0f, history["loss"][0]);
        CollectionAssert.AreEqual(before, model.Weights.SelectMany(w => w.Value.ToArray()).ToArray());
    }

    [TestMethod]
    public void BatchMethodsAndPredictByName()
    {
        using var seed = SeedScope.Begin(15);
        var model = TwoInputClassifier();
        model.Compile("sgd", "binary_crossentropy", metrics: ["acc"]);
        var (x, z, y) = Task(32, 16);
        var first = model.TestOnBatch([x, z], y)["loss"];
        for (int i = 0; i < 20; i++) model.TrainOnBatch([x, z], y);
        Assert.IsLessThan(first, model.TestOnBatch([x, z], y)["loss"]);
        var batch = model.PredictOnBatch([x, z])[0];
        var batched = model.Predict([x, z], batchSize: 5)[0];
        CollectionAssert.AreEqual(batch.ToArray(), batched.ToArray(), "batching does not change predictions");
        Assert.AreEqual(new Shape(32, 1), model.PredictByName([x, z])["label"].Shape);
    }

    private sealed class StopAfter(int epochs) : Callback
    {
        public List<string> Calls { get; } = [];

        public override void OnTrainBegin(IReadOnlyDictionary<string, float> logs) => Calls.Add("train_begin");

        public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, float> logs)
        {
            Calls.Add($"epoch_end {epoch}");
            if (epoch + 1 >= epochs) Model.StopTraining = true;
        }

        public override void OnTrainBatchEnd(int batch, IReadOnlyDictionary<string, float> logs) => Calls.Add("batch");

        public override void OnTrainEnd(IReadOnlyDictionary<string, float> logs) => Calls.Add("train_end");
    }

    [TestMethod]
    public void CallbacksSeeEveryHookAndCanStopTraining()
    {
        var model = TwoInputClassifier();
        model.Compile("sgd", "binary_crossentropy");
        var (x, z, y) = Task(20, 17);
        var stop = new StopAfter(2);
        var history = model.Fit([x, z], y, epochs: 10, batchSize: 10, callbacks: [stop], verbose: 0);
        Assert.HasCount(2, history["loss"]);
        CollectionAssert.AreEqual(new[] { "train_begin", "batch", "batch", "epoch_end 0", "batch", "batch", "epoch_end 1", "train_end" }, stop.Calls);
        Assert.AreEqual(2, stop.Params!.Steps);
    }

    [TestMethod]
    public void VerboseOutputShowsEpochsAndKerasKeys()
    {
        var model = TwoInputClassifier();
        model.Compile("sgd", "binary_crossentropy", metrics: ["acc"]);
        var (x, z, y) = Task(20, 18);
        var output = new StringWriter();
        model.Fit([x, z], y, epochs: 2, batchSize: 10, verbose: 0, callbacks: [new ProgressLogger(2, output)]);
        string text = output.ToString();
        StringAssert.Contains(text, "Epoch 1/2");
        StringAssert.Contains(text, "Epoch 2/2");
        StringAssert.Contains(text, "2/2 - ");
        StringAssert.Contains(text, " - acc: ");
        var bar = new StringWriter();
        model.Fit([x, z], y, epochs: 1, batchSize: 10, verbose: 0, callbacks: [new ProgressLogger(1, bar)]);
        StringAssert.Contains(bar.ToString(), "2/2 ━━━━━━━━━━━━━━━━━━━━ ");
    }

    [TestMethod]
    public void ErrorsSayWhatWasExpected()
    {
        var model = TwoInputClassifier();
        var (x, z, y) = Task(20, 19);
        var notCompiled = Assert.ThrowsExactly<InvalidOperationException>(() => model.Fit([x, z], y, verbose: 0));
        StringAssert.Contains(notCompiled.Message, "Compile");
        model.Compile("sgd", "binary_crossentropy");
        var wrongTarget = Assert.ThrowsExactly<ArgumentException>(() => model.Fit([x, z], Tensor.Zeros(new Shape(20, 3)), verbose: 0));
        StringAssert.Contains(wrongTarget.Message, "output 'label'");
        var count = Assert.ThrowsExactly<ArgumentException>(() => model.Fit([x], y, verbose: 0));
        StringAssert.Contains(count.Message, "Expected 2 inputs [a, b]; received 1");
        var samples = Assert.ThrowsExactly<ArgumentException>(() => model.Fit([x, z], Tensor.Zeros(new Shape(10, 1)), verbose: 0));
        StringAssert.Contains(samples.Message, "20 samples");
        var lossCount = Assert.ThrowsExactly<ArgumentException>(() => model.Compile("sgd", ["mse", "mse"]));
        StringAssert.Contains(lossCount.Message, "1 outputs [label]; received 2 losses");
    }
}
