using Microsoft.ML.FunctionalDnn.Samples;

namespace Microsoft.ML.FunctionalDnn.Tests.Samples;

/// <summary>
/// Every sample runs as a user would run it, with <c>--quick</c> (fewer examples and epochs), and
/// must still learn: each figure it prints is checked against chance or a trivial baseline.
/// </summary>
[TestClass]
public sealed class SampleSmokeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    [TestMethod]
    public void QuestionAnsweringLearnsThroughThePipelineAndReloadsTheSameAnswers()
    {
        using var directory = new TempDirectory();
        string output = SampleRunner.RunIn(directory.Path, "QuestionAnswering", Timeout, "--quick");
        Assert.IsTrue(SampleRunner.Percent(output, "Test accuracy:") > 0.5, output);   // chance is 1/6
        StringAssert.Contains(output, "it gives the same answers");
        StringAssert.Contains(output, "Predictions:");

        // The saved zip, loaded by a fresh process, predicts bit-identically.
        StringAssert.Contains(output, "1000 test stories (0 of them in the training set)");
        string reloaded = SampleRunner.RunIn(directory.Path, "QuestionAnswering", Timeout, "--quick", "--reload");
        StringAssert.Contains(reloaded, "1000 answers and probabilities bit-identical");
    }

    [TestMethod]
    public void QuestionAnsweringOnTheTorchBackendReachesTheSameAccuracy()
    {
        _ = Backends.TestBackends.Torch; // skipped (failed in CI) with the fix where libtorch cannot load
        using var managedDir = new TempDirectory();
        using var torchDir = new TempDirectory();
        string managed = SampleRunner.RunIn(managedDir.Path, "QuestionAnswering", Timeout, "--quick");
        string torch = SampleRunner.RunIn(torchDir.Path, "QuestionAnswering", Timeout, "--quick", "--backend", "torch");
        StringAssert.Contains(torch, "on the torch backend (cpu)");
        double a = SampleRunner.Percent(managed, "Test accuracy:"), b = SampleRunner.Percent(torch, "Test accuracy:");
        Assert.AreEqual(a, b, 0.01, $"managed {a:P1}, torch {b:P1}\n{torch}");
        string reloaded = SampleRunner.RunIn(torchDir.Path, "QuestionAnswering", Timeout, "--quick", "--reload", "--backend", "torch");
        StringAssert.Contains(reloaded, "1000 answers and probabilities bit-identical");
    }

    [TestMethod]
    public void DataFramePredictionsComeBackAsADataFrameWithEvaluatorMetrics()
    {
        string output = SampleRunner.Run("DataFramePredictions", Timeout, "--quick");
        StringAssert.Contains(output, "UInt32 is not a supported column type");   // ML.NET's own ToDataFrame on a key column
        var regression = SampleRunner.Numbers(output, "Regression: MAE");
        Assert.IsTrue(regression[0] < regression[1] / 5, $"price MAE {regression[0]} vs baseline {regression[1]}\n{output}");
        Assert.IsTrue(SampleRunner.Percent(output, "Classification: accuracy") > 0.9, output);
    }

    [TestMethod]
    public void OnnxDeploymentRunsTheNetworkInOnnxRuntimeAndThePipelineInPlainMLNet()
    {
        using var directory = new TempDirectory();
        string output = SampleRunner.RunIn(directory.Path, "OnnxDeployment", Timeout, "--quick");
        StringAssert.Contains(output, "the same answer for 200 of 200 stories");
        StringAssert.Contains(output, "the same answers; saved to");
        Assert.IsGreaterThan(0.3, SampleRunner.Percent(output, "Trained:"), output);
        foreach (var file in new[] { "question_answering.onnx", "plain-model.zip", "stories.tsv", Path.Combine("plain", "question_answering.onnx") })
            Assert.IsTrue(File.Exists(Path.Combine(directory.Path, "onnx-output", file)), $"{file}\n{output}");
    }

    [TestMethod]
    public void ReviewScoringTrainsEvaluatesAndPredictsTheModelBuilderWay()
    {
        using var directory = new TempDirectory();
        string output = SampleRunner.RunIn(directory.Path, "ReviewScoring", Timeout, "--quick");
        // The generated layout's files: the data it trains on and the one model file it saves and loads.
        Assert.IsTrue(File.Exists(Path.Combine(directory.Path, "reviews.csv")), output);
        Assert.IsTrue(File.Exists(Path.Combine(directory.Path, "ReviewModel.mlnet")), output);
        // Both heads against their trivial baselines, through ML.NET's evaluators.
        var sentiment = SampleRunner.Numbers(output, "Sentiment (ML.NET's multiclass evaluator): accuracy");
        Assert.IsTrue(sentiment[0] > sentiment[1] + 25, $"sentiment accuracy {sentiment[0]} % vs the commonest class {sentiment[1]} %\n{output}");
        var rating = SampleRunner.Numbers(output, "Rating (ML.NET's regression evaluator): MAE");
        Assert.IsTrue(rating[0] < rating[1] / 1.5, $"rating MAE {rating[0]} vs the mean rating's {rating[1]}\n{output}");
        StringAssert.Contains(output, "Confusion table");
        // ReviewModel.Predict, the generated consumption code, on a clearly good and a clearly bad review.
        StringAssert.Contains(output, "Works well. Very sturdy.\" (Kitchen, 20) → Positive");
        StringAssert.Contains(output, "Not good quality. Arrived late.\" (Electronics, 150) → Negative");
    }

    [TestMethod]
    public void SocialMediaHeadsShowsTheBuildErrorAndBeatsEveryBaseline()
    {
        string output = SampleRunner.Run("SocialMediaHeads", Timeout, "--quick");
        StringAssert.Contains(output, "fails when the graph is built");
        // The model, then the baselines: the mean (or commonest class), the best single keyword, ML.NET's SDCA on word counts and on word-pair counts.
        var age = SampleRunner.Numbers(output, "age: mean absolute error (years)");
        Assert.HasCount(5, age, output);
        Assert.IsTrue(age.Skip(1).All(b => age[0] < b), $"age MAE {age[0]} vs baselines {string.Join(", ", age.Skip(1))}\n{output}");
        foreach (string head in new[] { "income: accuracy", "gender: accuracy" })
        {
            var accuracy = SampleRunner.Numbers(output, head);
            Assert.HasCount(5, accuracy, output);
            Assert.IsTrue(accuracy.Skip(1).All(b => accuracy[0] > b + 5), $"{head} {accuracy[0]} % vs baselines {string.Join(", ", accuracy.Skip(1))} %\n{output}");
        }
    }

    [TestMethod]
    public void ClothingPriceBeatsTheMeanPriceAndChance()
    {
        RequireFashionMnist();
        string output = SampleRunner.Run("ClothingPrice", Timeout, "--quick");
        // model, global mean, the true category's mean, linear on the metadata, linear on metadata + words
        var price = SampleRunner.Numbers(output, "price: mean absolute error (€)");
        Assert.IsTrue(price[0] < price[1] / 2, $"price MAE {price[0]} vs the global mean's {price[1]}\n{output}");
        Assert.IsTrue(price[0] < price[2] && price[0] < price[3] && price[0] < price[4], $"price MAE {price[0]} vs the strong baselines {price[2]}, {price[3]}, {price[4]}\n{output}");
        Assert.IsTrue(SampleRunner.Percent(output, "category: accuracy") > 0.75, output);
    }

    [TestMethod]
    public void SequentialAndFunctionalHaveEqualParametersAndOutputs()
    {
        string output = SampleRunner.Run("SequentialVsFunctional", Timeout);
        Assert.IsTrue(output.Split('\n').Any(l => l.StartsWith("Sequential:", StringComparison.Ordinal) && l.TrimEnd().EndsWith("Functional:", StringComparison.Ordinal)),
            $"the two summaries should be printed side by side\n{output}");
        Assert.AreEqual(2, output.Split("Total params: 3,466").Length - 1, output);
        StringAssert.Contains(output, "(identical)");
    }

    [TestMethod]
    public void SiameseSimilarityLearnsAndIsSymmetric()
    {
        string output = SampleRunner.Run("SiameseSimilarity", Timeout, "--quick");
        Assert.IsTrue(SampleRunner.Percent(output, "new pairs:") > 0.6, output);
        Assert.AreEqual(0, SampleRunner.Numbers(output, "swapped:")[0], output);
    }

    [TestMethod]
    public void DualCameraXceptionSharesTheBase()
    {
        string output = SampleRunner.Run("DualCameraXception", Timeout);
        var parameters = SampleRunner.Numbers(output.Replace(",", "", StringComparison.Ordinal), "The base alone has");
        Assert.AreEqual(20861480, parameters[0], output);
        Assert.AreEqual(parameters[0], parameters[1], output);
        StringAssert.Contains(output, "equal halves: True");
        StringAssert.Contains(output, "different halves: True");
    }

    [TestMethod]
    public void FashionInceptionResidualLearnsFromRealImagesInTwoShortEpochs()
    {
        RequireFashionMnist();
        string output = SampleRunner.Run("FashionInceptionResidual", Timeout, "--quick");
        StringAssert.Contains(output, "Total params:");
        // Two short epochs train well (the progress line's accuracy), but BatchNormalization's moving
        // statistics (momentum 0.99) have not caught up yet, so the test figure is only checked against chance.
        var trainingAccuracy = System.Text.RegularExpressions.Regex.Matches(output, @" - accuracy: (\d\.\d+) ");
        Assert.IsTrue(trainingAccuracy.Count == 2 && double.Parse(trainingAccuracy[^1].Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 0.8, output);
        Assert.IsTrue(SampleRunner.Percent(output, "Test accuracy:") > 0.2, output);   // chance is 10 %
        StringAssert.Contains(output, "Best checkpoint:");
    }

    [TestMethod]
    public void TuningAndEnsemblesSearchesAndEnsembles()
    {
        string output = SampleRunner.Run("TuningAndEnsembles", Timeout, "--quick");
        StringAssert.Contains(output, "Searched 4 trials");
        Assert.IsTrue(SampleRunner.Percent(output, "ensemble of the 3 (average): accuracy") > 0.5, output);   // chance is 1/3
    }

    [TestMethod]
    public void FunctionalQuickstartLearnsSavesAndReloads()
    {
        string output = SampleRunner.Run("FunctionalQuickstart", Timeout);
        Assert.IsTrue(SampleRunner.Percent(output, "Test accuracy:") > 0.9, output);
        StringAssert.Contains(output, "reloaded");
    }

    [TestMethod]
    public void EngineBasicsLearnsTheSpirals()
    {
        string output = SampleRunner.Run("EngineBasics", Timeout);
        Assert.IsTrue(SampleRunner.Percent(output, "Test accuracy:") > 0.8, output);
    }

    private static void RequireFashionMnist()
    {
        if (!FashionMnist.IsAvailable())
            Prerequisite.Missing($"Fashion-MNIST is not in {FashionMnist.DefaultDirectory} (apt-get install -y dataset-fashion-mnist; .ci/run installs it).");
    }
}
