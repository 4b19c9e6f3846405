using Microsoft.ML.FunctionalDnn.Tests.Backends;
using Microsoft.ML.FunctionalDnn.Tests.Kernels;

namespace Microsoft.ML.FunctionalDnn.Tests.OpTests;

/// <summary>Matrix products: gradients for every transpose, batching, values and errors, on the backend of <see cref="BackendTestBase.BackendName"/>.</summary>
[TestClass]
public class MatMulTests : BackendTestBase
{
    private readonly RandomGenerator _r = new(51);

    [TestMethod]
    [DataRow(false, false)]
    [DataRow(true, false)]
    [DataRow(false, true)]
    [DataRow(true, true)]
    public void TwoDimensionalGradientsForAllTransposes(bool ta, bool tb)
    {
        GradCheck.Check(x => Ops.MatMul(x[0], x[1], ta, tb), [GradCheck.Rand(_r, ta ? 4 : 3, ta ? 3 : 4), GradCheck.Rand(_r, tb ? 5 : 4, tb ? 4 : 5)]);
    }

    [TestMethod]
    public void BatchedAndSequenceTimesMatrix()
    {
        GradCheck.Check(x => Ops.MatMul(x[0], x[1]), [GradCheck.Rand(_r, 2, 3, 4), GradCheck.Rand(_r, 2, 4, 5)]);
        GradCheck.Check(x => Ops.MatMul(x[0], x[1], transposeB: true), [GradCheck.Rand(_r, 2, 3, 4), GradCheck.Rand(_r, 2, 5, 4)]);
        GradCheck.Check(x => Ops.MatMul(x[0], x[1]), [GradCheck.Rand(_r, 2, 3, 4), GradCheck.Rand(_r, 4, 2)]);
    }

    [TestMethod]
    public void DenseGradientsWithAndWithoutBiasOnMatricesAndSequences()
    {
        GradCheck.Check(x => Ops.Dense(x[0], x[1], x[2]), [GradCheck.Rand(_r, 3, 4), GradCheck.Rand(_r, 4, 5), GradCheck.Rand(_r, 5)]);
        GradCheck.Check(x => Ops.Dense(x[0], x[1], null), [GradCheck.Rand(_r, 3, 4), GradCheck.Rand(_r, 4, 5)]);
        GradCheck.Check(x => Ops.Dense(x[0], x[1], x[2]), [GradCheck.Rand(_r, 2, 3, 4), GradCheck.Rand(_r, 4, 2), GradCheck.Rand(_r, 2)]);
    }

    [TestMethod]
    public void DenseIsTheMatrixProductPlusTheBias()
    {
        var x = GradCheck.Rand(_r, 2, 3, 4);
        var w = GradCheck.Rand(_r, 4, 5);
        var b = GradCheck.Rand(_r, 5);
        var expected = Ops.Add(Ops.MatMul(x, w), b).ToArray();
        var actual = Ops.Dense(x, w, b);
        Assert.AreEqual(new Shape(2, 3, 5), actual.Shape);
        var values = actual.ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.AreEqual(expected[i], values[i], 1e-5f);
    }

    [TestMethod]
    public void DenseRefusesMismatchedOperandsNamingTheirShapes()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => Ops.Dense(Tensor.Zeros(new Shape(2, 3)), Tensor.Zeros(new Shape(4, 5)), null));
        StringAssert.Contains(ex.Message, "(2, 3)");
        StringAssert.Contains(ex.Message, "(4, 5)");
        ex = Assert.ThrowsExactly<ArgumentException>(() => Ops.Dense(Tensor.Zeros(new Shape(2, 4)), Tensor.Zeros(new Shape(4, 5)), Tensor.Zeros(new Shape(4))));
        StringAssert.Contains(ex.Message, "bias");
        StringAssert.Contains(ex.Message, "(4,)");
        ex = Assert.ThrowsExactly<ArgumentException>(() => Ops.Dense(Tensor.Zeros(new Shape(4)), Tensor.Zeros(new Shape(4, 5)), null));
        StringAssert.Contains(ex.Message, "rank 2 or more");
    }

    [TestMethod]
    public void ValuesMatchReference()
    {
        var a = GradCheck.Rand(_r, 7, 9);
        var b = GradCheck.Rand(_r, 9, 5);
        var expected = GemmTests.Naive(false, false, 7, 5, 9, a.ToArray(), b.ToArray());
        var actual = Ops.MatMul(a, b).ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.AreEqual(expected[i], actual[i], 1e-5f);
    }

    [TestMethod]
    public void InnerDimensionMismatchNamesBothShapes()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => Ops.MatMul(Tensor.Zeros(new Shape(2, 3)), Tensor.Zeros(new Shape(4, 5))));
        StringAssert.Contains(ex.Message, "(2, 3)");
        StringAssert.Contains(ex.Message, "(4, 5)");
    }
}
