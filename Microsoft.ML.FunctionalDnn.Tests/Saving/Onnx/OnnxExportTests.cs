using Microsoft.ML.FunctionalDnn.Layers;
using static Microsoft.ML.FunctionalDnn.Keras;

namespace Microsoft.ML.FunctionalDnn.Tests.Saving.Onnx;

/// <summary>
/// Model.Export to ONNX, checked by running the file in ONNX Runtime on random inputs and comparing
/// with Predict on the same weights (<see cref="OnnxCheck"/>), layer family by layer family.
/// </summary>
[TestClass]
public sealed class OnnxExportTests
{
    [TestInitialize]
    public void ResetNames() => LayerNames.Reset();

    private static Tensor Floats(int seed, params int[] shape) => Tensor.Uniform(new Shape(shape), -2, 2, new RandomGenerator(seed));

    private static Model Single(int?[] shape, Func<SymbolicTensor, SymbolicTensor> body, string name, int seed = 1)
    {
        var input = Input(shape, name: "x");
        var model = new Model(input, body(input), name: name);
        OnnxCheck.Randomize(model, seed);
        return model;
    }

    [TestMethod]
    public void DenseWithEveryActivation()
    {
        foreach (var activation in new[] { "linear", "relu", "sigmoid", "tanh", "softmax", "elu", "selu", "gelu", "softplus", "softsign", "swish", "hard_sigmoid", "leaky_relu" })
        {
            var model = Single([6], x => new Dense(5, activation).Apply(x), "dense_" + activation);
            OnnxCheck.Matches(model, [Floats(2, 7, 6)], because: activation);
            if (activation == "gelu") OnnxCheck.Matches(model, [Floats(2, 7, 6)], opset: 20, because: "ONNX's Gelu op");
        }
        // On a sequence: the same weights at every step; without bias; the Activation layer.
        var seq = Single([4, 6], x => new Activation("tanh").Apply(new Dense(3, useBias: false).Apply(x)), "dense_seq");
        OnnxCheck.Matches(seq, [Floats(3, 5, 4, 6)]);
    }

    [TestMethod]
    public void ShapeLayers()
    {
        OnnxCheck.Matches(Single([3, 4], x => new Flatten().Apply(x), "flatten"), [Floats(1, 2, 3, 4)]);
        OnnxCheck.Matches(Single([3, 4], x => new Reshape([2, -1]).Apply(x), "reshape"), [Floats(1, 2, 3, 4)]);
        OnnxCheck.Matches(Single([3, 4, 5], x => new Permute([3, 1, 2]).Apply(x), "permute"), [Floats(1, 2, 3, 4, 5)]);
        OnnxCheck.Matches(Single([4], x => new RepeatVector(3).Apply(x), "repeat"), [Floats(1, 2, 4)]);
        OnnxCheck.Matches(Single([4], x => new Dense(2).Apply(new Dropout(0.5f).Apply(x)), "dropout"), [Floats(1, 3, 4)]);
    }

    [TestMethod]
    public void MergingLayers()
    {
        var a = Input([5], name: "a");
        var b = Input([5], name: "b");
        var c = Input([1], name: "c");
        var model = new Model([a, b, c],
            [
                new Add(name: "add").Apply([a, b, c]),
                new Subtract(name: "subtract").Apply([a, b]),
                new Multiply(name: "multiply").Apply([a, b, c]),
                new Average(name: "average").Apply([a, b]),
                new Maximum(name: "maximum").Apply([a, b]),
                new Minimum(name: "minimum").Apply([a, b]),
                new WeightedAverage(name: "weighted").Apply([a, b]),
                new Concatenate(name: "concatenate").Apply([a, b, c]),
                new Dot(1, name: "dot").Apply([a, b]),
                new Dot(1, normalize: true, name: "cosine").Apply([a, b]),
            ], name: "merges");
        OnnxCheck.Randomize(model, 4);
        OnnxCheck.Matches(model, [Floats(1, 3, 5), Floats(2, 3, 5), Floats(3, 3, 1)]);

        // Dot on sequences, contracting either axis.
        var p = Input([4, 6], name: "p");
        var q = Input([3, 6], name: "q");
        var r = Input([4, 3], name: "r");
        var dots = new Model([p, q, r], [new Dot(2, name: "features").Apply([p, q]), new Dot(1, name: "steps").Apply([p, r])], name: "dots");
        OnnxCheck.Matches(dots, [Floats(4, 2, 4, 6), Floats(5, 2, 3, 6), Floats(6, 2, 4, 3)]);
    }

    [TestMethod]
    public void EmbeddingWithAndWithoutMasks()
    {
        var ids = Input([7], DType.Int32, name: "ids");
        var plain = new Embedding(20, 4, name: "plain").Apply(ids);
        var masked = new Embedding(20, 4, maskZero: true, name: "masked").Apply(ids);
        var other = new Embedding(20, 4, maskZero: true, name: "other").Apply(ids);
        var model = new Model(ids,
            [
                new GlobalAveragePooling1D(name: "mean_plain").Apply(plain),
                new GlobalAveragePooling1D(name: "mean_masked").Apply(new Dense(3, "relu").Apply(masked)),
                new GlobalAveragePooling1D(name: "mean_max").Apply(new Maximum().Apply([masked, other])),
                new GlobalMaxPooling1D(name: "max_plain").Apply(masked),
            ], name: "embeddings");
        OnnxCheck.Randomize(model, 5);
        // Zeros here and there, and a row that is all padding but one step.
        var x = Tensor.FromArray(new[,] { { 3, 0, 5, 0, 19, 1, 0 }, { 0, 0, 0, 0, 0, 0, 7 }, { 1, 2, 3, 4, 5, 6, 7 } });
        OnnxCheck.Matches(model, [x]);
    }

    [TestMethod]
    public void Convolutions()
    {
        foreach (var padding in new[] { Padding.Valid, Padding.Same })
            foreach (int stride in new[] { 1, 2 })
            {
                OnnxCheck.Matches(Single([9, 10, 3], x => new Conv2D(4, (3, 2), (stride, stride), padding, activation: "relu").Apply(x), $"conv2d_{padding}_{stride}"), [Floats(1, 2, 9, 10, 3)], because: $"{padding} stride {stride}");
                OnnxCheck.Matches(Single([9, 10, 3], x => new DepthwiseConv2D(3, stride, padding, depthMultiplier: 2).Apply(x), $"depthwise_{padding}_{stride}"), [Floats(2, 2, 9, 10, 3)], because: $"{padding} stride {stride}");
                OnnxCheck.Matches(Single([9, 10, 3], x => new SeparableConv2D(5, 3, stride, padding, depthMultiplier: 2, activation: "tanh").Apply(x), $"separable_{padding}_{stride}"), [Floats(3, 2, 9, 10, 3)], because: $"{padding} stride {stride}");
                OnnxCheck.Matches(Single([11, 3], x => new Conv1D(4, 3, stride, padding).Apply(x), $"conv1d_{padding}_{stride}"), [Floats(4, 2, 11, 3)], because: $"{padding} stride {stride}");
                OnnxCheck.Matches(Single([11, 3], x => new SeparableConv1D(4, 3, stride, padding).Apply(x), $"separable1d_{padding}_{stride}"), [Floats(5, 2, 11, 3)], because: $"{padding} stride {stride}");
            }
        OnnxCheck.Matches(Single([9, 10, 3], x => new Conv2D(4, (3, 3), padding: Padding.Same, dilationRate: (2, 2)).Apply(x), "conv2d_dilated"), [Floats(6, 2, 9, 10, 3)]);
        OnnxCheck.Matches(Single([12, 3], x => new Conv1D(4, 3, padding: Padding.Causal, dilationRate: 2).Apply(x), "conv1d_causal"), [Floats(7, 2, 12, 3)]);
    }

    [TestMethod]
    public void TransposedConvolutions()
    {
        foreach (var padding in new[] { Padding.Valid, Padding.Same })
            foreach (int kernel in new[] { 1, 2, 3, 4 })
                foreach (int stride in new[] { 1, 2, 3 })
                    foreach (int? outputPadding in new int?[] { null, 0, stride - 1 })
                    {
                        if (outputPadding is int p && p >= stride) continue;
                        var model = Single([5, 6, 3], x => new Conv2DTranspose(4, kernel, stride, padding, outputPadding: outputPadding).Apply(x), $"deconv_{padding}_{kernel}_{stride}_{outputPadding}");
                        OnnxCheck.Matches(model, [Floats(kernel * 10 + stride, 2, 5, 6, 3)], because: $"{padding}, kernel {kernel}, stride {stride}, output padding {outputPadding}");
                    }
    }

    [TestMethod]
    public void Pooling()
    {
        foreach (var padding in new[] { Padding.Valid, Padding.Same })
        {
            OnnxCheck.Matches(Single([7, 9, 2], x => new MaxPooling2D(3, 2, padding).Apply(x), $"max2d_{padding}"), [Floats(1, 2, 7, 9, 2)]);
            OnnxCheck.Matches(Single([7, 9, 2], x => new AveragePooling2D(3, 2, padding).Apply(x), $"avg2d_{padding}"), [Floats(2, 2, 7, 9, 2)]);
            OnnxCheck.Matches(Single([9, 2], x => new MaxPooling1D(2, padding: padding).Apply(x), $"max1d_{padding}"), [Floats(3, 2, 9, 2)]);
            OnnxCheck.Matches(Single([9, 2], x => new AveragePooling1D(3, 2, padding).Apply(x), $"avg1d_{padding}"), [Floats(4, 2, 9, 2)]);
        }
        OnnxCheck.Matches(Single([5, 6, 3], x => new GlobalMaxPooling2D().Apply(x), "gmax2d"), [Floats(5, 2, 5, 6, 3)]);
        OnnxCheck.Matches(Single([5, 6, 3], x => new GlobalAveragePooling2D().Apply(x), "gavg2d"), [Floats(6, 2, 5, 6, 3)]);
    }

    [TestMethod]
    public void NormalizationLayers()
    {
        foreach (int opset in new[] { 13, 17, 18, 21 })
        {
            OnnxCheck.Matches(Single([4, 6], x => new LayerNormalization().Apply(x), $"layernorm_{opset}"), [Floats(1, 3, 4, 6)], opset);
            OnnxCheck.Matches(Single([4, 6], x => new LayerNormalization(center: false, scale: false).Apply(x), $"layernorm_plain_{opset}"), [Floats(1, 3, 4, 6)], opset);
        }
        OnnxCheck.Matches(Single([5, 6, 3], x => new BatchNormalization().Apply(x), "batchnorm"), [Floats(2, 2, 5, 6, 3)]);
        OnnxCheck.Matches(Single([4, 6], x => new BatchNormalization(axis: 1, center: false).Apply(x), "batchnorm_axis1"), [Floats(3, 2, 4, 6)]);
    }

    [TestMethod]
    public void SharedLayersNestedModelsAndSeveralOutputs()
    {
        var inner = Input([6], name: "inner_in");
        var encoder = new Model(inner, new Dense(4, "relu", name: "encode").Apply(inner), name: "encoder");
        var left = Input([6], name: "left");
        var right = Input([6], name: "right");
        var shared = new Dense(6, "tanh", name: "shared");
        var l = encoder.Apply(shared.Apply(left));
        var r = encoder.Apply(shared.Apply(right));
        var model = new Model([left, right], new Dictionary<string, SymbolicTensor>
        {
            ["similarity"] = new Dot(1, normalize: true, name: "cos").Apply([l, r]),
            ["joined"] = new Dense(2, "softmax", name: "head").Apply(new Concatenate().Apply([l, r])),
            ["left_code"] = l,
        }, name: "siamese");
        OnnxCheck.Randomize(model, 7);
        OnnxCheck.Matches(model, [Floats(1, 5, 6), Floats(2, 5, 6)]);

        // The shared layer's and the nested model's weights are stored once.
        using var dir = new TempDirectory();
        model.Export(dir.File("m.onnx"));
        var proto = Microsoft.ML.FunctionalDnn.OnnxProtos.ModelProto.Parser.ParseFrom(File.ReadAllBytes(dir.File("m.onnx")));
        Assert.AreEqual(1, proto.Graph.Initializer.Count(t => t.Name.StartsWith("shared/kernel", StringComparison.Ordinal)));
        Assert.AreEqual(1, proto.Graph.Initializer.Count(t => t.Name.StartsWith("encode/kernel", StringComparison.Ordinal)));
        CollectionAssert.AreEqual(new[] { "left", "right" }, proto.Graph.Input.Select(i => i.Name).ToArray());
        Assert.AreEqual("batch", proto.Graph.Input[0].Type.TensorType.Shape.Dim[0].DimParam);
        Assert.AreEqual(6, proto.Graph.Input[0].Type.TensorType.Shape.Dim[1].DimValue);
        Assert.AreEqual(17, proto.OpsetImport.Single().Version);
    }

    [TestMethod]
    public void AnUnknownSequenceLengthStaysSymbolic()
    {
        var model = Single([null, 5], x => new GlobalAveragePooling1D().Apply(new Conv1D(3, 2, padding: Padding.Same, activation: "relu").Apply(x)), "any_length");
        OnnxCheck.Matches(model, [Floats(1, 2, 4, 5)], because: "4 steps");
        OnnxCheck.Matches(model, [Floats(2, 3, 9, 5)], because: "9 steps");
        using var dir = new TempDirectory();
        model.Export(dir.File("m.onnx"));
        var proto = Microsoft.ML.FunctionalDnn.OnnxProtos.ModelProto.Parser.ParseFrom(File.ReadAllBytes(dir.File("m.onnx")));
        Assert.AreEqual("x_dim1", proto.Graph.Input[0].Type.TensorType.Shape.Dim[1].DimParam);
    }

    [TestMethod]
    public void WhatOnnxCannotHoldFailsNamingTheLayerAndLeavesTheFileAlone()
    {
        using var dir = new TempDirectory();
        string path = dir.File("m.onnx");
        var good = Single([3], x => new Dense(2).Apply(x), "good");
        good.Export(path);
        byte[] before = File.ReadAllBytes(path);

        var lambda = Single([3], x => new Lambda(t => Ops.Multiply(t, t), name: "square").Apply(x), "with_lambda");
        var ex = Assert.ThrowsExactly<NotSupportedException>(() => lambda.Export(path));
        StringAssert.Contains(ex.Message, "'square'");
        StringAssert.Contains(ex.Message, "Lambda");
        CollectionAssert.AreEqual(before, File.ReadAllBytes(path), "a failed export leaves the earlier file whole");

        var custom = new ActivationFunction("cube", t => Ops.Multiply(t, Ops.Multiply(t, t)));
        var customModel = Single([3], x => new Dense(2, custom, name: "cubed").Apply(x), "custom");
        ex = Assert.ThrowsExactly<NotSupportedException>(() => customModel.Export(path));
        StringAssert.Contains(ex.Message, "'cubed'");
        StringAssert.Contains(ex.Message, "cube");

        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => good.Export(path, opset: 12));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => good.Export(path, opset: 22));
        var format = Assert.ThrowsExactly<ArgumentException>(() => good.Export(path, format: "tf_saved_model"));
        StringAssert.Contains(format.Message, "onnx");
        CollectionAssert.AreEqual(before, File.ReadAllBytes(path));
    }

    private static RecurrentLayer Recurrent(string kind, int units, bool sequences, bool backwards, bool state) => kind switch
    {
        "lstm" => new Lstm(units, sequences, state, backwards),
        "gru" => new Gru(units, sequences, state, backwards),
        _ => new SimpleRnn(units, sequences, state, backwards),
    };

    /// <summary>Ids with padding (0) at the ends and in the middle, as text often has.</summary>
    private static Tensor PaddedIds() => Tensor.FromArray(new[,] { { 3, 0, 5, 0, 19, 1, 0 }, { 0, 0, 4, 4, 0, 0, 7 }, { 1, 2, 3, 4, 5, 6, 7 }, { 9, 8, 0, 0, 0, 0, 0 } });

    [TestMethod]
    public void RecurrentLayersWithoutMasksUseOnnxsOwnOperators()
    {
        foreach (var kind in new[] { "lstm", "gru", "rnn" })
            foreach (bool sequences in new[] { false, true })
                foreach (bool backwards in new[] { false, true })
                {
                    var x = Input([6, 3], name: "x");
                    var layer = Recurrent(kind, 4, sequences, backwards, state: true);
                    var outputs = layer.ApplyMany([x]);
                    var model = new Model(x, outputs, name: $"{kind}_{sequences}_{backwards}");
                    OnnxCheck.Randomize(model, 8);
                    OnnxCheck.Matches(model, [Floats(9, 3, 6, 3)], because: $"{kind}, sequences {sequences}, backwards {backwards}");
                }
        using var dir = new TempDirectory();
        var input = Input([5, 2], name: "x");
        new Model(input, new Lstm(3).Apply(input), name: "native").Export(dir.File("m.onnx"));
        var proto = Microsoft.ML.FunctionalDnn.OnnxProtos.ModelProto.Parser.ParseFrom(File.ReadAllBytes(dir.File("m.onnx")));
        Assert.AreEqual(1, proto.Graph.Node.Count(n => n.OpType == "LSTM"));
    }

    [TestMethod]
    public void RecurrentLayersTakeInitialStates()
    {
        var x = Input([5, 3], name: "x");
        var h = Input([4], name: "h");
        var cell = Input([4], name: "c");
        var lstm = new Model([x, h, cell], new Lstm(4, returnSequences: true).Apply([x, h, cell]), name: "lstm_states");
        OnnxCheck.Randomize(lstm, 9);
        OnnxCheck.Matches(lstm, [Floats(1, 2, 5, 3), Floats(2, 2, 4), Floats(3, 2, 4)]);
        var gru = new Model([x, h], new Gru(4).Apply([x, h]), name: "gru_state");
        OnnxCheck.Randomize(gru, 10);
        OnnxCheck.Matches(gru, [Floats(4, 2, 5, 3), Floats(5, 2, 4)]);
    }

    [TestMethod]
    public void MaskedRecurrentLayersSkipTheMaskedSteps()
    {
        foreach (var kind in new[] { "lstm", "gru", "rnn" })
            foreach (bool sequences in new[] { false, true })
                foreach (bool backwards in new[] { false, true })
                {
                    var ids = Input([7], DType.Int32, name: "ids");
                    var embedded = new Embedding(20, 3, maskZero: true).Apply(ids);
                    var outputs = Recurrent(kind, 4, sequences, backwards, state: true).ApplyMany([embedded]);
                    // A returned sequence carries the mask on: a masked mean after it reads it.
                    var first = sequences ? new GlobalAveragePooling1D().Apply(outputs[0]) : outputs[0];
                    var model = new Model(ids, [first, .. outputs.Skip(1)], name: $"masked_{kind}_{sequences}_{backwards}");
                    OnnxCheck.Randomize(model, 11);
                    OnnxCheck.Matches(model, [PaddedIds()], because: $"{kind}, sequences {sequences}, backwards {backwards}");
                }
    }

    [TestMethod]
    public void BidirectionalInEveryMergeModeWithAndWithoutMasks()
    {
        foreach (var mode in new[] { MergeMode.Concat, MergeMode.Sum, MergeMode.Mul, MergeMode.Ave })
            foreach (bool sequences in new[] { false, true })
                foreach (bool masked in new[] { false, true })
                {
                    var ids = Input([7], DType.Int32, name: "ids");
                    var embedded = new Embedding(20, 3, maskZero: masked).Apply(ids);
                    var y = new Bidirectional(new Lstm(4, returnSequences: sequences), mode).Apply(embedded);
                    if (sequences) y = new Gru(3).Apply(y);
                    var model = new Model(ids, y, name: $"bidirectional_{mode}_{sequences}_{masked}");
                    OnnxCheck.Randomize(model, 12);
                    OnnxCheck.Matches(model, [PaddedIds()], because: $"{mode}, sequences {sequences}, masked {masked}");
                }
    }
}
