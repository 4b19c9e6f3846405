using Microsoft.ML.FunctionalDnn.Initializers;
using Microsoft.ML.FunctionalDnn.Layers;

namespace Microsoft.ML.FunctionalDnn.Tests.Layers;

/// <summary>Weights and moving statistics are variables of the backend, created and updated through it.</summary>
[TestClass]
public sealed class LayerStateTests
{
    private readonly RandomGenerator _r = new(1502);

    [TestMethod]
    public void WeightsBuiltInsideATensorScopeOutliveIt()
    {
        var layer = new Dense(3, name: "scoped");
        using (TensorScope.Begin()) layer.Apply(Tensor.Uniform(new Shape(2, 4), -1, 1, _r));
        var kept = layer.GetWeights();
        // Another scope reuses pooled buffers; the weights must not be among them.
        using (TensorScope.Begin()) Ops.Multiply(Tensor.Uniform(new Shape(64, 64), -1, 1, _r), Tensor.Scalar(3));
        CollectionAssert.AreEqual(kept[0], layer.GetWeights()[0]);
        Assert.IsTrue(layer.TrainableWeights.All(w => w.RequiresGrad && w.IsLeaf));
    }

    [TestMethod]
    public void SetWeightsAssignsInPlace()
    {
        var layer = new Dense(2, name: "assigned");
        layer.Apply(Tensor.Zeros(new Shape(1, 2)));
        var kernel = layer.TrainableWeights[0];
        layer.SetWeights([[1f, 2f, 3f, 4f], [5f, 6f]]);
        Assert.AreSame(kernel, layer.TrainableWeights[0]);
        CollectionAssert.AreEqual(new float[] { 1, 2, 3, 4 }, kernel.ToArray());
        CollectionAssert.AreEqual(new float[] { 1 * 1 + 1 * 3 + 5, 1 * 2 + 1 * 4 + 6 }, layer.Apply(Tensor.Ones(new Shape(1, 2))).ToArray());
    }

    [TestMethod]
    public void AnInitializerOfTheWrongShapeIsNamed()
    {
        var layer = new Dense(2, kernelInitializer: new FixedInitializer(), name: "odd");
        var ex = Assert.ThrowsExactly<ArgumentException>(() => layer.Apply(Tensor.Zeros(new Shape(1, 3))));
        StringAssert.Contains(ex.Message, "Layer 'odd' (Dense): initializer 'fixed' returned Float32 (5,) for weight 'kernel'; expected Float32 (3, 2).");
    }

    [TestMethod]
    public void MovingStatisticsFollowKerasAssignBitForBit()
    {
        var layer = new BatchNormalization(momentum: 0.7f);
        var x = Tensor.Uniform(new Shape(5, 3), -2, 2, _r);
        layer.Apply(x);
        layer.SetWeights([[1f, 1f, 1f], [0f, 0f, 0f], [0.25f, -1.5f, 3f], [2f, 0.5f, 1.25f]]);
        var before = layer.GetWeights();
        layer.Apply(x, training: true);
        var after = layer.GetWeights();
        Ops.BatchNormTraining(x, null, null, 1e-3f, out var mean, out var variance);
        var (m, v) = (mean.ToArray(), variance.ToArray());
        for (int c = 0; c < 3; c++)
        {
            // moving.assign(moving * momentum + batch * (1 - momentum)) in float32.
            Assert.AreEqual(before[2][c] * 0.7f + m[c] * (1 - 0.7f), after[2][c], 0f, "moving mean");
            Assert.AreEqual(before[3][c] * 0.7f + v[c] * (1 - 0.7f), after[3][c], 0f, "moving variance");
        }
    }

    [TestMethod]
    public void EmbeddingMaskMarksNonZeroIds()
    {
        var embedding = new Embedding(5, 2, maskZero: true);
        var (_, mask) = embedding.ApplyMasked([Tensor.FromArray(new[,] { { 3, 0, 4 }, { 0, 0, 1 } })], [null], training: false);
        Assert.IsNotNull(mask);
        Assert.AreEqual(new Shape(2, 3), mask.Shape);
        CollectionAssert.AreEqual(new float[] { 1, 0, 1, 0, 0, 1 }, mask.ToArray());
    }

    private sealed class FixedInitializer : Initializer
    {
        public override string Name => "fixed";

        public override Tensor Create(Shape shape, RandomGenerator random) => Tensor.Zeros(new Shape(5));
    }
}
