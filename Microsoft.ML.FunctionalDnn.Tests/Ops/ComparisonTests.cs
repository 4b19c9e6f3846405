using Microsoft.ML.FunctionalDnn.Tests.Backends;

namespace Microsoft.ML.FunctionalDnn.Tests.OpTests;

/// <summary>Equal, NotEqual and Greater against a scalar reference loop; they have no gradient, so no finite-difference check.</summary>
[TestClass]
public class ComparisonTests : BackendTestBase
{
    private static readonly float[] Left = [0, 1, -2, float.NaN, 3.5f, -0f];
    private static readonly float[] Right = [0, 2, -2, float.NaN, 3f, 0f];

    [TestMethod]
    public void ElementwiseValuesFollowIeeeComparisons()
    {
        var a = Tensor.FromArray(Left, new Shape(2, 3));
        var b = Tensor.FromArray(Right, new Shape(2, 3));
        CollectionAssert.AreEqual(Reference(Left, Right, (x, y) => x == y), Ops.Equal(a, b).ToArray());
        CollectionAssert.AreEqual(Reference(Left, Right, (x, y) => x != y), Ops.NotEqual(a, b).ToArray());
        CollectionAssert.AreEqual(Reference(Left, Right, (x, y) => x > y), Ops.Greater(a, b).ToArray());
        // NaN equals nothing and differs from everything; -0 equals 0.
        CollectionAssert.AreEqual(new float[] { 1, 0, 1, 0, 0, 1 }, Ops.Equal(a, b).ToArray());
    }

    [TestMethod]
    public void BroadcastsLikeArithmetic()
    {
        var column = Tensor.FromArray(new float[] { 1, 2 }, new Shape(2, 1));
        var row = Tensor.FromArray(new float[] { 0, 1, 2 }, new Shape(1, 3));
        var greater = Ops.Greater(column, row);
        Assert.AreEqual(new Shape(2, 3), greater.Shape);
        CollectionAssert.AreEqual(new float[] { 1, 0, 0, 1, 1, 0 }, greater.ToArray());
        CollectionAssert.AreEqual(new float[] { 0, 1, 0 }, Ops.Equal(row, Tensor.Scalar(1)).ToArray());
        CollectionAssert.AreEqual(new float[] { 1, 0, 1, 1, 1, 0 }, Ops.NotEqual(row, column).ToArray());
    }

    [TestMethod]
    public void ComparesInt32ExactlyBeyondFloatPrecision()
    {
        // 16777217 and 16777216 are the same float32; as int32 they differ.
        var ids = Tensor.FromArray(new[] { 16_777_217, 5, -1 });
        var bound = Tensor.FromArray([16_777_216], Shape.Scalar);
        CollectionAssert.AreEqual(new float[] { 1, 0, 0 }, Ops.Greater(ids, bound).ToArray());
        CollectionAssert.AreEqual(new float[] { 0, 0, 0 }, Ops.Equal(ids, bound).ToArray());
        var result = Ops.NotEqual(ids, Tensor.FromArray(new[] { 16_777_217, 4, -1 }));
        Assert.AreEqual(DType.Float32, result.DType);
        CollectionAssert.AreEqual(new float[] { 0, 1, 0 }, result.ToArray());
    }

    [TestMethod]
    public void RecordsNoGradient()
    {
        var x = Tensor.FromArray(new float[] { 1, 2, 3 });
        x.RequiresGrad = true;
        var y = Ops.Greater(x, Tensor.Scalar(1.5f));
        Assert.IsFalse(y.RequiresGrad);
        Assert.IsTrue(y.IsLeaf);
    }

    [TestMethod]
    public void RefusesMixedTypesAndUnbroadcastableShapes()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => Ops.Equal(Tensor.FromArray(new[] { 1, 2 }), Tensor.FromArray(new float[] { 1, 2 })));
        StringAssert.Contains(ex.Message, "Equal compares tensors of one type; received Int32 (2,) and Float32 (2,)");
        var shapes = Assert.ThrowsExactly<ArgumentException>(() => Ops.Greater(Tensor.Zeros(new Shape(2, 3)), Tensor.Zeros(new Shape(4))));
        StringAssert.Contains(shapes.Message, "Greater: shapes (2, 3) and (4,) cannot be broadcast together");
    }

    [TestMethod]
    public void InRangeKeepsLowAndDropsHighFractionsAndNaN()
    {
        var x = Tensor.FromArray(new float[] { -0.5f, 0, 2.9f, 3, float.NaN, float.PositiveInfinity });
        CollectionAssert.AreEqual(new float[] { 0, 1, 1, 0, 0, 0 }, Ops.InRange(x, 0, 3).ToArray());
        var ids = Tensor.FromArray(new[] { -1, 0, 9, 10, int.MaxValue });
        CollectionAssert.AreEqual(new float[] { 0, 1, 1, 0, 0 }, Ops.InRange(ids, 0, 10).ToArray());
    }

    private static float[] Reference(float[] a, float[] b, Func<float, float, bool> test) =>
        [.. a.Zip(b, (x, y) => test(x, y) ? 1f : 0f)];
}
