using Microsoft.ML.Data;
using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.FunctionalDnn.Samples.QuestionAnswering;
using Microsoft.ML.FunctionalDnn.Tests.MLNet;
using Microsoft.ML.FunctionalDnn.Transforms;

namespace Microsoft.ML.FunctionalDnn.Tests.Onnx;

/// <summary>
/// A fitted pipeline with our transformer turned into ML.NET's own (the Microsoft.ML.FunctionalDnn.Onnx
/// package): same columns, same types, same predictions — in this process, after mlContext.Model.Save
/// and Load, and in an application that references ML.NET and ONNX Runtime only.
/// </summary>
[TestClass]
public sealed class OnnxDeploymentTests
{
    private static (MLContext Ml, ITransformer Fitted, IDataView Train, IDataView Test) TrainQa()
    {
        using var seeds = SeedScope.Begin(3);
        var ml = new MLContext(seed: 3);
        var train = ml.Data.LoadFromEnumerable(Stories.Generate(600, seed: 3));
        var test = ml.Data.LoadFromEnumerable(Stories.Generate(100, seed: 4));
        LayerNames.Reset();
        var model = QuestionAnsweringPipelineTests.QaModel(40, 24, 20, Stories.Places.Length);
        return (ml, QuestionAnsweringPipelineTests.Pipeline(ml, model, epochs: 3).Fit(train), train, test);
    }

    internal static void AssertSamePredictions(IDataView expected, IDataView actual)
    {
        var ours = expected.GetColumn<float[]>("answer").ToList();
        var theirs = actual.GetColumn<float[]>("answer").ToList();
        Assert.HasCount(ours.Count, theirs);
        for (int r = 0; r < ours.Count; r++)
            for (int k = 0; k < ours[r].Length; k++)
                Assert.AreEqual(ours[r][k], theirs[r][k], 1e-5 * Math.Max(1, Math.Abs(ours[r][k])), $"row {r}, class {k}");
        // One-value columns come back as vectors of one element (ML.NET's OnnxTransformer reads tensors only).
        CollectionAssert.AreEqual(expected.GetColumn<uint>("PredictedKey").ToList(), actual.GetColumn<uint[]>("PredictedKey").Select(v => v.Single()).ToList());
        CollectionAssert.AreEqual(expected.GetColumn<string>("PredictedAnswer").ToList(), actual.GetColumn<string[]>("PredictedAnswer").Select(v => v.Single()).ToList());
    }

    [TestMethod]
    public void TheQuestionAnsweringPipelineRunsOnMLNetsOwnOnnxTransformer()
    {
        var (ml, fitted, train, test) = TrainQa();
        using var dir = new TempDirectory();
        var plain = ml.FunctionalDnn().ToOnnxPipeline(fitted, train, dir.Path);
        Assert.IsFalse(plain.Any(t => t is FunctionalDnnTransformer), "no FunctionalDnn transformer is left");
        Assert.IsTrue(File.Exists(dir.File("question_answering.onnx")));

        var expected = fitted.Transform(test);
        var actual = plain.Transform(test);
        // The same columns; the scores typed alike, the predicted key a one-element vector of the same key (with the label's values, so MapKeyToValue works after it).
        Assert.AreEqual(expected.Schema["answer"].Type, actual.Schema["answer"].Type);
        Assert.AreEqual(expected.Schema["PredictedKey"].Type, ((VectorDataViewType)actual.Schema["PredictedKey"].Type).ItemType);
        Assert.AreEqual(TextDataViewType.Instance, ((VectorDataViewType)actual.Schema["PredictedAnswer"].Type).ItemType);
        AssertSamePredictions(expected, actual);

        // Saved as a plain ML.NET model and loaded back.
        string zip = dir.File("plain.zip");
        ml.Model.Save(plain, train.Schema, zip);
        var loaded = ml.Model.Load(zip, out _);
        AssertSamePredictions(expected, loaded.Transform(test));
    }

    [TestMethod]
    public void AnApplicationWithOnlyMLNetAndOnnxRuntimeLoadsTheSavedPipelineAndPredictsTheSame()
    {
        var (ml, fitted, train, _) = TrainQa();
        using var dir = new TempDirectory();
        var plain = ml.FunctionalDnn().ToOnnxPipeline(fitted, train, dir.Path);
        string zip = dir.File("plain-model.zip");
        ml.Model.Save(plain, train.Schema, zip);
        var rows = Stories.Generate(25, seed: 5);
        File.WriteAllLines(dir.File("stories.tsv"), rows.Select(r => $"{r.Story}\t{r.Question}"));

        // samples/OnnxDeployment/PlainApp/plain-app.cs: a file-based app whose only references are Microsoft.ML, Microsoft.ML.OnnxTransformer and Microsoft.ML.OnnxRuntime.
        string app = Repository.File("samples", "OnnxDeployment", "PlainApp", "plain-app.cs");
        string output = Samples.SampleRunner.RunDotnet(dir.Path, "plain-app.cs", TimeSpan.FromMinutes(10), ["run", "-c", "Release", app, "--", zip, dir.File("stories.tsv")]);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
        string loaded = lines.Single(l => l.StartsWith("assemblies: ", StringComparison.Ordinal));
        StringAssert.Contains(loaded, "Microsoft.ML.OnnxTransformer");
        Assert.IsFalse(loaded.Contains("FunctionalDnn", StringComparison.Ordinal), loaded);
        var answers = lines.Where(l => l.Contains('\t', StringComparison.Ordinal)).Select(l => l.Split('\t')).ToList();
        Assert.HasCount(rows.Count, answers);

        var expected = fitted.Transform(ml.Data.LoadFromEnumerable(rows));
        var expectedAnswers = expected.GetColumn<string>("PredictedAnswer").ToList();
        var expectedScores = expected.GetColumn<float[]>("answer").ToList();
        for (int r = 0; r < rows.Count; r++)
        {
            Assert.AreEqual(expectedAnswers[r], answers[r][0], $"row {r}");
            float[] scores = [.. answers[r][1].Split(',').Select(v => float.Parse(v, System.Globalization.CultureInfo.InvariantCulture))];
            for (int k = 0; k < scores.Length; k++)
                Assert.AreEqual(expectedScores[r][k], scores[k], 1e-5 * Math.Max(1, Math.Abs(expectedScores[r][k])), $"row {r}, class {k}");
        }
    }

    /// <summary>A scalar column of ours against the one-element vector column ML.NET's OnnxTransformer gives.</summary>
    private static void SameScalars(IDataView expected, IDataView actual, string column)
    {
        var ours = expected.GetColumn<float>(column).ToList();
        var theirs = actual.GetColumn<float[]>(column).Select(v => v.Single()).ToList();
        for (int r = 0; r < ours.Count; r++) Assert.AreEqual(ours[r], theirs[r], 1e-5 * Math.Max(1, Math.Abs(ours[r])), $"{column}, row {r}");
    }

    private static void SameVectors(IDataView expected, IDataView actual, string column)
    {
        var ours = expected.GetColumn<float[]>(column).ToList();
        var theirs = actual.GetColumn<float[]>(column).ToList();
        for (int r = 0; r < ours.Count; r++)
            for (int k = 0; k < ours[r].Length; k++)
                Assert.AreEqual(ours[r][k], theirs[r][k], 1e-5 * Math.Max(1, Math.Abs(ours[r][k])), $"{column}, row {r}, slot {k}");
    }

    [TestMethod]
    public void RegressionMulticlassBinaryAndLayerColumnsKeepTheirValues()
    {
        using var seeds = SeedScope.Begin(5);
        var ml = new MLContext(seed: 5);
        var options = EvaluatorsAndTrainersTests.Options();
        options.Epochs = 4;
        var pipeline = ml.Transforms.Conversion.MapValueToKey("IncomeKey", "Income").Append(ml.FunctionalDnn().Trainer(EvaluatorsAndTrainersTests.ThreeHeads(), options));
        var train = ml.Data.LoadFromEnumerable(EvaluatorsAndTrainersTests.People(300, 1));
        var fitted = pipeline.Fit(train);
        using var dir = new TempDirectory();
        var plain = ml.FunctionalDnn().ToOnnxPipeline(fitted, train, dir.Path);
        var test = ml.Data.LoadFromEnumerable(EvaluatorsAndTrainersTests.People(60, 2));
        var expected = fitted.Transform(test);
        var actual = plain.Transform(test);

        SameScalars(expected, actual, "AgeScore");
        SameScalars(expected, actual, "FemaleScore");
        SameScalars(expected, actual, "FemaleScore_RawScore");
        SameVectors(expected, actual, "IncomeScore");
        SameVectors(expected, actual, "Embedding");
        CollectionAssert.AreEqual(expected.GetColumn<bool>("FemaleScore_PredictedLabel").ToList(), actual.GetColumn<bool[]>("FemaleScore_PredictedLabel").Select(v => v.Single()).ToList());
        CollectionAssert.AreEqual(expected.GetColumn<uint>("IncomeScore_PredictedLabel").ToList(), actual.GetColumn<uint[]>("IncomeScore_PredictedLabel").Select(v => v.Single()).ToList());
        // The predicted key carries the income labels, in the label's key order.
        VBuffer<ReadOnlyMemory<char>> ours = default, theirs = default;
        expected.Schema["IncomeScore_PredictedLabel"].GetKeyValues(ref ours);
        actual.Schema["IncomeScore_PredictedLabel"].GetKeyValues(ref theirs);
        CollectionAssert.AreEqual(ours.DenseValues().Select(v => v.ToString()).ToList(), theirs.DenseValues().Select(v => v.ToString()).ToList());
    }
}
