using Microsoft.ML.FunctionalDnn.Callbacks;
using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.FunctionalDnn.Optimizers;
using Microsoft.ML.FunctionalDnn.Tuning;
using static Microsoft.ML.FunctionalDnn.Keras;

namespace Microsoft.ML.FunctionalDnn.Tests.Tuning;

[TestClass]
public sealed class TunerTests
{
    /// <summary>A smooth function of two hyperparameters with its minimum 0 at (0.3, 0.7).</summary>
    private static double Bowl(HyperParameters hp)
    {
        double x = hp.Float("x", 0, 1), y = hp.Float("y", 0, 1);
        return (x - 0.3) * (x - 0.3) + (y - 0.7) * (y - 0.7);
    }

    private static List<IReadOnlyDictionary<string, object>> Values(Tuner tuner) => [.. tuner.Trials.Select(t => t.HyperParameters.Values)];

    private static void AssertSameValues(List<IReadOnlyDictionary<string, object>> a, List<IReadOnlyDictionary<string, object>> b)
    {
        Assert.HasCount(a.Count, b);
        for (int i = 0; i < a.Count; i++) CollectionAssert.AreEquivalent(a[i].ToArray(), b[i].ToArray(), $"trial {i}");
    }

    [TestMethod]
    public void RandomSearchIsReproducibleWithASeed()
    {
        using var dir = new TempDirectory();
        var a = new RandomSearch(null, new Objective("bowl", ObjectiveDirection.Min), maxTrials: 8, seed: 11, directory: dir.Path, projectName: "a");
        var b = new RandomSearch(null, new Objective("bowl", ObjectiveDirection.Min), maxTrials: 8, seed: 11, directory: dir.Path, projectName: "b");
        var c = new RandomSearch(null, new Objective("bowl", ObjectiveDirection.Min), maxTrials: 8, seed: 12, directory: dir.Path, projectName: "c");
        a.SearchFunction(Bowl);
        b.SearchFunction(Bowl);
        c.SearchFunction(Bowl);
        Assert.HasCount(8, a.Trials);
        AssertSameValues(Values(a), Values(b));
        Assert.AreNotEqual(a.Trials[3].HyperParameters.Get<double>("x"), c.Trials[3].HyperParameters.Get<double>("x"));
        Assert.IsTrue(a.Trials.All(t => t.Status == TrialStatus.Completed && t.Score is not null));
        Assert.AreEqual(a.Trials.Min(t => t.Score), a.GetBestTrials(1)[0].Score);
    }

    [TestMethod]
    public void GridSearchVisitsEveryCombinationOnceAndStops()
    {
        using var dir = new TempDirectory();
        var seen = new List<string>();
        var grid = new GridSearch(null, new Objective("score", ObjectiveDirection.Max), directory: dir.Path);
        grid.SearchFunction(hp =>
        {
            int layers = hp.Int("layers", 1, 3);
            string activation = hp.Choice("activation", ["relu", "tanh"]);
            seen.Add($"{layers}-{activation}");
            return layers + (activation == "tanh" ? 0.5 : 0);
        });
        CollectionAssert.AreEqual(new[] { "1-relu", "1-tanh", "2-relu", "2-tanh", "3-relu", "3-tanh" }, seen);
        Assert.AreEqual(3, grid.GetBestHyperParameters()[0].Get<int>("layers"));
        Assert.AreEqual("tanh", grid.GetBestHyperParameters()[0].Get<string>("activation"));
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() =>
            new GridSearch(null, new Objective("s", ObjectiveDirection.Max), directory: dir.Path, projectName: "f").SearchFunction(hp => hp.Float("rate", 0, 1) + hp.Float("other", 0, 1)));
        StringAssert.Contains(ex.Message, "give the Float hyperparameter 'rate' a step");
    }

    [TestMethod]
    public void BayesianOptimizationBeatsRandomSearchOnASmoothObjective()
    {
        using var dir = new TempDirectory();
        double bayes = 0, random = 0;
        for (int seed = 0; seed < 4; seed++)
        {
            var b = new BayesianOptimization(null, new Objective("bowl", ObjectiveDirection.Min), maxTrials: 16, numInitialPoints: 5, seed: seed, directory: dir.Path, projectName: $"b{seed}");
            var r = new RandomSearch(null, new Objective("bowl", ObjectiveDirection.Min), maxTrials: 16, seed: seed, directory: dir.Path, projectName: $"r{seed}");
            b.SearchFunction(Bowl);
            r.SearchFunction(Bowl);
            bayes += b.GetBestTrials()[0].Score!.Value;
            random += r.GetBestTrials()[0].Score!.Value;
        }
        Assert.IsLessThan(random / 4, bayes / 4, $"mean best: Bayesian {bayes / 4:G4}, random {random / 4:G4}");
        Assert.IsLessThan(0.002, bayes / 4, "the Gaussian process homes in on the minimum");
    }

    [TestMethod]
    public void AnInterruptedSearchResumesWithoutRedoingFinishedTrials()
    {
        using var dir = new TempDirectory();
        var reference = new RandomSearch(null, new Objective("bowl", ObjectiveDirection.Min), maxTrials: 6, seed: 3, directory: dir.Path, projectName: "reference");
        reference.SearchFunction(Bowl);

        int calls = 0;
        var first = new RandomSearch(null, new Objective("bowl", ObjectiveDirection.Min), maxTrials: 6, seed: 3, directory: dir.Path, projectName: "resumed");
        Assert.ThrowsExactly<OperationCanceledException>(() => first.SearchFunction(hp =>
        {
            if (++calls == 4) throw new OperationCanceledException("killed");
            return Bowl(hp);
        }));
        Assert.AreEqual(TrialStatus.Running, first.Trials[3].Status);

        calls = 0;
        var second = new RandomSearch(null, new Objective("bowl", ObjectiveDirection.Min), maxTrials: 6, seed: 3, directory: dir.Path, projectName: "resumed");
        second.SearchFunction(hp => { calls++; return Bowl(hp); });
        Assert.AreEqual(3, calls, "the interrupted trial and the two not yet started; the first three are kept");
        AssertSameValues(Values(reference), Values(second));
        CollectionAssert.AreEqual(reference.Trials.Select(t => t.Score).ToArray(), second.Trials.Select(t => t.Score).ToArray());

        var mismatch = new GridSearch(null, new Objective("bowl", ObjectiveDirection.Min), directory: dir.Path, projectName: "resumed");
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => mismatch.SearchFunction(Bowl));
        StringAssert.Contains(ex.Message, "holds a RandomSearch search");
    }

    [TestMethod]
    public void FailedTrialsAreRecordedAndThreeInARowStopTheSearch()
    {
        using var dir = new TempDirectory();
        var tuner = new RandomSearch(null, new Objective("bowl", ObjectiveDirection.Min), maxTrials: 10, directory: dir.Path);
        int calls = 0;
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => tuner.SearchFunction(hp =>
        {
            double v = Bowl(hp);
            return ++calls == 2 || calls >= 4 ? throw new ArgumentException("bad configuration") : v;
        }));
        StringAssert.Contains(ex.Message, "3 trials in a row failed");
        CollectionAssert.AreEqual(new[] { TrialStatus.Completed, TrialStatus.Failed, TrialStatus.Completed, TrialStatus.Failed, TrialStatus.Failed, TrialStatus.Failed },
            tuner.Trials.Select(t => t.Status).ToArray());
        Assert.AreEqual("bad configuration", tuner.Trials[1].Error);
    }

    /// <summary>A two-input classifier whose width and learning rate come from the hyperparameters.</summary>
    internal static Model BuildTwoInput(HyperParameters hp)
    {
        var a = Input([4], name: "a");
        var b = Input([2], name: "b");
        var x = Concatenate([new Dense(hp.Int("units", 4, 16, step: 4), "relu").Apply(a), b]);
        var model = new Model([a, b], new Dense(2, "softmax", name: "label").Apply(x));
        model.Compile(new Adam((float)hp.Float("lr", 1e-3, 3e-2, sampling: Sampling.Log)), "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        return model;
    }

    internal static (Tensor A, Tensor B, Tensor Y) TwoInputData(int n, long seed)
    {
        var r = new RandomGenerator(seed);
        var a = Tensor.Uniform(new Shape(n, 4), -1, 1, r);
        var b = Tensor.Uniform(new Shape(n, 2), -1, 1, r);
        var labels = new int[n];
        for (int i = 0; i < n; i++) labels[i] = a[i, 0] * a[i, 1] + 0.5f * b[i, 0] > 0 ? 1 : 0;
        return (a, b, Tensor.FromArray(labels));
    }

    [TestMethod]
    public void ModelSearchKeepsEachTrialsBestEpochAndStreamsTensorBoardRuns()
    {
        using var dir = new TempDirectory();
        var (a, b, y) = TwoInputData(160, 1);
        var (va, vb, vy) = TwoInputData(60, 2);
        var tuner = new RandomSearch(BuildTwoInput, "val_loss", maxTrials: 3, seed: 5, directory: dir.Path) { TensorBoardLogDir = dir.File("tb") };
        tuner.Search(new[] { a, b }, y, epochs: 4, batchSize: 32, validationData: (new[] { va, vb }, vy));

        Assert.HasCount(3, tuner.Trials);
        var best = tuner.GetBestTrials()[0];
        Assert.AreEqual(best.Metrics["val_loss"].Min(), best.Score!.Value, 1e-6);
        Assert.AreEqual(best.Metrics["val_loss"].IndexOf(best.Metrics["val_loss"].Min()), best.BestEpoch);
        var model = tuner.GetBestModels()[0];
        Assert.AreEqual(best.Score!.Value, model.Evaluate(new[] { va, vb }, vy)["loss"], 1e-4, "the returned model has the weights of the best epoch");
        Assert.AreEqual(best.HyperParameters.Get<int>("units"), model.Layers.OfType<Dense>().First().Units);

        string summary = tuner.ResultsSummary(2);
        StringAssert.Contains(summary, "Showing 2 best trials");
        StringAssert.Contains(summary, "Objective(name=\"val_loss\", direction=\"min\")");
        StringAssert.Contains(summary, $"Trial {best.Id} summary");
        StringAssert.Contains(summary, "units: ");
        StringAssert.Contains(tuner.SearchSpaceSummary(), "lr (Float (min_value: 0.001, max_value: 0.03, step: None, sampling: log");
        foreach (var t in tuner.Trials) Assert.IsTrue(Directory.Exists(Path.Combine(dir.File("tb"), $"trial_{t.Id}", "validation")));
        Assert.IsTrue(File.Exists(Path.Combine(tuner.ProjectDirectory, $"trial_{best.Id}", "trial.json")));
    }

    [TestMethod]
    public void SeveralExecutionsPerTrialAverageTheirBestScoresAndKeepTheBestExecution()
    {
        using var dir = new TempDirectory();
        var (a, b, y) = TwoInputData(120, 4);
        var (va, vb, vy) = TwoInputData(60, 5);
        Tuner Run(string project)
        {
            var tuner = new RandomSearch(BuildTwoInput, "val_loss", maxTrials: 2, executionsPerTrial: 2, seed: 9, directory: dir.Path, projectName: project);
            tuner.Search(new[] { a, b }, y, epochs: 3, validationData: (new[] { va, vb }, vy));
            return tuner;
        }
        var first = Run("one");
        var second = Run("two");
        CollectionAssert.AreEqual(first.Trials.Select(t => t.Score).ToArray(), second.Trials.Select(t => t.Score).ToArray(), "reproducible with the seed");
        foreach (var trial in first.Trials)
        {
            // The score is the mean of the executions' bests; the checkpoint is the best execution's best epoch.
            Assert.IsLessThanOrEqualTo(trial.Score!.Value + 1e-6, trial.Metrics["val_loss"].Min());
        }
        var model = first.GetBestModels()[0];
        Assert.AreEqual(first.GetBestTrials()[0].Metrics["val_loss"].Min(), model.Evaluate(new[] { va, vb }, vy)["loss"], 1e-4);
    }

    [TestMethod]
    public void HyperbandSpendsItsBudgetAndContinuesTheBestTrials()
    {
        using var dir = new TempDirectory();
        var (a, b, y) = TwoInputData(64, 3);
        var counter = new EpochCounter();
        var tuner = new Hyperband(BuildTwoInput, "val_accuracy", maxEpochs: 9, factor: 3, seed: 2, directory: dir.Path);
        Assert.AreEqual(2, tuner.MaxBracket);
        CollectionAssert.AreEqual(new[] { (9, 1), (3, 3), (1, 9) }, tuner.Rounds(2).ToArray());
        CollectionAssert.AreEqual(new[] { (5, 3), (1, 9) }, tuner.Rounds(1).ToArray());
        CollectionAssert.AreEqual(new[] { (3, 9) }, tuner.Rounds(0).ToArray());
        Assert.AreEqual(9 * 1 + 3 * 2 + 1 * 6 + 5 * 3 + 1 * 6 + 3 * 9, tuner.EpochsPerIteration);

        tuner.Search(new[] { a, b }, y, batchSize: 32, validationSplit: 0.25f, callbacks: [counter]);
        Assert.HasCount(9 + 3 + 1 + 5 + 1 + 3, tuner.Trials);
        Assert.AreEqual(tuner.EpochsPerIteration, counter.Epochs, "epochs trained = the brackets' budget");
        var continued = tuner.Trials.Where(t => t.ParentId is not null).ToList();
        Assert.HasCount(3 + 1 + 1, continued);
        foreach (var t in continued)
        {
            var parent = tuner.Trials.Single(p => p.Id == t.ParentId);
            Assert.AreEqual(parent.Epochs, t.InitialEpoch);
            CollectionAssert.AreEquivalent(parent.HyperParameters.Values.ToArray(), t.HyperParameters.Values.ToArray());
        }
        // The three promoted from the first round of bracket 2 are its three best.
        var firstRound = tuner.Trials.Take(9).OrderByDescending(t => t.Score).ThenBy(t => t.Id, StringComparer.Ordinal).Take(3).Select(t => t.Id).ToArray();
        CollectionAssert.AreEqual(firstRound, tuner.Trials.Skip(9).Take(3).Select(t => t.ParentId).ToArray());
    }

    private sealed class EpochCounter : Callback
    {
        public int Epochs { get; private set; }

        public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, float> logs) => Epochs++;
    }
}
