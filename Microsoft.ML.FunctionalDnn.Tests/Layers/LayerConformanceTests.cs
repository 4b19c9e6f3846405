using Microsoft.ML.FunctionalDnn.Initializers;
using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.FunctionalDnn.Tests.Backends;
using static Microsoft.ML.FunctionalDnn.Keras;

namespace Microsoft.ML.FunctionalDnn.Tests.Layers;

/// <summary>
/// The shared contract every layer meets: the symbolic output shape matches the eager one, the
/// weight count is as documented, one gradient step on the weights (or, for weightless layers,
/// on the input) lowers a loss, and inference is deterministic — on the managed engine here, and
/// on the torch backend through the subclass in Backends/Torch.
/// </summary>
[TestClass]
public class LayerConformanceTests : BackendTestBase
{
    public sealed record Case(string Name, Func<Layer> Create, int?[] InputShape, long Params, DType DType = DType.Float32)
    {
        public override string ToString() => Name;
    }

    internal static readonly Case[] Cases =
    [
        new("Dense", () => new Dense(3, "tanh"), [4], 15),
        new("DenseOnSequence", () => new Dense(3), [5, 4], 15),
        new("Activation", () => new Activation("swish"), [4], 0),
        new("Dropout", () => new Dropout(0.5f), [4], 0),
        new("Flatten", () => new Flatten(), [2, 3], 0),
        new("Reshape", () => new Reshape([3, -1]), [2, 3], 0),
        new("Permute", () => new Permute([2, 1]), [2, 3], 0),
        new("RepeatVector", () => new RepeatVector(3), [4], 0),
        new("Lambda", () => new Lambda(x => Ops.Multiply(Ops.Sum(x, -1, keepDims: true), x)), [4], 0),
        new("Embedding", () => new Embedding(10, 3), [5], 30, DType.Int32),
        new("Conv1D", () => new Conv1D(2, 3, padding: Padding.Causal, activation: "relu"), [6, 3], 20),
        new("Conv2D", () => new Conv2D(2, 3, strides: 2, padding: Padding.Same), [5, 5, 3], 56),
        new("DepthwiseConv2D", () => new DepthwiseConv2D(3, depthMultiplier: 2), [5, 5, 2], 40),
        new("SeparableConv2D", () => new SeparableConv2D(4, 3, padding: Padding.Same), [5, 5, 2], 30),
        new("SeparableConv1D", () => new SeparableConv1D(4, 3), [6, 2], 18),
        new("Conv2DTranspose", () => new Conv2DTranspose(2, 3, strides: 2, padding: Padding.Same), [3, 3, 4], 74),
        new("MaxPooling1D", () => new MaxPooling1D(2), [6, 3], 0),
        new("AveragePooling1D", () => new AveragePooling1D(3, 1, Padding.Same), [6, 3], 0),
        new("MaxPooling2D", () => new MaxPooling2D(2), [4, 4, 2], 0),
        new("AveragePooling2D", () => new AveragePooling2D(2), [4, 4, 2], 0),
        new("GlobalMaxPooling1D", () => new GlobalMaxPooling1D(), [5, 3], 0),
        new("GlobalAveragePooling1D", () => new GlobalAveragePooling1D(), [5, 3], 0),
        new("GlobalMaxPooling2D", () => new GlobalMaxPooling2D(), [3, 3, 2], 0),
        new("GlobalAveragePooling2D", () => new GlobalAveragePooling2D(), [3, 3, 2], 0),
        new("LSTM", () => new Lstm(3), [4, 2], 4 * (3 * (2 + 3) + 3)),
        new("LSTMSequences", () => new Lstm(3, returnSequences: true, goBackwards: true), [4, 2], 72),
        new("GRU", () => new Gru(3), [4, 2], 3 * (3 * (2 + 3) + 2 * 3)),
        new("SimpleRNN", () => new SimpleRnn(3, returnSequences: true), [4, 2], 3 * (2 + 3) + 3),
        new("Bidirectional", () => new Bidirectional(new Lstm(3, returnSequences: true)), [4, 2], 144),
        new("BidirectionalSum", () => new Bidirectional(new Gru(3), MergeMode.Sum), [4, 2], 2 * 63),
        new("BatchNormalization", () => new BatchNormalization(), [3, 4], 16),
        new("LayerNormalization", () => new LayerNormalization(), [3, 4], 8),
    ];

    public static IEnumerable<object[]> AllCases() => Cases.Select(c => new object[] { c });

    public static string DisplayName(System.Reflection.MethodInfo method, object[] data) => $"{method.Name}({data[0]})";

    [TestMethod]
    [DynamicData(nameof(AllCases), DynamicDataDisplayName = nameof(DisplayName))]
    public void LayerMeetsTheContract(Case c)
    {
        using var seed = SeedScope.Begin(11);
        var layer = c.Create();
        var symbolic = layer.Apply(Input(c.InputShape, c.DType));
        Assert.AreEqual(c.Params, layer.CountParams(), "parameter count");

        var r = new RandomGenerator(12);
        var dims = new[] { 3 }.Concat(c.InputShape.Select(d => d!.Value)).ToArray();
        var x = c.DType == DType.Int32 ? Tensor.RandomInts(new Shape(dims), 0, 10, r) : Tensor.Uniform(new Shape(dims), -1, 1, r);
        var y = layer.Apply(x, training: true);
        Assert.IsTrue(symbolic.Shape.IsCompatibleWith(y.Shape), $"symbolic {symbolic.Shape} vs eager {y.Shape}");

        // One gradient step lowers L = mean((y - target)²); weightless layers step their input instead.
        var target = Tensor.Uniform(y.Shape, -1, 1, new RandomGenerator(13));
        var trainable = layer.TrainableWeights.ToList();
        if (trainable.Count == 0 && x.DType == DType.Float32)
        {
            x.RequiresGrad = true;
            trainable.Add(x);
        }
        float Loss(bool backward)
        {
            using var scope = TensorScope.Begin();
            // Evaluate in inference mode so dropout masks do not change between the two evaluations.
            var loss = Ops.Mean(Ops.Square(Ops.Subtract(layer.Apply(x, training: false), target)));
            if (backward) loss.Backward();
            return loss.Item();
        }
        float before = Loss(backward: true);
        using (GradMode.NoGrad())
        {
            foreach (var w in trainable) w.AssignSub(Ops.Multiply(w.Grad!, Tensor.Scalar(0.05f)));
        }
        float after = Loss(backward: false);
        Assert.IsLessThan(before, after, $"loss {before} → {after}");

        var first = layer.Apply(x).ToArray();
        CollectionAssert.AreEqual(first, layer.Apply(x).ToArray(), "inference is deterministic");
    }

    [TestMethod]
    public void DropoutIsActiveOnlyInTraining()
    {
        var layer = new Dropout(0.5f);
        var x = Tensor.Ones(new Shape(2, 100));
        CollectionAssert.AreEqual(x.ToArray(), layer.Apply(x).ToArray());
        Assert.IsTrue(layer.Apply(x, training: true).ToArray().Contains(0f));
    }

    [TestMethod]
    public void BatchNormalizationUpdatesMovingStatisticsInTrainingOnly()
    {
        var bn = new BatchNormalization(momentum: 0.5f);
        var x = Tensor.Normal(new Shape(256, 2), 3, 2, new RandomGenerator(5));
        bn.Apply(x);
        CollectionAssert.AreEqual(new float[] { 0, 0 }, bn.Weights[2].Value.ToArray(), "inference leaves moving_mean alone");
        bn.Apply(x, training: true);
        var mean = bn.Weights.Single(w => w.Name == "moving_mean").Value.ToArray();
        var batchMean = Ops.Mean(x, 0).ToArray();
        for (int i = 0; i < 2; i++) Assert.AreEqual(0.5f * batchMean[i], mean[i], 1e-4f);
        Assert.AreEqual(2, bn.NonTrainableWeights.Count);
    }

    [TestMethod]
    public void BidirectionalMatchesTwoDirectionsByHand()
    {
        var bi = new Bidirectional(new Lstm(2, returnSequences: true));
        var x = Tensor.Uniform(new Shape(1, 4, 3), -1, 1, new RandomGenerator(6));
        var y = bi.Apply(x);
        var forward = bi.Forward.Apply(x);
        var backward = bi.Backward.Apply(x);
        Assert.AreEqual(new Shape(1, 4, 4), y.Shape);
        for (int t = 0; t < 4; t++)
            for (int u = 0; u < 2; u++)
            {
                Assert.AreEqual(forward[0, t, u], y[0, t, u]);
                Assert.AreEqual(backward[0, 3 - t, u], y[0, t, 2 + u], "backward outputs are put back in time order");
            }
    }

    [TestMethod]
    public void DotLayerAndCosineSimilarity()
    {
        var a = Tensor.FromArray(new float[,] { { 1, 2, 3 } });
        var b = Tensor.FromArray(new float[,] { { 4, 5, 6 } });
        Assert.AreEqual(32f, new Dot(1).Apply([a, b]).Item());
        Assert.AreEqual(32f / MathF.Sqrt(14 * 77), new Dot(1, normalize: true).Apply([a, b]).Item(), 1e-5f);
        var s = new Dot(2).Apply([Tensor.Ones(new Shape(2, 3, 4)), Tensor.Ones(new Shape(2, 5, 4))]);
        Assert.AreEqual(new Shape(2, 3, 5), s.Shape);
        Assert.AreEqual(4f, s[1, 2, 4]);
    }

    [TestMethod]
    public void ActivationAndInitializerNamesAreCheckedWithTheKnownList()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new Dense(2, "rellu"));
        StringAssert.Contains(ex.Message, "relu");
        Assert.ThrowsExactly<ArgumentException>(() => Initializer.FromName("glorot"));
    }

    [TestMethod]
    public void OrthogonalInitializerIsOrthonormal()
    {
        var q = Initializer.Orthogonal.Create(new Shape(4, 12), new RandomGenerator(1));
        var qqT = Ops.MatMul(q, q, transposeB: true).ToArray();
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++) Assert.AreEqual(i == j ? 1f : 0f, qqT[i * 4 + j], 1e-5f);
    }
}
