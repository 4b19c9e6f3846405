using Microsoft.ML.FunctionalDnn.Callbacks;
using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.FunctionalDnn.Optimizers;
using static Microsoft.ML.FunctionalDnn.Keras;

namespace Microsoft.ML.FunctionalDnn.Tests.Callbacks;

[TestClass]
public sealed class CallbackTests
{
    private static Model TinyModel()
    {
        var input = Input([2]);
        var model = new Model(input, new Dense(1).Apply(input));
        model.Compile(new Sgd(0.1f), "mse");
        return model;
    }

    private static (Tensor X, Tensor Y) Data(int n = 32)
    {
        var r = new RandomGenerator(3);
        var x = Tensor.Uniform(new Shape(n, 2), -1, 1, r);
        var y = Ops.Add(Ops.Sum(x, -1, keepDims: true), Tensor.Scalar(0.5f));
        return (x, y);
    }

    /// <summary>Drives a callback through epochs with scripted values of one log key; before each epoch end the model's weights are set to the epoch number.</summary>
    private static void Drive(Callback callback, Model model, string key, float[] values)
    {
        callback.Model = model;
        callback.OnTrainBegin(new Dictionary<string, float>());
        for (int e = 0; e < values.Length && !model.StopTraining; e++)
        {
            model.SetWeights([.. model.GetWeights().Select(w => Enumerable.Repeat((float)e, w.Length).ToArray())]);
            callback.OnEpochEnd(e, new Dictionary<string, float> { [key] = values[e] });
        }
    }

    [TestMethod]
    public void EarlyStoppingStopsAfterPatienceAndRestoresTheBestWeights()
    {
        var model = TinyModel();
        var stopper = new EarlyStopping("val_loss", patience: 2, restoreBestWeights: true);
        Drive(stopper, model, "val_loss", [1.0f, 0.5f, 0.6f, 0.7f, 0.8f, 0.9f]);
        Assert.IsTrue(model.StopTraining);
        Assert.AreEqual(3, stopper.StoppedEpoch);
        Assert.AreEqual(1, stopper.BestEpoch);
        Assert.AreEqual(0.5f, stopper.Best);
        Assert.IsTrue(model.GetWeights().All(w => w.All(v => v == 1f)), "weights of epoch 1 are back");
    }

    [TestMethod]
    public void EarlyStoppingModesMinDeltaAndBaseline()
    {
        var model = TinyModel();
        var accuracy = new EarlyStopping("val_acc", patience: 1);
        Drive(accuracy, model, "val_acc", [0.5f, 0.6f, 0.55f, 0.7f]);
        Assert.AreEqual(2, accuracy.StoppedEpoch, "accuracy is maximized: the drop at epoch 2 counts");
        model.StopTraining = false;
        var delta = new EarlyStopping("loss", minDelta: 0.1f, patience: 1);
        Drive(delta, model, "loss", [1.0f, 0.95f, 0.5f]);
        Assert.AreEqual(1, delta.StoppedEpoch, "0.05 is not enough of an improvement");
        model.StopTraining = false;
        var baseline = new EarlyStopping("loss", patience: 2, baseline: 0.4f);
        Drive(baseline, model, "loss", [0.9f, 0.8f, 0.8f]);
        Assert.AreEqual(2, baseline.StoppedEpoch, "improvements that do not beat the baseline do not reset the patience");
        model.StopTraining = false;
        var noBaseline = new EarlyStopping("loss", patience: 2);
        Drive(noBaseline, model, "loss", [0.9f, 0.8f, 0.8f]);
        Assert.AreEqual(0, noBaseline.StoppedEpoch);
    }

    [TestMethod]
    public void EarlyStoppingInsideFit()
    {
        var model = TinyModel();
        var (x, y) = Data();
        var history = model.Fit(x, y, epochs: 20, batchSize: 8, verbose: 0, callbacks: [new EarlyStopping("loss", minDelta: 1000)]);
        Assert.HasCount(2, history["loss"]);
        var missing = Assert.ThrowsExactly<InvalidOperationException>(() => model.Fit(x, y, epochs: 2, verbose: 0, callbacks: [new EarlyStopping()]));
        StringAssert.Contains(missing.Message, "'val_loss'");
        StringAssert.Contains(missing.Message, "validationSplit");
    }

    [TestMethod]
    public void ReduceLROnPlateauCutsTheRateAfterPatienceThenCoolsDown()
    {
        var model = TinyModel();
        var reducer = new ReduceLROnPlateau("loss", factor: 0.5f, patience: 2, cooldown: 1, minLr: 0.02f);
        Drive(reducer, model, "loss", [1, 1, 1]);
        Assert.AreEqual(0.05f, model.Optimizer!.LearningRate, 1e-7f);
        Drive(reducer, model, "loss", [1, 1, 1, 1, 1, 1]);
        Assert.AreEqual(0.02f, model.Optimizer.LearningRate, 1e-7f, "never below minLr");
    }

    [TestMethod]
    public void LearningRateSchedulerSetsTheRateEachEpoch()
    {
        var model = TinyModel();
        var (x, y) = Data();
        var history = model.Fit(x, y, epochs: 3, batchSize: 8, verbose: 0, callbacks: [new LearningRateScheduler((epoch, _) => 0.1f / (epoch + 1))]);
        CollectionAssert.AreEqual(new[] { 0.1f, 0.05f, 0.1f / 3 }, history["learning_rate"].ToArray());
    }

    [TestMethod]
    public void TerminateOnNaNStopsAtTheFirstBadBatch()
    {
        // A learning rate this large makes the weights overflow within a few steps; NaN pixels no
        // longer get this far, since Fit refuses non-finite data before the first step.
        var input = Input([2]);
        var model = new Model(input, new Dense(1).Apply(input));
        model.Compile(new Sgd(1e12f), "mse");
        var (x, y) = Data(256);
        var losses = new List<float>();
        var terminate = new TerminateOnNaN();
        var history = model.Fit(x, y, epochs: 5, batchSize: 8, shuffle: false, verbose: 0,
            callbacks: [new LambdaCallback(onBatchEnd: (_, logs) => losses.Add(logs["loss"])), terminate]);
        int firstBad = losses.FindIndex(l => !float.IsFinite(l));
        Assert.IsGreaterThan(0, firstBad, $"losses: {string.Join(",", losses)}");
        Assert.AreEqual(firstBad, terminate.StoppedAtBatch);
        Assert.HasCount(firstBad + 1, losses, "no batch runs after the first non-finite loss");
        Assert.HasCount(1, history["loss"]);
        Assert.AreEqual(firstBad + 1, model.Optimizer!.Iterations);
    }

    [TestMethod]
    public void TerminateOnNaNStopsAtAnInfiniteLoss()
    {
        var model = TinyModel();
        var (x, clean) = Data();
        // A finite but huge target overflows the squared error to +∞ in the third batch.
        var targets = clean.ToArray();
        targets[20] = 1e30f;
        var y = Tensor.FromArray(targets, clean.Shape);
        var terminate = new TerminateOnNaN();
        var history = model.Fit(x, y, epochs: 3, batchSize: 8, shuffle: false, verbose: 0, callbacks: [terminate]);
        Assert.AreEqual(2, terminate.StoppedAtBatch);
        Assert.HasCount(1, history["loss"]);
        Assert.AreEqual(3, model.Optimizer!.Iterations);
    }

    [TestMethod]
    public void CsvLoggerWritesAHeaderAndOneRowPerEpoch()
    {
        var model = TinyModel();
        var (x, y) = Data();
        string path = Path.Combine(Path.GetTempPath(), $"fdnn_{Guid.NewGuid():N}.csv");
        try
        {
            using (var logger = new CsvLogger(path))
                model.Fit(x, y, epochs: 3, batchSize: 8, validationSplit: 0.25f, verbose: 0, callbacks: [logger]);
            var lines = File.ReadAllLines(path);
            Assert.AreEqual("epoch,learning_rate,loss,val_loss", lines[0]);
            Assert.HasCount(4, lines);
            StringAssert.StartsWith(lines[3], "2,");
            using (var more = new CsvLogger(path, append: true))
                model.Fit(x, y, epochs: 4, initialEpoch: 3, batchSize: 8, validationSplit: 0.25f, verbose: 0, callbacks: [more]);
            var appended = File.ReadAllLines(path);
            Assert.HasCount(5, appended);
            StringAssert.StartsWith(appended[4], "3,");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void LambdaCallbackRunsItsDelegates()
    {
        var model = TinyModel();
        var (x, y) = Data(16);
        int batches = 0, epochs = 0;
        model.Fit(x, y, epochs: 2, batchSize: 8, verbose: 0, callbacks: [new LambdaCallback(onEpochEnd: (_, _) => epochs++, onBatchEnd: (_, _) => batches++)]);
        Assert.AreEqual(2, epochs);
        Assert.AreEqual(4, batches);
    }
}
