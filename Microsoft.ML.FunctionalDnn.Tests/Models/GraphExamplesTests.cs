using Microsoft.ML.FunctionalDnn.Layers;
using static Microsoft.ML.FunctionalDnn.Keras;

namespace Microsoft.ML.FunctionalDnn.Tests.Models;

[TestClass]
public sealed class GraphExamplesTests
{
    [TestInitialize]
    public void ResetNames() => LayerNames.Reset();

    [TestMethod]
    public void InceptionModuleWithSamePadding()
    {
        // The notes' module, with padding 'same' so the four branches line up, joined on the channel axis.
        var x = Input([28, 28, 192]);
        var a = new Conv2D(128, 1, strides: 2, activation: "relu", name: "branch_a").Apply(x);
        var b = new Conv2D(128, 1, activation: "relu", name: "branch_b1").Apply(x);
        b = new Conv2D(128, 3, strides: 2, padding: Padding.Same, activation: "relu", name: "branch_b2").Apply(b);
        var c = new AveragePooling2D(3, strides: 2, padding: Padding.Same).Apply(x);
        c = new Conv2D(128, 3, padding: Padding.Same, activation: "relu", name: "branch_c").Apply(c);
        var d = new Conv2D(128, 1, activation: "relu", name: "branch_d1").Apply(x);
        d = new Conv2D(128, 3, padding: Padding.Same, activation: "relu", name: "branch_d2").Apply(d);
        d = new Conv2D(128, 3, strides: 2, padding: Padding.Same, activation: "relu", name: "branch_d3").Apply(d);
        var model = new Model(x, Concatenate([a, b, c, d], axis: -1));
        Assert.AreEqual(new TensorShape(null, 14, 14, 512), model.Outputs[0].Shape);
        Assert.AreEqual(192 * 128 + 128, model.GetLayer("branch_a").CountParams());
        Assert.AreEqual(3 * 3 * 192 * 128 + 128, model.GetLayer("branch_c").CountParams());
        Assert.AreEqual(3 * 3 * 128 * 128 + 128, model.GetLayer("branch_d3").CountParams());
        StringAssert.Contains(model.Summary(), "concatenate (Concatenate)        (None, 14, 14, 512)   0           branch_a[0][0]");
        // The notes join on axis 1 (channels first): here that is the height axis, where the branches agree,
        // but a mismatch in the channel axis is reported with both layers.
        var ex = Assert.ThrowsExactly<ArgumentException>(() => Concatenate([a, new Conv2D(64, 1, strides: 2, name: "narrow").Apply(x)], axis: 1));
        StringAssert.Contains(ex.Message, "'narrow' has shape (None, 14, 14, 64)");
    }

    [TestMethod]
    public void InputThatFeedsNoOutputIsTolerated()
    {
        // The notes' two-input example wires both Dense stacks to the first input.
        var first = Input([64]);
        var x = new Dense(32, "relu").Apply(new Dense(32, "relu").Apply(first));
        var second = Input([64]);
        var xA = new Dense(32, "relu").Apply(new Dense(32, "relu").Apply(first));
        var model = new Model([first, second], new Dense(10, "softmax").Apply(Add([x, xA])));
        Assert.HasCount(2, model.Inputs);
        var y = model.Predict([Tensor.Ones(new Shape(1, 64)), Tensor.Zeros(new Shape(1, 64))])[0];
        Assert.AreEqual(new Shape(1, 10), y.Shape);
    }

    [TestMethod]
    public void SiameseLstmOnVariableLengthSentences()
    {
        var lstm = new Lstm(32);
        var left = Input([null, 128], name: "left");
        var right = Input([null, 128], name: "right");
        var merged = Concatenate([lstm.Apply(left), lstm.Apply(right)]);
        var model = new Model([left, right], new Dense(1, "sigmoid").Apply(merged));
        Assert.AreEqual(4 * (32 * (128 + 32) + 32) + 65, model.CountParams());
        var r = new RandomGenerator(1);
        var a = Tensor.Uniform(new Shape(2, 7, 128), -1, 1, r);
        var b = Tensor.Uniform(new Shape(2, 7, 128), -1, 1, r);
        Assert.AreEqual(new Shape(2, 1), model.Predict([a, b])[0].Shape);
        Assert.AreEqual(new Shape(2, 1), model.Predict([Tensor.Uniform(new Shape(2, 12, 128), -1, 1, r), b])[0].Shape, "lengths may differ per call");
    }

    [TestMethod]
    public void LayerConfigsUseKerasKeys()
    {
        var dense = new Dense(32, "relu", name: "d");
        var config = dense.GetConfig();
        Assert.AreEqual("d", config["name"]);
        Assert.AreEqual(32, config["units"]);
        Assert.AreEqual("relu", config["activation"]);
        Assert.AreEqual("glorot_uniform", config["kernel_initializer"]);
        var conv = new Conv1D(8, 5, padding: Padding.Causal).GetConfig();
        CollectionAssert.AreEqual(new[] { 5 }, (int[])conv["kernel_size"]!);
        Assert.AreEqual("causal", conv["padding"]);
        Assert.AreEqual(true, new Lstm(4, returnSequences: true).GetConfig()["return_sequences"]);
    }

    [TestMethod]
    public void ModelConfigRecordsInboundNodesWithModelRelativeIndices()
    {
        var shared = new Dense(4, name: "shared");
        var a = Input([3], name: "a");
        var b = Input([3], name: "b");
        var model = new Model([a, b], Add([shared.Apply(a), shared.Apply(b)], name: "sum"), name: "m");
        var config = model.GetConfig();
        var layers = (Dictionary<string, object?>[])config["layers"]!;
        var sharedEntry = layers.Single(l => (string)l["name"]! == "shared");
        var nodes = (Dictionary<string, object?>[])sharedEntry["inbound_nodes"]!;
        Assert.HasCount(2, nodes);
        var sum = layers.Single(l => (string)l["name"]! == "sum");
        var args = (Dictionary<string, object?>[])((Dictionary<string, object?>[])sum["inbound_nodes"]!)[0]["args"]!;
        CollectionAssert.AreEqual(new object[] { "shared", 1, 0 }, (object[])((Dictionary<string, object?>)args[1]["config"]!)["keras_history"]!);
        CollectionAssert.AreEqual(new object[] { "sum", 0, 0 }, ((object[][])config["output_layers"]!)[0]);
    }
}
