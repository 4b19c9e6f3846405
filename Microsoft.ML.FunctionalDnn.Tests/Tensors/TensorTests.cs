using Microsoft.ML.FunctionalDnn.Tests.Backends;

namespace Microsoft.ML.FunctionalDnn.Tests.Tensors;

/// <summary>Tensor creation, host copies, text and errors, on the backend of <see cref="BackendTestBase.BackendName"/>.</summary>
[TestClass]
public class TensorTests : BackendTestBase
{
    [TestMethod]
    public void CreatesFromMultidimensionalArraysInRowMajorOrder()
    {
        var t = Tensor.FromArray(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        Assert.AreEqual(new Shape(2, 3), t.Shape);
        Assert.AreEqual(6f, t[1, 2]);
        Assert.AreEqual(4f, t[-1, 0]);
        var t3 = Tensor.FromArray(new float[,,] { { { 1, 2 }, { 3, 4 } }, { { 5, 6 }, { 7, 8 } } });
        Assert.AreEqual(7f, t3[1, 1, 0]);
        var ids = Tensor.FromArray(new int[,] { { 1, 2 }, { 3, 4 } });
        Assert.AreEqual(DType.Int32, ids.DType);
        CollectionAssert.AreEqual(new[] { 1, 2, 3, 4 }, ids.ToIntArray());
    }

    [TestMethod]
    public void FactoriesFillAsDocumented()
    {
        CollectionAssert.AreEqual(new float[] { 0, 0 }, Tensor.Zeros(new Shape(2)).ToArray());
        CollectionAssert.AreEqual(new float[] { 1, 1, 1 }, Tensor.Ones(new Shape(3)).ToArray());
        CollectionAssert.AreEqual(new float[] { 7, 7 }, Tensor.Full(new Shape(2), 7).ToArray());
        CollectionAssert.AreEqual(new float[] { 0, 2, 4 }, Tensor.Arange(0, 5, 2).ToArray());
        Assert.AreEqual(3.5f, Tensor.Scalar(3.5f).Item());
        Assert.AreEqual(0, Tensor.Scalar(1).Rank);
    }

    [TestMethod]
    public void RandomTensorsAreReproducibleFromTheSeedAndInRange()
    {
        var a = Tensor.Uniform(new Shape(1000), -2, 3, new RandomGenerator(42));
        var b = Tensor.Uniform(new Shape(1000), -2, 3, new RandomGenerator(42));
        CollectionAssert.AreEqual(a.ToArray(), b.ToArray());
        Assert.IsTrue(a.ToArray().All(v => v >= -2 && v < 3));
        var n = Tensor.Normal(new Shape(20000), 1, 2, new RandomGenerator(1)).ToArray();
        double mean = n.Average(), sd = Math.Sqrt(n.Select(v => (v - mean) * (v - mean)).Average());
        Assert.AreEqual(1, mean, 0.05);
        Assert.AreEqual(2, sd, 0.05);
        var ids = Tensor.RandomInts(new Shape(500), 3, 9, new RandomGenerator(2)).ToIntArray();
        Assert.IsTrue(ids.All(v => v >= 3 && v < 9));
        Assert.AreEqual(6, ids.Distinct().Count());
    }

    [TestMethod]
    public void ForkedGeneratorsAreIndependentOfLaterDraws()
    {
        var parent = new RandomGenerator(9);
        var child = parent.Fork();
        float first = child.NextFloat();
        var parent2 = new RandomGenerator(9);
        var child2 = parent2.Fork();
        parent2.NextFloat();
        Assert.AreEqual(first, child2.NextFloat());
    }

    [TestMethod]
    public void ToStringIsNumpyLike()
    {
        var t = Tensor.FromArray(new float[] { 1, 2, 3, 4.5f }, new Shape(2, 2));
        Assert.AreEqual("tensor([[1, 2], [3, 4.5]], shape=(2, 2), dtype=float32)", t.ToString());
        Assert.AreEqual("tensor([1, 2], shape=(2,), dtype=int32)", Tensor.FromArray(new[] { 1, 2 }).ToString());
        var big = Tensor.Zeros(new Shape(2000));
        StringAssert.Contains(big.ToString(), "[0, 0, 0, ..., 0, 0, 0]");
    }

    [TestMethod]
    public void ErrorsNameShapesAndIndices()
    {
        var t = Tensor.Zeros(new Shape(2, 3));
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => _ = t[2, 0]);
        StringAssert.Contains(ex.Message, "size 2");
        var ex2 = Assert.ThrowsExactly<ArgumentException>(() => Tensor.FromArray(new float[5], new Shape(2, 3)));
        StringAssert.Contains(ex2.Message, "(2, 3)");
        var ex3 = Assert.ThrowsExactly<ArgumentException>(() => t.Reshape(4, -1));
        StringAssert.Contains(ex3.Message, "(2, 3)");
        Assert.ThrowsExactly<InvalidOperationException>(() => t.ToIntArray());
        Assert.ThrowsExactly<ArgumentException>(() => new Shape(2, -1));
    }
}

/// <summary>The managed engine's storage: reshapes and batch slices are views that share one buffer.</summary>
[TestClass]
public sealed class ManagedTensorTests : BackendTestBase
{
    [TestMethod]
    public void ReshapeAndBatchSliceAreViewsSharingStorage()
    {
        var t = Tensor.FromArray(new float[] { 0, 1, 2, 3, 4, 5 }, new Shape(3, 2));
        var r = t.Reshape(2, -1);
        Assert.AreEqual(new Shape(2, 3), r.Shape);
        var rows = t.SliceBatch(1, 2);
        CollectionAssert.AreEqual(new float[] { 2, 3, 4, 5 }, rows.ToArray());
        rows.Data[0] = 20;
        Assert.AreEqual(20f, t[1, 0]);
        Assert.AreEqual(20f, r[0, 2]);
    }
}
