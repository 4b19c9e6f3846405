using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.FunctionalDnn.Losses;
using Microsoft.ML.FunctionalDnn.Optimizers;
using Microsoft.ML.FunctionalDnn.Transforms;
using static Microsoft.ML.FunctionalDnn.Keras;

namespace Microsoft.ML.FunctionalDnn.Tests.MLNet;

/// <summary>ML.NET's contracts for estimators, transformers and cursors, and the label kinds Keras takes.</summary>
[TestClass]
public sealed class EstimatorContractTests
{
    public sealed class Row
    {
        [VectorType(2)]
        public float[] X { get; set; } = [];

        public float ClassIndex { get; set; }

        public bool Positive { get; set; }

        [VectorType(6)]
        public float[] Grid { get; set; } = [];
    }

    private static List<Row> Rows(int count, int seed, bool flip = false)
    {
        var r = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ =>
        {
            float a = (float)r.NextDouble(), b = (float)r.NextDouble();
            int cls = Math.Min(2, (int)(a * 3));
            return new Row { X = [a, b], ClassIndex = flip ? 2 - cls : cls, Positive = a + b > 1, Grid = [a, b, a + b, a - b, 2 * a, 2 * b] };
        })];
    }

    private static Model Classifier(int units = 3, string activation = "softmax", string loss = "sparse_categorical_crossentropy")
    {
        LayerNames.Reset();
        var x = Input([2], name: "X");
        var model = new Model(x, new Dense(units, activation, name: "out").Apply(new Dense(16, "relu").Apply(x)));
        model.Compile(new Adam(0.05f), loss);
        return model;
    }

    [TestMethod]
    public void EveryFitGivesATransformerOfItsOwnSoCrossValidationFoldsAreIndependent()
    {
        using var seeds = SeedScope.Begin(1);
        var ml = new MLContext(seed: 1);
        var model = Classifier();
        var estimator = ml.FunctionalDnn().Trainer(model, new FunctionalDnnOptions { LabelColumnName = "ClassIndex", Epochs = 20, Seed = 1 });
        var test = ml.Data.LoadFromEnumerable(Rows(50, 9));
        var first = estimator.Fit(ml.Data.LoadFromEnumerable(Rows(300, 1)));
        Assert.AreSame(model, first.Model, "the first Fit trains the model the user built, as Keras's fit does");
        var before = first.Transform(test).GetColumn<float[]>("out").SelectMany(v => v).ToArray();

        var second = estimator.Fit(ml.Data.LoadFromEnumerable(Rows(300, 2, flip: true)));
        Assert.AreNotSame(first.Model, second.Model);
        CollectionAssert.AreEqual(before, first.Transform(test).GetColumn<float[]>("out").SelectMany(v => v).ToArray(), "the first transformer is untouched by the second Fit");
        var flipped = second.Transform(test).GetColumn<float[]>("out").Zip(Rows(50, 9)).Count(p => Array.IndexOf(p.First, p.First.Max()) == 2 - (int)p.Second.ClassIndex);
        Assert.IsGreaterThan(40, flipped, "the second model learned the flipped labels from scratch");

        // ML.NET's cross-validation fits the estimator once per fold.
        var rows = ml.Data.LoadFromEnumerable(Rows(300, 3));
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label", "ClassIndex").Fit(rows).Transform(rows);
        var folds = ml.MulticlassClassification.CrossValidate(keyed,
            ml.FunctionalDnn().Trainer(Classifier(), new FunctionalDnnOptions { Epochs = 20, Seed = 1, OutputColumns = { ["out"] = "Score" } }), numberOfFolds: 3);
        Assert.HasCount(3, folds);
        foreach (var fold in folds) Assert.IsGreaterThan(0.85, fold.Metrics.MicroAccuracy, $"fold accuracy {fold.Metrics.MicroAccuracy:P1}");
        Assert.AreEqual(3, folds.Select(f => f.Model).Distinct().Count());
    }

    [TestMethod]
    public void NumberLabelsAreClassIndicesForSparseCategoricalLossesAsInKeras()
    {
        using var seeds = SeedScope.Begin(2);
        var ml = new MLContext(seed: 2);
        var fitted = ml.FunctionalDnn().Trainer(Classifier(), new FunctionalDnnOptions { LabelColumnName = "ClassIndex", Epochs = 20, Seed = 2 })
            .Fit(ml.Data.LoadFromEnumerable(Rows(300, 4)));
        var rows = Rows(100, 5);
        double accuracy = fitted.Transform(ml.Data.LoadFromEnumerable(rows)).GetColumn<float[]>("out").Zip(rows).Count(p => Array.IndexOf(p.First, p.First.Max()) == (int)p.Second.ClassIndex) / 100.0;
        Assert.IsGreaterThan(0.9, accuracy);

        var bad = Rows(40, 6);
        bad[7].ClassIndex = 3;
        var e = Assert.ThrowsExactly<InvalidDataException>(() => ml.FunctionalDnn().Trainer(Classifier(), new FunctionalDnnOptions { LabelColumnName = "ClassIndex", Epochs = 1, Shuffle = false })
            .Fit(ml.Data.LoadFromEnumerable(bad)));
        StringAssert.Contains(e.Message, "Row 7: the label in column 'ClassIndex' (Single) for model output 'out' is 3; model output 'out' takes class indices 0 … 2");
        var shuffled = Assert.ThrowsExactly<InvalidDataException>(() => ml.FunctionalDnn().Trainer(Classifier(), new FunctionalDnnOptions { LabelColumnName = "ClassIndex", Epochs = 1 })
            .Fit(ml.Data.LoadFromEnumerable(bad)));
        StringAssert.Contains(shuffled.Message, "Row 7: the label", "with shuffling on, the error still gives the row of the data");
    }

    [TestMethod]
    public void ALogitHeadPredictsAboveZeroAndIsItsOwnRawScore()
    {
        using var seeds = SeedScope.Begin(3);
        var ml = new MLContext(seed: 3);
        var model = Classifier(1, "linear", "binary_crossentropy");
        model.Compile(new Adam(0.05f), new BinaryCrossentropy(fromLogits: true));
        var fitted = ml.FunctionalDnn().Trainer(model, new FunctionalDnnOptions { LabelColumnName = "Positive", Epochs = 20, Seed = 3 }).Fit(ml.Data.LoadFromEnumerable(Rows(300, 7)));
        var scored = fitted.Transform(ml.Data.LoadFromEnumerable(Rows(200, 8)));
        var logits = scored.GetColumn<float>("out").ToList();
        CollectionAssert.AreEqual(logits, scored.GetColumn<float>("out_RawScore").ToList(), "a logit is already the raw score");
        CollectionAssert.AreEqual(logits.Select(l => l > 0).ToList(), scored.GetColumn<bool>("PredictedLabel").ToList());
        var metrics = ml.BinaryClassification.EvaluateNonCalibrated(scored, "Positive", "out_RawScore", "PredictedLabel");
        Assert.IsGreaterThan(0.9, metrics.Accuracy);
    }

    [TestMethod]
    public void AVectorLabelTrainsAnOutputOfSeveralAxesOfTheSameSize()
    {
        using var seeds = SeedScope.Begin(4);
        LayerNames.Reset();
        var ml = new MLContext(seed: 4);
        var x = Input([2], name: "X");
        var model = new Model(x, new Reshape([2, 3], name: "grid").Apply(new Dense(6).Apply(x)));
        model.Compile(new Adam(0.05f), "mse");
        var fitted = ml.FunctionalDnn().Trainer(model, new FunctionalDnnOptions { LabelColumnName = "Grid", Epochs = 30, Seed = 4 }).Fit(ml.Data.LoadFromEnumerable(Rows(300, 9)));
        Assert.IsLessThan(0.01f, fitted.History!["loss"][^1]);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 2, 3), fitted.GetOutputSchema(ml.Data.LoadFromEnumerable(Rows(1, 1)).Schema)["grid"].Type);
    }

    public sealed class Words
    {
        public string Text { get; set; } = "";

        public float Label { get; set; }
    }

    [TestMethod]
    public void KeysThatCannotFitTheEmbeddingAndCollidingColumnNamesFailBeforeTraining()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text").Append(ml.Transforms.Conversion.MapValueToKey("Tokens"))
            .Fit(ml.Data.LoadFromEnumerable([new Words { Text = "a b c d e f" }])).Transform(ml.Data.LoadFromEnumerable([new Words { Text = "a b" }]));
        LayerNames.Reset();
        var tokens = Input([4], DType.Int32, name: "Tokens");
        var model = new Model(tokens, new Dense(1).Apply(new GlobalAveragePooling1D().Apply(new Embedding(5, 2).Apply(tokens))));
        model.Compile("sgd", "mse");
        var e = Assert.ThrowsExactly<ArgumentException>(() => ml.FunctionalDnn().Trainer(model).Fit(data));
        StringAssert.Contains(e.Message, "holds keys 1 … 6");
        StringAssert.Contains(e.Message, "Give the Embedding inputDim 7 (the key count + 1)");

        var typo = Assert.ThrowsExactly<ArgumentException>(() => ml.FunctionalDnn().Trainer(Classifier(), new FunctionalDnnOptions { LabelColumns = { ["output"] = "ClassIndex" } }));
        StringAssert.Contains(typo.Message, "FunctionalDnnOptions.LabelColumns names 'output', which is not an output of model");
        StringAssert.Contains(typo.Message, "Its outputs: [out]");
        Assert.ThrowsExactly<ArgumentException>(() => ml.FunctionalDnn().Trainer(Classifier(), new FunctionalDnnOptions { InputColumns = { ["x"] = "X" } }));

        var clash = new FunctionalDnnOptions { OutputColumns = { ["out"] = "PredictedLabel" } };
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label", "ClassIndex");
        var named = Assert.ThrowsExactly<ArgumentException>(() => keyed.Append(ml.FunctionalDnn().Trainer(Classifier(), clash)).Fit(ml.Data.LoadFromEnumerable(Rows(20, 1))));
        StringAssert.Contains(named.Message, "would add the column 'PredictedLabel' twice");
    }

    [TestMethod]
    public void ACursorOfTheViewHasNoPositionBeforeItsFirstRowOrAfterItsLast()
    {
        using var seeds = SeedScope.Begin(5);
        var ml = new MLContext(seed: 5);
        var fitted = ml.FunctionalDnn().Trainer(Classifier(), new FunctionalDnnOptions { LabelColumnName = "ClassIndex", Epochs = 1, BatchSize = 4, Seed = 5 }).Fit(ml.Data.LoadFromEnumerable(Rows(20, 1)));
        var scored = fitted.Transform(ml.Data.LoadFromEnumerable(Rows(6, 2)));
        using var cursor = scored.GetRowCursor(scored.Schema);
        var scores = cursor.GetGetter<VBuffer<float>>(scored.Schema["out"]);
        VBuffer<float> value = default;
        Assert.AreEqual(-1, cursor.Position);
        var early = Assert.ThrowsExactly<InvalidOperationException>(() => scores(ref value));
        StringAssert.Contains(early.Message, "call MoveNext first");
        var positions = new List<long>();
        while (cursor.MoveNext()) positions.Add(cursor.Position);
        CollectionAssert.AreEqual(new long[] { 0, 1, 2, 3, 4, 5 }, positions);
        Assert.AreEqual(-1, cursor.Position, "past the last row the position is -1 again");
        Assert.IsFalse(cursor.MoveNext());
    }

    [TestMethod]
    public void AnOutputOfUnknownLengthIsPromisedAndGivenAsAVariableSizeVector()
    {
        var ml = new MLContext(seed: 1);
        var words = ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text").Append(ml.Transforms.Conversion.MapValueToKey("Tokens"));
        var data = words.Fit(ml.Data.LoadFromEnumerable([new Words { Text = "a b c" }])).Transform(ml.Data.LoadFromEnumerable([new Words { Text = "a b", Label = 1 }, new Words { Text = "c", Label = 0 }]));
        LayerNames.Reset();
        var tokens = Input([null], DType.Int32, name: "Tokens");
        var steps = new Lstm(3, returnSequences: true, name: "steps").Apply(new Embedding(4, 2).Apply(tokens));
        var model = new Model(tokens, new Dense(1, name: "out").Apply(new GlobalAveragePooling1D().Apply(steps)));
        model.Compile("sgd", "mse");
        var estimator = ml.FunctionalDnn().Trainer(model, new FunctionalDnnOptions { Epochs = 1, IntermediateOutputColumns = { ["steps"] = "Steps" } });
        var promised = words.Append(estimator).GetOutputSchema(FunctionalDnnEstimatorTests.ShapeOf<Words>(ml));
        Assert.AreEqual(SchemaShape.Column.VectorKind.VariableVector, promised.Single(c => c.Name == "Steps").Kind);
        var scored = estimator.Fit(data).Transform(data);
        Assert.IsFalse(((VectorDataViewType)scored.Schema["Steps"].Type).IsKnownSize);
        Assert.AreEqual(2 * 3, scored.GetColumn<float[]>("Steps").First().Length, "two steps (the batch's longest row) of three units");
    }

    [TestMethod]
    public void ABadRowLateInDataHeldInMemoryIsFoundBeforeTheFirstStepAndLeavesTheModelUntouched()
    {
        using var seeds = SeedScope.Begin(6);
        var ml = new MLContext(seed: 6);
        var model = Classifier();
        var before = model.Layers.SelectMany(l => l.GetWeights()).Select(w => w.ToArray()).ToList();
        var rows = Rows(500, 10);
        rows[^1].X[1] = float.NaN;
        var e = Assert.ThrowsExactly<InvalidDataException>(() => ml.FunctionalDnn().Trainer(model, new FunctionalDnnOptions { LabelColumnName = "ClassIndex", Epochs = 3, Seed = 6 })
            .Fit(ml.Data.LoadFromEnumerable(rows)));
        StringAssert.Contains(e.Message, "Row 499: column 'X'");
        var after = model.Layers.SelectMany(l => l.GetWeights()).ToList();
        Assert.HasCount(before.Count, after);
        for (int i = 0; i < before.Count; i++) CollectionAssert.AreEqual(before[i], after[i], "no step was taken");
    }
}
