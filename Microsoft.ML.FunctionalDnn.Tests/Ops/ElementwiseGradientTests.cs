using Microsoft.ML.FunctionalDnn.Tests.Backends;

namespace Microsoft.ML.FunctionalDnn.Tests.OpTests;

/// <summary>Finite-difference checks of the element-wise ops' gradients, on the backend of <see cref="BackendTestBase.BackendName"/>.</summary>
[TestClass]
public class ElementwiseGradientTests : BackendTestBase
{
    private readonly RandomGenerator _r = new(11);

    public static IEnumerable<object[]> BroadcastPairs() =>
    [
        [new[] { 3, 4 }, new[] { 3, 4 }],
        [new[] { 3, 4 }, new[] { 4 }],
        [new[] { 2, 3, 4 }, new[] { 3, 1 }],
        [new[] { 2, 1, 4 }, new[] { 1, 3, 1 }],
        [new[] { 5 }, Array.Empty<int>()],
    ];

    [TestMethod]
    [DynamicData(nameof(BroadcastPairs))]
    public void AddSubtractMultiplyWithBroadcasting(int[] sa, int[] sb)
    {
        GradCheck.Check(x => Ops.Add(x[0], x[1]), [GradCheck.Rand(_r, sa), GradCheck.Rand(_r, sb)]);
        GradCheck.Check(x => Ops.Subtract(x[0], x[1]), [GradCheck.Rand(_r, sa), GradCheck.Rand(_r, sb)]);
        GradCheck.Check(x => Ops.Multiply(x[0], x[1]), [GradCheck.Rand(_r, sa), GradCheck.Rand(_r, sb)]);
    }

    [TestMethod]
    [DynamicData(nameof(BroadcastPairs))]
    public void DivideWithBroadcasting(int[] sa, int[] sb)
    {
        var b = Map(GradCheck.Rand(_r, sb), v => 1 + MathF.Abs(v));
        GradCheck.Check(x => Ops.Divide(x[0], x[1]), [GradCheck.Rand(_r, sa), b]);
    }

    [TestMethod]
    public void MaximumAndMinimum()
    {
        GradCheck.Check(x => Ops.Maximum(x[0], x[1]), [GradCheck.RandAwayFromKinks(_r, 3, 4), GradCheck.Rand(_r, 4)], eps: 1e-3f);
        GradCheck.Check(x => Ops.Minimum(x[0], x[1]), [GradCheck.RandAwayFromKinks(_r, 3, 4), GradCheck.Rand(_r, 4)], eps: 1e-3f);
    }

    [TestMethod]
    public void PowWithTensorExponent()
    {
        var a = Tensor.Uniform(new Shape(3, 4), 0.5f, 2f, _r);
        GradCheck.Check(x => Ops.Pow(x[0], x[1]), [a, GradCheck.Rand(_r, 4)], eps: 1e-3f);
    }

    public static IEnumerable<object[]> UnaryOps() =>
    [
        ["neg"], ["exp"], ["log"], ["sqrt"], ["square"], ["abs"], ["pow3"], ["clip"],
        ["relu"], ["leaky_relu"], ["elu"], ["selu"], ["gelu"], ["gelu_exact"], ["sigmoid"], ["hard_sigmoid"],
        ["tanh"], ["softplus"], ["softsign"], ["swish"],
    ];

    private static Tensor Apply(string op, Tensor x) => op switch
    {
        "neg" => Ops.Negate(x),
        "exp" => Ops.Exp(x),
        "log" => Ops.Log(x),
        "sqrt" => Ops.Sqrt(x),
        "square" => Ops.Square(x),
        "abs" => Ops.Abs(x),
        "pow3" => Ops.Pow(x, 3),
        "clip" => Ops.Clip(x, -0.5f, 0.5f),
        "relu" => Ops.Relu(x),
        "leaky_relu" => Ops.LeakyRelu(x),
        "elu" => Ops.Elu(x),
        "selu" => Ops.Selu(x),
        "gelu" => Ops.Gelu(x),
        "gelu_exact" => Ops.Gelu(x, approximate: false),
        "sigmoid" => Ops.Sigmoid(x),
        "hard_sigmoid" => Ops.HardSigmoid(x),
        "tanh" => Ops.Tanh(x),
        "softplus" => Ops.Softplus(x),
        "softsign" => Ops.Softsign(x),
        "swish" => Ops.Swish(x),
        _ => throw new ArgumentException(op),
    };

    [TestMethod]
    [DynamicData(nameof(UnaryOps))]
    public void UnaryGradient(string op)
    {
        var x = GradCheck.RandAwayFromKinks(_r, 4, 9);
        if (op is "log" or "sqrt") x = Map(x, v => MathF.Abs(v) + 0.2f);
        if (op == "hard_sigmoid") x = Map(x, v => v * 4); // cover both flat regions and the slope
        // keep clear of the clip edges, where the derivative jumps
        if (op == "clip") x = Map(x, v => MathF.Abs(MathF.Abs(v) - 0.5f) < 0.05f ? v * 0.8f : v);
        GradCheck.Check(t => Apply(op, t[0]), [x], eps: 1e-3f);
    }

    /// <summary>A new tensor of <paramref name="t"/>'s shape holding <paramref name="f"/> of each element (through a host copy).</summary>
    private static Tensor Map(Tensor t, Func<float, float> f) => Tensor.FromArray([.. t.ToArray().Select(f)], t.Shape);

    [TestMethod]
    public void ActivationValuesMatchDefinitions()
    {
        var x = Tensor.FromArray(new float[] { -3f, -1f, 0f, 0.5f, 2f });
        float[] v = x.ToArray();
        CollectionAssert.AreEqual(v.Select(a => MathF.Max(a, 0)).ToArray(), Ops.Relu(x).ToArray());
        AssertClose(v.Select(a => a >= 0 ? a : 0.2f * a), Ops.LeakyRelu(x));
        AssertClose(v.Select(a => 1 / (1 + MathF.Exp(-a))), Ops.Sigmoid(x));
        AssertClose(v.Select(a => Math.Clamp(a / 6 + 0.5f, 0, 1)), Ops.HardSigmoid(x));
        AssertClose(v.Select(a => MathF.Log(1 + MathF.Exp(a))), Ops.Softplus(x));
        AssertClose(v.Select(a => a > 0 ? 1.0507009873554805f * a : 1.0507009873554805f * 1.6732632423543772f * (MathF.Exp(a) - 1)), Ops.Selu(x));
        // exact GELU at known points: x·Φ(x)
        AssertClose([-0.00404969f, -0.15865526f, 0f, 0.34573123f, 1.95449974f], Ops.Gelu(x, approximate: false));
        AssertClose(v.Select(a => a / (1 + MathF.Exp(-a))), Ops.Swish(x));
    }

    private static void AssertClose(IEnumerable<float> expected, Tensor actual)
    {
        var e = expected.ToArray();
        var a = actual.ToArray();
        for (int i = 0; i < e.Length; i++) Assert.AreEqual(e[i], a[i], 1e-5f, $"element {i}");
    }

    [TestMethod]
    public void SoftplusIsStableForLargeInputs()
    {
        var y = Ops.Softplus(Tensor.FromArray(new float[] { -100f, 100f })).ToArray();
        Assert.AreEqual(0f, y[0], 1e-6f);
        Assert.AreEqual(100f, y[1], 1e-4f);
    }

    [TestMethod]
    public void IncompatibleShapesNameBothShapes()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => Ops.Add(Tensor.Zeros(new Shape(2, 32)), Tensor.Zeros(new Shape(2, 64))));
        StringAssert.Contains(ex.Message, "(2, 32)");
        StringAssert.Contains(ex.Message, "(2, 64)");
    }
}
