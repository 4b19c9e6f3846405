using Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

namespace Microsoft.ML.FunctionalDnn.Tests.Kernels;

/// <summary>Every element-wise kernel over every length 0…300 (vector bodies and all tail sizes) against a scalar reference.</summary>
[TestClass]
public sealed class ElementwiseKernelSweepTests
{
    private static readonly (string Name, IUnaryOperator Op, Func<float, float> F, Func<float, float, float> D, float Lo, float Hi)[] Unary =
    [
        ("exp", new ExpOperator(), MathF.Exp, (x, y) => y, -3, 3),
        ("log", new LogOperator(), MathF.Log, (x, y) => 1 / x, 0.1f, 3),
        ("sqrt", new SqrtOperator(), MathF.Sqrt, (x, y) => 0.5f / y, 0.1f, 3),
        ("square", new SquareOperator(), x => x * x, (x, y) => 2 * x, -3, 3),
        ("negate", new NegateOperator(), x => -x, (x, y) => -1, -3, 3),
        ("abs", new AbsOperator(), MathF.Abs, (x, y) => MathF.Sign(x), -3, 3),
        ("relu", new ReluOperator(), x => MathF.Max(x, 0), (x, y) => x > 0 ? 1 : 0, -3, 3),
        ("sigmoid", new SigmoidOperator(), x => 1 / (1 + MathF.Exp(-x)), (x, y) => y * (1 - y), -6, 6),
        ("tanh", new TanhOperator(), MathF.Tanh, (x, y) => 1 - y * y, -4, 4),
        ("clip", new ClipOperator(-1, 1), x => Math.Clamp(x, -1, 1), (x, y) => x >= -1 && x <= 1 ? 1 : 0, -3, 3),
        ("pow", new PowScalarOperator(2.5f), x => MathF.Pow(x, 2.5f), (x, y) => 2.5f * MathF.Pow(x, 1.5f), 0.1f, 3),
        ("swish", new ScalarUnary<SwishFunction>(default), x => x / (1 + MathF.Exp(-x)), (x, y) => { float s = 1 / (1 + MathF.Exp(-x)); return s * (1 + x * (1 - s)); }, -5, 5),
    ];

    [TestMethod]
    public void UnaryForwardAndBackwardOverAllLengths()
    {
        var r = new RandomGenerator(1);
        foreach (var (name, op, f, d, lo, hi) in Unary)
        {
            for (int n = 0; n <= 300; n++)
            {
                var x = new float[n];
                var dy = new float[n];
                for (int i = 0; i < n; i++) { x[i] = lo + (hi - lo) * r.NextFloat(); dy[i] = r.NextFloat() * 2 - 1; }
                var y = new float[n];
                var dx = new float[n];
                op.Forward(x, y);
                op.Backward(x, y, dy, dx);
                for (int i = 0; i < n; i++)
                {
                    float ey = f(x[i]);
                    Assert.AreEqual(ey, y[i], 1e-5f * Math.Max(1, Math.Abs(ey)), $"{name} forward, length {n}, element {i}");
                    float edx = dy[i] * d(x[i], ey);
                    Assert.AreEqual(edx, dx[i], 1e-4f * Math.Max(1, Math.Abs(edx)), $"{name} backward, length {n}, element {i}");
                }
            }
        }
    }

    [TestMethod]
    public void BinaryBroadcastRowsOverAllLengths()
    {
        var r = new RandomGenerator(2);
        for (int n = 0; n <= 300; n++)
        {
            var a = Tensor.Uniform(new Shape(3, n), -1, 1, r);
            var row = Tensor.Uniform(new Shape(n), 0.5f, 1.5f, r);
            var col = Tensor.Uniform(new Shape(3, 1), 0.5f, 1.5f, r);
            var sum = Ops.Add(a, row).ToArray();
            var quotient = Ops.Divide(a, col).ToArray();
            var max = Ops.Maximum(a, row).ToArray();
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < n; j++)
                {
                    Assert.AreEqual(a[i, j] + row[j], sum[i * n + j], 1e-6f, $"add length {n}");
                    Assert.AreEqual(a[i, j] / col[i, 0], quotient[i * n + j], 1e-6f, $"divide length {n}");
                    Assert.AreEqual(MathF.Max(a[i, j], row[j]), max[i * n + j], $"maximum length {n}");
                }
        }
    }

    [TestMethod]
    public void ReductionsOverAllLengths()
    {
        var r = new RandomGenerator(3);
        for (int n = 1; n <= 300; n++)
        {
            var x = Tensor.Uniform(new Shape(2, n), -1, 1, r);
            var v = x.ToArray();
            var sums = Ops.Sum(x, 1).ToArray();
            var maxes = Ops.Max(x, 1).ToArray();
            var sm = Ops.Softmax(x).ToArray();
            for (int i = 0; i < 2; i++)
            {
                var rowVals = v.Skip(i * n).Take(n).ToArray();
                Assert.AreEqual(rowVals.Sum(), sums[i], 1e-4f, $"sum length {n}");
                Assert.AreEqual(rowVals.Max(), maxes[i], $"max length {n}");
                double z = rowVals.Sum(t => Math.Exp(t - rowVals.Max()));
                for (int j = 0; j < n; j++) Assert.AreEqual(Math.Exp(rowVals[j] - rowVals.Max()) / z, sm[i * n + j], 1e-6, $"softmax length {n}");
            }
        }
    }
}
