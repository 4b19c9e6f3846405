using Microsoft.ML.FunctionalDnn.Tests.Backends;

namespace Microsoft.ML.FunctionalDnn.Tests.OpTests;

/// <summary>
/// The layers' bias (+ ReLU) op: gradients by finite differences, and the same values as the
/// separate Add and Relu it replaces, on the backend of <see cref="BackendTestBase.BackendName"/>.
/// </summary>
[TestClass]
public class BiasAddTests : BackendTestBase
{
    private readonly RandomGenerator _r = new(17);

    public static IEnumerable<object[]> Shapes() =>
    [
        [new[] { 3, 4 }],
        [new[] { 2, 3, 5 }],
        // 17 channels: a whole vector and a scalar tail whatever the vector width.
        [new[] { 2, 2, 3, 17 }],
        [new[] { 9 }],
    ];

    [TestMethod]
    [DynamicData(nameof(Shapes))]
    public void GradientsMatchFiniteDifferences(int[] shape)
    {
        int channels = shape[^1];
        GradCheck.Check(x => Ops.BiasAdd(x[0], x[1]), [GradCheck.Rand(_r, shape), GradCheck.Rand(_r, channels)]);
        // Inputs away from the ReLU's kink, and a zero bias so x + b stays there.
        GradCheck.Check(x => Ops.BiasAdd(x[0], x[1], relu: true), [GradCheck.RandAwayFromKinks(_r, shape), Tensor.Zeros(new Shape(channels))], eps: 1e-3f);
    }

    [TestMethod]
    public void EqualsTheSeparateAddAndRelu()
    {
        var x = Tensor.Uniform(new Shape(300, 33), -1, 1, _r);
        var b = Tensor.Uniform(new Shape(33), -0.5f, 0.5f, _r);
        var weights = Tensor.Uniform(x.Shape, -1, 1, _r);
        foreach (bool relu in new[] { false, true })
        {
            var (fused, fusedDx, fusedDb) = Run(x, b, weights, (x, b) => Ops.BiasAdd(x, b, relu));
            var (plain, plainDx, plainDb) = Run(x, b, weights, (x, b) => relu ? Ops.Relu(Ops.Add(x, b)) : Ops.Add(x, b));
            CollectionAssert.AreEqual(plain, fused, $"relu={relu}: forward");
            CollectionAssert.AreEqual(plainDx, fusedDx, $"relu={relu}: input gradient");
            // The bias gradient is a sum over 300 rows, taken in another order: equal within rounding.
            for (int i = 0; i < plainDb.Length; i++) Assert.AreEqual(plainDb[i], fusedDb[i], 1e-4f, $"relu={relu}: bias gradient {i}");
        }
    }

    private static (float[] Y, float[] Dx, float[] Db) Run(Tensor x0, Tensor b0, Tensor weights, Func<Tensor, Tensor, Tensor> f)
    {
        var x = Tensor.FromArray(x0.ToArray(), x0.Shape);
        var b = Tensor.FromArray(b0.ToArray(), b0.Shape);
        x.RequiresGrad = true;
        b.RequiresGrad = true;
        var y = f(x, b);
        Ops.Sum(Ops.Multiply(y, weights)).Backward();
        return (y.ToArray(), x.Grad!.ToArray(), b.Grad!.ToArray());
    }

    [TestMethod]
    public void ReluKeepsNaNAndInfinities()
    {
        var x = Tensor.FromArray([float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0f, 2f], new Shape(1, 5));
        var y = Ops.BiasAdd(x, Tensor.Zeros(new Shape(5)), relu: true).ToArray();
        Assert.IsTrue(float.IsNaN(y[0]), "NaN stays NaN, as in Relu");
        CollectionAssert.AreEqual(Ops.Relu(x).ToArray()[1..], y[1..]);
    }

    [TestMethod]
    public void ABiasOfTheWrongLengthNamesBothShapes()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => Ops.BiasAdd(Tensor.Zeros(new Shape(2, 3, 4)), Tensor.Zeros(new Shape(3))));
        StringAssert.Contains(e.Message, "(4,)");
        StringAssert.Contains(e.Message, "(2, 3, 4)");
        StringAssert.Contains(e.Message, "(3,)");
    }
}
