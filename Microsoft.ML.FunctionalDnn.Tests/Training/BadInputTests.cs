using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.FunctionalDnn.Optimizers;
using static Microsoft.ML.FunctionalDnn.Keras;

namespace Microsoft.ML.FunctionalDnn.Tests.Training;

/// <summary>
/// Bad data given to Fit, Evaluate, TrainOnBatch and Predict is refused with a message naming what
/// was expected, what was received and where, and a refused call leaves the weights and the
/// optimizer exactly as they were.
/// </summary>
[TestClass]
public sealed class BadInputTests
{
    [TestInitialize]
    public void ResetNames() => LayerNames.Reset();

    /// <summary>(n, 4) floats → 3 classes, Adam (so a step would also create optimizer slots).</summary>
    private static Model Classifier(string loss = "sparse_categorical_crossentropy")
    {
        using var seed = SeedScope.Begin(1);
        var input = Input([4], name: "features");
        var model = new Model(input, new Dense(3, "softmax", name: "classes").Apply(new Dense(8, "relu").Apply(input)));
        model.Compile(new Adam(0.01f), loss, metrics: ["accuracy"]);
        return model;
    }

    /// <summary>(n, 5) ids of a 10-word vocabulary → 3 classes.</summary>
    private static Model TextClassifier()
    {
        using var seed = SeedScope.Begin(2);
        var tokens = Input([5], DType.Int32, "tokens");
        var x = new Flatten().Apply(new Embedding(10, 4, name: "words").Apply(tokens));
        var model = new Model(tokens, new Dense(3, "softmax").Apply(x));
        model.Compile(new Adam(0.01f), "sparse_categorical_crossentropy");
        return model;
    }

    private static (Tensor X, Tensor Y) Data(int n = 96)
    {
        var r = new RandomGenerator(3);
        return (Tensor.Uniform(new Shape(n, 4), -1, 1, r), Tensor.RandomInts(new Shape(n), 0, 3, r));
    }

    private static (Tensor X, Tensor Y) Tokens(int n = 96)
    {
        var r = new RandomGenerator(4);
        return (Tensor.RandomInts(new Shape(n, 5), 0, 10, r), Tensor.RandomInts(new Shape(n), 0, 3, r));
    }

    /// <summary>A copy of <paramref name="tensor"/> with the element at row-major position <paramref name="flat"/> replaced (host arrays, so it works on every backend).</summary>
    private static Tensor With(Tensor tensor, int flat, float value)
    {
        if (tensor.DType == DType.Float32)
        {
            var values = tensor.ToArray();
            values[flat] = value;
            return Tensor.FromArray(values, tensor.Shape);
        }
        var ids = tensor.ToIntArray();
        ids[flat] = checked((int)value);
        return Tensor.FromArray(ids, tensor.Shape);
    }

    /// <summary>Runs a call that must fail with <typeparamref name="TException"/>, and checks it changed no weight and no optimizer step.</summary>
    private static TException RefusedWithoutChange<TException>(Model model, Action call)
        where TException : Exception
    {
        var weights = model.GetWeights();
        long iterations = model.Optimizer!.Iterations;
        var error = Assert.ThrowsExactly<TException>(call);
        var after = model.GetWeights();
        Assert.HasCount(weights.Length, after);
        for (int i = 0; i < weights.Length; i++) CollectionAssert.AreEqual(weights[i], after[i], $"weight {i} changed by a refused call");
        Assert.AreEqual(iterations, model.Optimizer.Iterations, "optimizer stepped during a refused call");
        return error;
    }

    [TestMethod]
    public void EmptyDataIsRefusedByFitEvaluateAndTrainOnBatch()
    {
        var model = Classifier();
        var (x, y) = Data(0);
        StringAssert.Contains(RefusedWithoutChange<ArgumentException>(model, () => model.Fit(x, y, verbose: 0)).Message, "Fit received 0 samples");
        StringAssert.Contains(RefusedWithoutChange<ArgumentException>(model, () => model.Evaluate(x, y)).Message, "Evaluate received 0 samples");
        StringAssert.Contains(RefusedWithoutChange<ArgumentException>(model, () => model.TrainOnBatch(x, y)).Message, "TrainOnBatch received 0 samples");
        var (vx, vy) = Data();
        StringAssert.Contains(RefusedWithoutChange<ArgumentException>(model, () => model.Fit(vx, vy, validationData: (x, y), verbose: 0)).Message, "validationData received 0 samples");
    }

    [TestMethod]
    public void EvaluateRefusesANonPositiveBatchSize()
    {
        var model = Classifier("categorical_crossentropy");
        var (x, labels) = Data();
        var y = Ops.OneHot(labels, 3);
        var error = RefusedWithoutChange<ArgumentOutOfRangeException>(model, () => model.Evaluate(x, y, batchSize: 0));
        StringAssert.Contains(error.Message, "batchSize must be positive; received 0");
        RefusedWithoutChange<ArgumentOutOfRangeException>(model, () => model.EvaluateValues(x, y, batchSize: -1));
    }

    [TestMethod]
    public void ANullTensorIsRefusedWithTheInputName()
    {
        using var seed = SeedScope.Begin(5);
        var a = Input([4], name: "a");
        var b = Input([2], name: "b");
        var model = new Model([a, b], new Dense(1).Apply(Concatenate([a, b])));
        model.Compile(new Adam(), "mse");
        var x = Tensor.Zeros(new Shape(8, 4));
        var y = Tensor.Zeros(new Shape(8, 1));
        Tensor missing = null!;
        StringAssert.Contains(RefusedWithoutChange<ArgumentNullException>(model, () => model.Fit([x, missing], y, verbose: 0)).Message, "input 'b' (position 1 of 2) is null");
        StringAssert.Contains(RefusedWithoutChange<ArgumentNullException>(model, () => model.Evaluate(new Dictionary<string, Tensor> { ["a"] = x, ["b"] = missing }, y)).Message, "'b'");
        StringAssert.Contains(RefusedWithoutChange<ArgumentNullException>(model, () => model.TrainOnBatch([x, Tensor.Zeros(new Shape(8, 2))], [missing])).Message, "target");
        StringAssert.Contains(RefusedWithoutChange<ArgumentNullException>(model, () => model.Predict([x, missing])).Message, "input 1 of 2 is null");
    }

    [TestMethod]
    public void FractionalSparseLabelsAreRefusedAndWholeFloatLabelsAccepted()
    {
        var model = Classifier();
        var (x, labels) = Data();
        var floats = With(Ops.Cast(labels, DType.Float32), 70, 1.5f);
        var error = RefusedWithoutChange<ArgumentException>(model, () => model.Fit(x, floats, batchSize: 16, verbose: 0));
        StringAssert.Contains(error.Message, "target 'classes'");
        StringAssert.Contains(error.Message, "label 1.5 of sample 70 is not a whole number");
        StringAssert.Contains(error.Message, "0…2");
        RefusedWithoutChange<ArgumentException>(model, () => model.TrainOnBatch(x, floats));
        StringAssert.Contains(RefusedWithoutChange<ArgumentException>(model, () => model.Evaluate(x, floats)).Message, "sample 70");

        // Keras casts whole float labels to class indices: they train exactly like int labels.
        var fromFloats = Classifier();
        var fromInts = Classifier();
        var a = fromFloats.Fit(x, Ops.Cast(labels, DType.Float32), epochs: 2, verbose: 0, seed: 1);
        var b = fromInts.Fit(x, labels, epochs: 2, verbose: 0, seed: 1);
        CollectionAssert.AreEqual(b["loss"].ToArray(), a["loss"].ToArray());
    }

    [TestMethod]
    public void ALabelOutsideTheClassesInALateBatchIsRefusedBeforeTheFirstStep()
    {
        var model = Classifier();
        var (x, valid) = Data();
        var labels = With(valid, 90, 3);
        var error = RefusedWithoutChange<ArgumentException>(model, () => model.Fit(x, labels, batchSize: 16, shuffle: false, verbose: 0));
        StringAssert.Contains(error.Message, "label 3 of sample 90 is outside the classes: expected an integer in 0…2");
    }

    [TestMethod]
    public void NonFiniteTrainingDataIsRefusedBeforeTheFirstStep()
    {
        var model = Classifier();
        var (x, y) = Data();
        var bad = With(x, (90 * 4) + 2, float.NaN);
        var error = RefusedWithoutChange<ArgumentException>(model, () => model.Fit(bad, y, batchSize: 16, verbose: 0));
        StringAssert.Contains(error.Message, "input 'features' holds NaN in sample 90 (position 2 of its 4 values)");
        RefusedWithoutChange<ArgumentException>(model, () => model.TrainOnBatch(bad, y));
        var validation = RefusedWithoutChange<ArgumentException>(model, () => model.Fit(x, y, validationData: (bad, y), verbose: 0));
        StringAssert.Contains(validation.Message, "validation input 'features'");
        var weights = With(Tensor.Ones(new Shape(96)), 5, float.PositiveInfinity);
        StringAssert.Contains(RefusedWithoutChange<ArgumentException>(model, () => model.Fit(x, y, sampleWeight: weights, verbose: 0)).Message, "sampleWeight holds");
    }

    [TestMethod]
    public void AWronglyShapedInputIsRefusedBeforeTheFirstStep()
    {
        var model = Classifier();
        var (_, y) = Data();
        var error = RefusedWithoutChange<ArgumentException>(model, () => model.Fit(Tensor.Zeros(new Shape(96, 5)), y, verbose: 0));
        StringAssert.Contains(error.Message, "input 0 ('features') expects shape");
    }

    [TestMethod]
    public void TrainOnBatchStillTrainsOnGoodData()
    {
        var model = Classifier();
        var (x, y) = Data();
        model.TrainOnBatch(x, y);
        Assert.AreEqual(1, model.Optimizer!.Iterations);
    }

    [TestMethod]
    public void PredictOnZeroSamplesReturnsEmptyOutputs()
    {
        using var seed = SeedScope.Begin(6);
        var image = Input([2, 3], name: "image");
        var flat = new Flatten().Apply(image);
        var model = new Model(image, [new Dense(4, name: "scores").Apply(flat), new Dense(1, name: "value").Apply(flat)]);
        var outputs = model.Predict(Tensor.Zeros(new Shape(0, 2, 3)));
        Assert.AreEqual(new Shape(0, 4), outputs[0].Shape);
        Assert.AreEqual(new Shape(0, 1), outputs[1].Shape);
        Assert.AreEqual(new Shape(0, 4), model.PredictOnBatch([Tensor.Zeros(new Shape(0, 2, 3))])[0].Shape);

        var text = TextClassifier();
        Assert.AreEqual(new Shape(0, 3), text.Predict(Tensor.Zeros(new Shape(0, 5), DType.Int32))[0].Shape);
    }

    [TestMethod]
    public void OutOfVocabularyIdsInPredictNameTheLayerInputSampleIdAndRange()
    {
        var model = TextClassifier();
        var (ids, _) = Tokens();
        var x = With(ids, (41 * 5) + 3, 12);
        var error = Assert.ThrowsExactly<ArgumentException>(() => model.Predict(x, batchSize: 8));
        StringAssert.Contains(error.Message, "Layer 'words' (Embedding)");
        StringAssert.Contains(error.Message, "id 12 in sample 41 of input 'tokens' (position 3 of its 5 ids)");
        StringAssert.Contains(error.Message, "allowed ids are 0…9 (inputDim 10)");
        x = With(ids, (41 * 5) + 3, -1);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => model.Predict(x)).Message, "id -1 in sample 41");
    }

    [TestMethod]
    public void TheEmbeddingLayerItselfNamesTheSampleOfABadId()
    {
        var embedding = new Embedding(10, 2, name: "lookup");
        var ids = Tensor.FromArray(new[,] { { 1, 2 }, { 3, 10 } });
        var error = Assert.ThrowsExactly<ArgumentException>(() => embedding.Apply(ids));
        StringAssert.Contains(error.Message, "Layer 'lookup' (Embedding): id 10 in sample 1 (position 1 of its 2 ids)");
        Assert.AreEqual(new Shape(2, 2, 2), embedding.Apply(Tensor.FromArray(new[,] { { 1, 2 }, { 3, 9 } })).Shape);
    }

    [TestMethod]
    public void AnOutOfVocabularyIdInALateBatchIsRefusedBeforeTheFirstStep()
    {
        var model = TextClassifier();
        var (ids, y) = Tokens();
        var x = With(ids, 95 * 5, 10);
        var error = RefusedWithoutChange<ArgumentException>(model, () => model.Fit(x, y, batchSize: 8, shuffle: false, verbose: 0));
        StringAssert.Contains(error.Message, "id 10 in sample 95 of input 'tokens'");
        var (good, _) = Tokens();
        var validation = RefusedWithoutChange<ArgumentException>(model, () => model.Fit(good, y, validationData: (x, y), verbose: 0));
        StringAssert.Contains(validation.Message, "of validation input 'tokens'");
        RefusedWithoutChange<ArgumentException>(model, () => model.TrainOnBatch(x, y));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => model.Evaluate(x, y)).Message, "sample 95");
    }

    [TestMethod]
    public void AnOutOfVocabularyIdForANestedModelsEmbeddingIsRefusedBeforeTheFirstStep()
    {
        using var seed = SeedScope.Begin(5);
        var innerTokens = Input([5], DType.Int32, "inner_tokens");
        var encoder = new Model(innerTokens, new Flatten().Apply(new Embedding(10, 4, name: "nested_words").Apply(innerTokens)), name: "encoder");
        var tokens = Input([5], DType.Int32, "tokens");
        var model = new Model(tokens, new Dense(3, "softmax").Apply(encoder.Apply(tokens)));
        model.Compile(new Adam(0.01f), "sparse_categorical_crossentropy");
        var (ids, y) = Tokens();
        var x = With(ids, 95 * 5, 12);
        var error = RefusedWithoutChange<ArgumentException>(model, () => model.Fit(x, y, batchSize: 8, shuffle: false, verbose: 0));
        StringAssert.Contains(error.Message, "id 12 in sample 95 of input 'tokens'");
    }
}
