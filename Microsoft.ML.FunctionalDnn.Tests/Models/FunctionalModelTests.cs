using Microsoft.ML.FunctionalDnn.Layers;
using static Microsoft.ML.FunctionalDnn.Keras;

namespace Microsoft.ML.FunctionalDnn.Tests.Models;

[TestClass]
public sealed class FunctionalModelTests
{
    [TestInitialize]
    public void ResetNames() => LayerNames.Reset();

    private static Model ThreeDense(out SymbolicTensor input)
    {
        input = Input([64]);
        var x = new Dense(32, "relu").Apply(input);
        x = new Dense(32, "relu").Apply(x);
        var output = new Dense(10, "softmax").Apply(x);
        return new Model(input, output);
    }

    [TestMethod]
    public void SummaryOfTheNotesFirstModelShows3466Params()
    {
        using var seed = SeedScope.Begin(1);
        var model = ThreeDense(out _);
        string expected = string.Join("\n",
            "Model: \"model\"",
            new string('_', 65),
            "Layer (type)                 Output Shape              Param #",
            new string('=', 65),
            "input_layer (InputLayer)     (None, 64)                0",
            new string('_', 65),
            "dense (Dense)                (None, 32)                2080",
            new string('_', 65),
            "dense_1 (Dense)              (None, 32)                1056",
            new string('_', 65),
            "dense_2 (Dense)              (None, 10)                330",
            new string('=', 65),
            "Total params: 3,466",
            "Trainable params: 3,466",
            "Non-trainable params: 0",
            new string('_', 65),
            "");
        Assert.AreEqual(expected, model.Summary());
    }

    [TestMethod]
    public void ModelRunsEagerlyAndMatchesLayerByLayerCalls()
    {
        using var seed = SeedScope.Begin(2);
        var model = ThreeDense(out _);
        var x = Tensor.Uniform(new Shape(5, 64), 0, 1, new RandomGenerator(3));
        var y = model.Predict([x])[0];
        Assert.AreEqual(new Shape(5, 10), y.Shape);
        var manual = x;
        foreach (var layer in model.Layers.Skip(1)) manual = layer.Apply(manual);
        CollectionAssert.AreEqual(manual.ToArray(), y.ToArray());
        foreach (float s in Ops.Sum(y, -1).ToArray()) Assert.AreEqual(1f, s, 1e-5f);
    }

    [TestMethod]
    public void SameSeedScopeGivesIdenticalWeights()
    {
        float[] Weights(long s)
        {
            using var seed = SeedScope.Begin(s);
            return ThreeDense(out _).Weights.SelectMany(w => w.Value.ToArray()).ToArray();
        }
        CollectionAssert.AreEqual(Weights(5), Weights(5));
        CollectionAssert.AreNotEqual(Weights(5), Weights(6));
    }

    [TestMethod]
    public void LayersAreOrderedAndFoundByName()
    {
        var model = ThreeDense(out var input);
        CollectionAssert.AreEqual(new[] { "input_layer", "dense", "dense_1", "dense_2" }, model.Layers.Select(l => l.Name).ToArray());
        Assert.AreSame(model.Layers[2], model.GetLayer("dense_1"));
        Assert.AreSame(model.Layers[0], model.GetLayer(0));
        Assert.AreSame(input, model.Inputs[0]);
        CollectionAssert.AreEqual(new[] { "dense_2" }, model.OutputNames.ToArray());
        var ex = Assert.ThrowsExactly<ArgumentException>(() => model.GetLayer("dense_9"));
        StringAssert.Contains(ex.Message, "dense, dense_1, dense_2");
    }

    [TestMethod]
    public void GraphDisconnectedNamesTheMissingInputAndTheLayerNeedingIt()
    {
        var a = Input([32], name: "input_a");
        var b = Input([32], name: "input_b");
        var sum = new Add(name: "merge").Apply([a, b]);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new Model(a, sum));
        StringAssert.Contains(ex.Message, "Graph disconnected");
        StringAssert.Contains(ex.Message, "input_b[0][0]");
        StringAssert.Contains(ex.Message, "at layer 'merge'");
    }

    [TestMethod]
    public void AddOfIncompatibleShapesNamesBothLayersAndShapes()
    {
        var x = Input([16]);
        var left = new Dense(32, name: "left").Apply(x);
        var right = new Dense(64, name: "right").Apply(x);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new Add(name: "sum").Apply([left, right]));
        StringAssert.Contains(ex.Message, "'sum' (Add)");
        StringAssert.Contains(ex.Message, "'left' has shape (None, 32)");
        StringAssert.Contains(ex.Message, "'right' has shape (None, 64)");
    }

    [TestMethod]
    public void ConcatenateAxisMismatchNamesLayersAndShapes()
    {
        var a = Input([3, 4], name: "a");
        var b = Input([5, 4], name: "b");
        Assert.AreEqual(new TensorShape(null, 8, 4), Concatenate([a, b], axis: 1).Shape);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => Concatenate([a, b], axis: -1));
        StringAssert.Contains(ex.Message, "axis 1 differs (3 vs 5)");
        StringAssert.Contains(ex.Message, "'a' has shape (None, 3, 4)");
    }

    [TestMethod]
    public void DuplicateLayerNamesAreRejected()
    {
        var x = Input([4]);
        var y = new Dense(2, name: "same").Apply(new Dense(3, name: "same").Apply(x));
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new Model(x, y));
        StringAssert.Contains(ex.Message, "\"same\" is used 2 times");
    }

    [TestMethod]
    public void WrongInputsSayWhatWasExpected()
    {
        var a = Input([3], name: "text");
        var b = Input([3], name: "question");
        var model = new Model([a, b], Concatenate([a, b]));
        var t = Tensor.Zeros(new Shape(2, 3));
        var count = Assert.ThrowsExactly<ArgumentException>(() => model.Predict([t]));
        StringAssert.Contains(count.Message, "expects 2 inputs [text, question]; received 1");
        var shape = Assert.ThrowsExactly<ArgumentException>(() => model.Predict([t, Tensor.Zeros(new Shape(2, 4))]));
        StringAssert.Contains(shape.Message, "input 1 ('question') expects shape (None, 3); received (2, 4)");
        var names = Assert.ThrowsExactly<ArgumentException>(() => model.Predict(new Dictionary<string, Tensor> { ["text"] = t, ["answer"] = t }));
        StringAssert.Contains(names.Message, "no input named 'answer'");
        var byName = model.Predict(new Dictionary<string, Tensor> { ["question"] = Tensor.Ones(new Shape(2, 3)), ["text"] = t })[0];
        CollectionAssert.AreEqual(new float[] { 0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1 }, byName.ToArray());
    }

    [TestMethod]
    public void NestedModelReusesItsWeightsOnEveryCall()
    {
        using var seed = SeedScope.Begin(4);
        var inner = ThreeDense(out _);
        var left = Input([64], name: "left");
        var right = Input([64], name: "right");
        var outer = new Model([left, right], Concatenate([inner.Apply(left), inner.Apply(right)]), name: "outer");
        Assert.AreEqual(3466, outer.CountParams());
        StringAssert.Contains(outer.Summary(), "model (Functional)");
        StringAssert.Contains(outer.Summary(), "left[0][0]");
        var x = Tensor.Uniform(new Shape(2, 64), 0, 1, new RandomGenerator(1));
        var y = outer.Predict([x, x])[0];
        var single = inner.Predict([x])[0].ToArray();
        Assert.AreEqual(new Shape(2, 20), y.Shape);
        Assert.AreEqual(single[0], y[0, 0]);
        Assert.AreEqual(single[0], y[0, 10]);
    }

    [TestMethod]
    public void DictionaryInputsAndOutputsUseNames()
    {
        var text = Input([4], name: "text");
        var meta = Input([2], name: "meta");
        var joined = Concatenate([text, meta]);
        var model = new Model(
            new Dictionary<string, SymbolicTensor> { ["text"] = text, ["meta"] = meta },
            new Dictionary<string, SymbolicTensor> { ["price"] = new Dense(1).Apply(joined), ["category"] = new Dense(3, "softmax").Apply(joined) });
        CollectionAssert.AreEqual(new[] { "text", "meta" }, model.InputNames.ToArray());
        CollectionAssert.AreEqual(new[] { "price", "category" }, model.OutputNames.ToArray());
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new Model(new Dictionary<string, SymbolicTensor> { ["words"] = text }, joined));
        StringAssert.Contains(ex.Message, "name: \"words\"");
    }

    [TestMethod]
    public void DotFunctionComputesCosineSimilarityOfTwoBranches()
    {
        var a = Input([3]);
        var b = Input([3]);
        var model = new Model([a, b], Dot([a, b], axes: 1, normalize: true));
        var x = Tensor.FromArray(new float[,] { { 1, 0, 0 } });
        var y = Tensor.FromArray(new float[,] { { 1, 1, 0 } });
        Assert.AreEqual(1 / MathF.Sqrt(2), model.Predict([x, y])[0].Item(), 1e-5f);
    }
}
