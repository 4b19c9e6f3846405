using Microsoft.ML.FunctionalDnn.Tests.Backends;

namespace Microsoft.ML.FunctionalDnn.Tests.OpTests;

/// <summary>Reductions and softmax: values, shapes, gradients and errors, on the backend of <see cref="BackendTestBase.BackendName"/>.</summary>
[TestClass]
public class ReductionTests : BackendTestBase
{
    private readonly RandomGenerator _r = new(31);

    public static IEnumerable<object?[]> AxisCases() =>
    [
        [null, false], [new[] { 0 }, false], [new[] { 1 }, true], [new[] { -1 }, false], [new[] { 0, 2 }, true], [new[] { 1, 2 }, false],
    ];

    [TestMethod]
    [DynamicData(nameof(AxisCases))]
    public void SumMeanMaxMinGradients(int[]? axes, bool keepDims)
    {
        GradCheck.Check(x => Ops.Sum(x[0], axes, keepDims), [GradCheck.Rand(_r, 2, 3, 4)]);
        GradCheck.Check(x => Ops.Mean(x[0], axes, keepDims), [GradCheck.Rand(_r, 2, 3, 4)]);
        GradCheck.Check(x => Ops.Max(x[0], axes, keepDims), [GradCheck.RandAwayFromKinks(_r, 2, 3, 4)], eps: 1e-3f);
        GradCheck.Check(x => Ops.Min(x[0], axes, keepDims), [GradCheck.RandAwayFromKinks(_r, 2, 3, 4)], eps: 1e-3f);
        GradCheck.Check(x => Ops.Var(x[0], axes, keepDims), [GradCheck.Rand(_r, 2, 3, 4)]);
        GradCheck.Check(x => Ops.LogSumExp(x[0], axes, keepDims), [GradCheck.Rand(_r, 2, 3, 4)]);
    }

    [TestMethod]
    public void ReductionValuesAndShapes()
    {
        var x = Tensor.FromArray(new float[,] { { 1, 5, 3 }, { 4, 2, 6 } });
        CollectionAssert.AreEqual(new float[] { 5, 7, 9 }, Ops.Sum(x, 0).ToArray());
        Assert.AreEqual(new Shape(2, 1), Ops.Sum(x, 1, keepDims: true).Shape);
        CollectionAssert.AreEqual(new float[] { 5, 6 }, Ops.Max(x, -1).ToArray());
        CollectionAssert.AreEqual(new float[] { 1, 2 }, Ops.Min(x, 1).ToArray());
        Assert.AreEqual(3.5f, Ops.Mean(x).Item());
        Assert.AreEqual(35f / 12f, Ops.Var(x).Item(), 1e-5f);
        Assert.AreEqual(MathF.Sqrt(35f / 12f), Ops.Std(x).Item(), 1e-5f);
        CollectionAssert.AreEqual(new[] { 1, 2 }, Ops.ArgMax(x).ToIntArray());
        CollectionAssert.AreEqual(new[] { 1, 0, 1 }, Ops.ArgMax(x, 0).ToIntArray());
        Assert.AreEqual(0, Ops.Sum(x).Rank);
    }

    [TestMethod]
    public void TiedMaximaShareTheGradient()
    {
        var x = Tensor.FromArray(new float[] { 2, 2, 1 });
        x.RequiresGrad = true;
        Ops.Max(x).Backward();
        CollectionAssert.AreEqual(new float[] { 0.5f, 0.5f, 0 }, x.Grad!.ToArray());
    }

    [TestMethod]
    public void LogSumExpIsStableForLargeInputs()
    {
        var y = Ops.LogSumExp(Tensor.FromArray(new float[] { 1000, 1000 }));
        Assert.AreEqual(1000 + MathF.Log(2), y.Item(), 1e-3f);
    }

    [TestMethod]
    [DataRow(-1)]
    [DataRow(0)]
    [DataRow(1)]
    public void SoftmaxAndLogSoftmaxOnAnyAxis(int axis)
    {
        GradCheck.Check(x => Ops.Softmax(x[0], axis), [GradCheck.Rand(_r, 3, 4, 2)]);
        GradCheck.Check(x => Ops.LogSoftmax(x[0], axis), [GradCheck.Rand(_r, 3, 4, 2)]);
        var x = GradCheck.Rand(_r, 3, 4, 2);
        var s = Ops.Softmax(x, axis);
        var sums = Ops.Sum(s, axis).ToArray();
        foreach (float v in sums) Assert.AreEqual(1f, v, 1e-5f);
        var logS = Ops.LogSoftmax(x, axis).ToArray();
        var sv = s.ToArray();
        for (int i = 0; i < sv.Length; i++) Assert.AreEqual(MathF.Log(sv[i]), logS[i], 1e-5f);
    }

    [TestMethod]
    public void SoftmaxIsStableForLargeLogits()
    {
        var s = Ops.Softmax(Tensor.FromArray(new float[] { 1000, 0, -1000 })).ToArray();
        Assert.AreEqual(1f, s[0], 1e-6f);
        Assert.IsFalse(s.Any(float.IsNaN));
        var l = Ops.LogSoftmax(Tensor.FromArray(new float[] { 1000, 0 })).ToArray();
        Assert.AreEqual(-1000f, l[1], 1e-3f);
    }

    [TestMethod]
    public void BadAxisNamesTheRank()
    {
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Ops.Sum(Tensor.Zeros(new Shape(2, 3)), 2));
        StringAssert.Contains(ex.Message, "rank 2");
    }
}
