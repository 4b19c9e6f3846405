using Microsoft.ML.FunctionalDnn.Tests.Backends;

namespace Microsoft.ML.FunctionalDnn.Tests.OpTests;

/// <summary>Shape ops, joining, slicing and gathers: values, gradients and errors, on the backend of <see cref="BackendTestBase.BackendName"/>.</summary>
[TestClass]
public class ShapeAndIndexingTests : BackendTestBase
{
    private readonly RandomGenerator _r = new(41);

    [TestMethod]
    public void ReshapeTransposeExpandSqueezeGradients()
    {
        GradCheck.Check(x => Ops.Reshape(x[0], 4, -1), [GradCheck.Rand(_r, 2, 3, 2)]);
        GradCheck.Check(x => Ops.Transpose(x[0], 2, 0, 1), [GradCheck.Rand(_r, 2, 3, 4)]);
        GradCheck.Check(x => Ops.Transpose(x[0]), [GradCheck.Rand(_r, 3, 5)]);
        GradCheck.Check(x => Ops.Squeeze(Ops.ExpandDims(x[0], 1), 1), [GradCheck.Rand(_r, 3, 2)]);
        GradCheck.Check(x => Ops.BroadcastTo(x[0], new Shape(2, 3, 4)), [GradCheck.Rand(_r, 3, 1)]);
    }

    [TestMethod]
    public void TransposeValues()
    {
        var x = Tensor.FromArray(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        var t = Ops.Transpose(x);
        Assert.AreEqual(new Shape(3, 2), t.Shape);
        CollectionAssert.AreEqual(new float[] { 1, 4, 2, 5, 3, 6 }, t.ToArray());
        var y = Ops.Transpose(Tensor.Arange(0, 24).Reshape(2, 3, 4), 1, 2, 0);
        Assert.AreEqual(new Shape(3, 4, 2), y.Shape);
        Assert.AreEqual(13f, y[0, 1, 1]); // input [1, 0, 1]
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(1)]
    [DataRow(-1)]
    public void ConcatenateSliceSplitStackOnAnyAxis(int axis)
    {
        GradCheck.Check(x => Ops.Concatenate([x[0], x[1]], axis), [GradCheck.Rand(_r, 2, 3, 2), GradCheck.Rand(_r, 2, 3, 2)]);
        GradCheck.Check(x => Ops.Slice(x[0], axis, 1, 1), [GradCheck.Rand(_r, 2, 3, 2)]);
        GradCheck.Check(x => Ops.Stack([x[0], x[1]], axis), [GradCheck.Rand(_r, 2, 3), GradCheck.Rand(_r, 2, 3)]);
        GradCheck.Check(x => Ops.Multiply(Ops.Split(x[0], 2, axis)[1], Tensor.Scalar(2)), [GradCheck.Rand(_r, 2, 4, 2)]);
    }

    [TestMethod]
    public void ConcatenateValuesAndErrors()
    {
        var a = Tensor.FromArray(new float[,] { { 1, 2 }, { 3, 4 } });
        var b = Tensor.FromArray(new float[,] { { 5 }, { 6 } });
        CollectionAssert.AreEqual(new float[] { 1, 2, 5, 3, 4, 6 }, Ops.Concatenate([a, b], -1).ToArray());
        var ex = Assert.ThrowsExactly<ArgumentException>(() => Ops.Concatenate([a, b], 0));
        StringAssert.Contains(ex.Message, "(2, 1)");
        var parts = Ops.Split(Tensor.Arange(0, 6), [1, 2, 3], 0);
        CollectionAssert.AreEqual(new float[] { 3, 4, 5 }, parts[2].ToArray());
        Assert.ThrowsExactly<ArgumentException>(() => Ops.Split(Tensor.Arange(0, 6), [1, 2], 0));
    }

    [TestMethod]
    public void TakeIsAnEmbeddingLookupWhoseGradientTouchesOnlyGatheredRows()
    {
        var table = GradCheck.Rand(_r, 6, 3);
        var ids = Tensor.FromArray(new[] { 4, 1, 4, 0 }, new Shape(2, 2));
        var y = Ops.Take(table, ids);
        Assert.AreEqual(new Shape(2, 2, 3), y.Shape);
        CollectionAssert.AreEqual(table.ToArray().Skip(12).Take(3).ToArray(), Ops.Slice(Ops.Reshape(y, 4, 3), 0, 0, 1).ToArray());
        GradCheck.Check(x => Ops.Take(x[0], ids), [table]);
        table.ZeroGrad();
        Ops.Sum(Ops.Take(table, ids)).Backward();
        var g = table.Grad!.ToArray();
        CollectionAssert.AreEqual(new float[] { 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 2, 2, 2, 0, 0, 0 }, g);
    }

    [TestMethod]
    public void TakeAlongAnotherAxisAndOfAComputedTensor()
    {
        var ids = Tensor.FromArray(new[] { 2, 0 });
        GradCheck.Check(x => Ops.Take(Ops.Multiply(x[0], Tensor.Scalar(2)), ids, axis: 1), [GradCheck.Rand(_r, 2, 3, 2)]);
    }

    [TestMethod]
    public void TakeRejectsOutOfRangeIdsWithPosition()
    {
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Ops.Take(Tensor.Zeros(new Shape(5, 2)), Tensor.FromArray(new[] { 1, 7 })));
        StringAssert.Contains(ex.Message, "index 7 at flat position 1");
    }

    [TestMethod]
    public void OneHotAndWhere()
    {
        var oh = Ops.OneHot(Tensor.FromArray(new[] { 2, 0, 5 }), 3);
        CollectionAssert.AreEqual(new float[] { 0, 0, 1, 1, 0, 0, 0, 0, 0 }, oh.ToArray());
        var cond = Tensor.FromArray(new float[] { 1, 0, 1 });
        var w = Ops.Where(cond, Tensor.FromArray(new float[] { 1, 2, 3 }), Tensor.Scalar(-1));
        CollectionAssert.AreEqual(new float[] { 1, -1, 3 }, w.ToArray());
        GradCheck.Check(x => Ops.Where(Tensor.FromArray(new[] { 1, 0, 0, 1 }, new Shape(2, 2)), x[0], x[1]), [GradCheck.Rand(_r, 2, 2), GradCheck.Rand(_r, 2)]);
    }

    [TestMethod]
    public void CastRoundTrips()
    {
        var f = Ops.Cast(Tensor.FromArray(new[] { 1, -2 }), DType.Float32);
        CollectionAssert.AreEqual(new float[] { 1, -2 }, f.ToArray());
        CollectionAssert.AreEqual(new[] { 2, -1 }, Ops.Cast(Tensor.FromArray(new float[] { 2.7f, -1.2f }), DType.Int32).ToIntArray());
    }
}
