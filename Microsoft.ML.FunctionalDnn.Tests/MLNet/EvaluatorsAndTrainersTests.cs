using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.FunctionalDnn.Optimizers;
using Microsoft.ML.FunctionalDnn.Transforms;
using static Microsoft.ML.FunctionalDnn.Keras;

namespace Microsoft.ML.FunctionalDnn.Tests.MLNet;

/// <summary>ML.NET's own evaluators and trainers beside our estimator, on its output columns.</summary>
[TestClass]
public sealed class EvaluatorsAndTrainersTests
{
    public sealed class Person
    {
        [VectorType(4)]
        public float[] Features { get; set; } = [];

        public float Age { get; set; }

        public string Income { get; set; } = "";

        public bool Female { get; set; }
    }

    private static readonly string[] Incomes = ["low", "middle", "high"];

    /// <summary>Four features: the income class, the sex and the age are simple functions of them.</summary>
    internal static List<Person> People(int count, int seed)
    {
        var r = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ =>
        {
            var f = Enumerable.Range(0, 4).Select(_ => (float)r.NextDouble()).ToArray();
            return new Person { Features = f, Age = 20 + 50 * f[0], Income = Incomes[Math.Min(2, (int)(f[1] * 3))], Female = f[2] + f[3] > 1 };
        })];
    }

    internal static Model ThreeHeads()
    {
        LayerNames.Reset();
        var x = Input([4], name: "Features");
        var h = new Dense(32, "relu").Apply(new Dense(32, "relu").Apply(x));
        var embedding = new Dense(8, "relu", name: "embedding").Apply(h);
        var model = new Model(x, [new Dense(1, name: "age").Apply(embedding), new Dense(3, "softmax", name: "income").Apply(embedding), new Dense(1, "sigmoid", name: "female").Apply(embedding)], name: "people");
        model.Compile(new Adam(0.01f), ["mse", "sparse_categorical_crossentropy", "binary_crossentropy"], lossWeights: [0.002f, 1, 1]);
        return model;
    }

    internal static FunctionalDnnOptions Options() => new()
    {
        Epochs = 40,
        Seed = 5,
        LabelColumns = { ["age"] = "Age", ["income"] = "IncomeKey", ["female"] = "Female" },
        OutputColumns = { ["age"] = "AgeScore", ["income"] = "IncomeScore", ["female"] = "FemaleScore" },
        IntermediateOutputColumns = { ["embedding"] = "Embedding" },
    };

    [TestMethod]
    public void RegressionMulticlassAndBinaryEvaluatorsRunOnEachHeadsColumns()
    {
        using var seeds = SeedScope.Begin(5);
        var ml = new MLContext(seed: 5);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("IncomeKey", "Income")
            .Append(ml.FunctionalDnn().Trainer(ThreeHeads(), Options()));
        var fitted = pipeline.Fit(ml.Data.LoadFromEnumerable(People(1500, 1)));
        var scored = fitted.Transform(ml.Data.LoadFromEnumerable(People(400, 2)));

        Assert.AreEqual(BooleanDataViewType.Instance, scored.Schema["FemaleScore_PredictedLabel"].Type);
        Assert.AreEqual(new KeyDataViewType(typeof(uint), 3), scored.Schema["IncomeScore_PredictedLabel"].Type);
        var age = ml.Regression.Evaluate(scored, labelColumnName: "Age", scoreColumnName: "AgeScore");
        var income = ml.MulticlassClassification.Evaluate(scored, labelColumnName: "IncomeKey", scoreColumnName: "IncomeScore", predictedLabelColumnName: "IncomeScore_PredictedLabel");
        // ML.NET's binary evaluators: the non-calibrated one thresholds the raw score (a logit) at 0, the calibrated one the probability at 0.5.
        var female = ml.BinaryClassification.EvaluateNonCalibrated(scored, labelColumnName: "Female", scoreColumnName: "FemaleScore_RawScore", predictedLabelColumnName: "FemaleScore_PredictedLabel");
        var calibrated = ml.BinaryClassification.Evaluate(scored, labelColumnName: "Female", scoreColumnName: "FemaleScore_RawScore", probabilityColumnName: "FemaleScore", predictedLabelColumnName: "FemaleScore_PredictedLabel");
        Assert.IsGreaterThan(0.9, age.RSquared, $"age R² {age.RSquared:F3}");
        Assert.IsGreaterThan(0.9, income.MicroAccuracy, $"income accuracy {income.MicroAccuracy:P1}");
        Assert.IsGreaterThan(0.9, female.Accuracy, $"sex accuracy {female.Accuracy:P1}");
        Assert.IsGreaterThan(0.95, female.AreaUnderRocCurve, $"sex AUC {female.AreaUnderRocCurve:F3}");
        Assert.AreEqual(female.Accuracy, calibrated.Accuracy, 1e-9, "both evaluators count the same predictions");
        Assert.IsLessThan(0.2, calibrated.LogLoss, $"sex log-loss {calibrated.LogLoss:F3}");
    }

    [TestMethod]
    public void ALayerOutputColumnFeedsAnMLNetTrainerLaterInThePipeline()
    {
        using var seeds = SeedScope.Begin(6);
        var ml = new MLContext(seed: 6);
        // The network learns an 8-value embedding; ML.NET's SDCA regression then predicts the age from it alone.
        var pipeline = ml.Transforms.Conversion.MapValueToKey("IncomeKey", "Income")
            .Append(ml.FunctionalDnn().Trainer(ThreeHeads(), Options()))
            .Append(ml.Regression.Trainers.Sdca(labelColumnName: "Age", featureColumnName: "Embedding"));
        var fitted = pipeline.Fit(ml.Data.LoadFromEnumerable(People(1500, 3)));
        var scored = fitted.Transform(ml.Data.LoadFromEnumerable(People(400, 4)));
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 8), scored.Schema["Embedding"].Type);
        var metrics = ml.Regression.Evaluate(scored, labelColumnName: "Age", scoreColumnName: "Score");
        Assert.IsGreaterThan(0.8, metrics.RSquared, $"SDCA on the embedding: R² {metrics.RSquared:F3}");
    }

    [TestMethod]
    public void ALayerThatIsNotInTheModelIsReportedWithTheLayersThatAre()
    {
        var ml = new MLContext(seed: 1);
        var options = new FunctionalDnnOptions { IntermediateOutputColumns = { ["bottleneck"] = "Features" } };
        var e = Assert.ThrowsExactly<ArgumentException>(() => ml.FunctionalDnn().Trainer(ThreeHeads(), options));
        StringAssert.Contains(e.Message, "has no layer 'bottleneck'");
        StringAssert.Contains(e.Message, "embedding");
    }
}
