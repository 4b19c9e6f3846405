using Microsoft.ML.FunctionalDnn.Tests.Backends;

namespace Microsoft.ML.FunctionalDnn.Tests.OpTests;

/// <summary>The fused recurrent ops against the same equations written with primitive ops, and their gradients; rerun on torch by TorchRecurrentTests.</summary>
[TestClass]
public class RecurrentTests : BackendTestBase
{
    private readonly RandomGenerator _r = new(21);

    private Tensor[] LstmInputs(int batch = 2, int steps = 3, int features = 3, int units = 2) =>
    [
        GradCheck.Rand(_r, batch, steps, features),
        GradCheck.Rand(_r, features, 4 * units),
        GradCheck.Rand(_r, units, 4 * units),
        GradCheck.Rand(_r, 4 * units),
        GradCheck.Rand(_r, batch, units),
        GradCheck.Rand(_r, batch, units),
    ];

    /// <summary>The Lstm equations written with primitive ops, one step at a time: the oracle for the fused kernel.</summary>
    private static (Tensor Output, Tensor H, Tensor C) ComposedLstm(Tensor[] p, bool returnSequences, bool goBackwards)
    {
        var (x, w, u, b, h, c) = (p[0], p[1], p[2], p[3], p[4], p[5]);
        int steps = x.Shape[1];
        var outputs = new List<Tensor>();
        for (int s = 0; s < steps; s++)
        {
            int t = goBackwards ? steps - 1 - s : s;
            var xt = Ops.Squeeze(Ops.Slice(x, 1, t, 1), 1);
            var z = Ops.Add(Ops.Add(Ops.MatMul(xt, w), Ops.MatMul(h, u)), b);
            var parts = Ops.Split(z, 4, -1);
            var i = Ops.Sigmoid(parts[0]);
            var f = Ops.Sigmoid(parts[1]);
            var g = Ops.Tanh(parts[2]);
            var o = Ops.Sigmoid(parts[3]);
            c = Ops.Add(Ops.Multiply(f, c), Ops.Multiply(i, g));
            h = Ops.Multiply(o, Ops.Tanh(c));
            outputs.Add(h);
        }
        return (returnSequences ? Ops.Stack(outputs, 1) : h, h, c);
    }

    [TestMethod]
    [DataRow(false, false)]
    [DataRow(true, false)]
    [DataRow(false, true)]
    [DataRow(true, true)]
    public void LstmMatchesComposedOps(bool returnSequences, bool goBackwards)
    {
        var p = LstmInputs(batch: 3, steps: 5, features: 4, units: 3);
        var fused = Ops.Lstm(p[0], p[1], p[2], p[3], p[4], p[5], returnSequences, goBackwards);
        var reference = ComposedLstm(p, returnSequences, goBackwards);
        AssertClose(reference.Output, fused.Output);
        AssertClose(reference.H, fused.States[0]);
        AssertClose(reference.C, fused.States[1]);
    }

    [TestMethod]
    [DataRow(false, false)]
    [DataRow(true, false)]
    [DataRow(false, true)]
    [DataRow(true, true)]
    public void LstmGradient(bool returnSequences, bool goBackwards)
    {
        GradCheck.Check(p => Ops.Lstm(p[0], p[1], p[2], p[3], p[4], p[5], returnSequences, goBackwards).Output, LstmInputs(), eps: 1e-3f);
    }

    [TestMethod]
    public void LstmGradientThroughFinalCellState()
    {
        GradCheck.Check(p => Ops.Lstm(p[0], p[1], p[2], p[3], p[4], p[5]).States[1], LstmInputs(), eps: 1e-3f);
    }

    [TestMethod]
    public void LstmWithoutBiasOrInitialStates()
    {
        GradCheck.Check(p => Ops.Lstm(p[0], p[1], p[2], returnSequences: true).Output,
            [GradCheck.Rand(_r, 2, 3, 3), GradCheck.Rand(_r, 3, 8), GradCheck.Rand(_r, 2, 8)], eps: 1e-3f);
    }

    [TestMethod]
    public void WrongKernelShapeNamesExpectedShape()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() =>
            Ops.Lstm(Tensor.Zeros(new Shape(2, 3, 5)), Tensor.Zeros(new Shape(4, 8)), Tensor.Zeros(new Shape(2, 8))));
        StringAssert.Contains(ex.Message, "(5, 8)");
        StringAssert.Contains(ex.Message, "(4, 8)");
    }

    private Tensor[] GruInputs(int batch = 2, int steps = 3, int features = 3, int units = 2) =>
    [
        GradCheck.Rand(_r, batch, steps, features),
        GradCheck.Rand(_r, features, 3 * units),
        GradCheck.Rand(_r, units, 3 * units),
        GradCheck.Rand(_r, 2, 3 * units),
        GradCheck.Rand(_r, batch, units),
    ];

    /// <summary>Keras's Gru (reset_after=True) step by step from primitive ops.</summary>
    private static Tensor ComposedGru(Tensor[] p, bool returnSequences, bool goBackwards)
    {
        var (x, w, u, bias, h) = (p[0], p[1], p[2], p[3], p[4]);
        var inputBias = Ops.Squeeze(Ops.Slice(bias, 0, 0, 1), 0);
        var recurrentBias = Ops.Squeeze(Ops.Slice(bias, 0, 1, 1), 0);
        int steps = x.Shape[1];
        var outputs = new List<Tensor>();
        for (int s = 0; s < steps; s++)
        {
            int t = goBackwards ? steps - 1 - s : s;
            var xt = Ops.Squeeze(Ops.Slice(x, 1, t, 1), 1);
            var xp = Ops.Split(Ops.Add(Ops.MatMul(xt, w), inputBias), 3, -1);
            var hp = Ops.Split(Ops.Add(Ops.MatMul(h, u), recurrentBias), 3, -1);
            var z = Ops.Sigmoid(Ops.Add(xp[0], hp[0]));
            var r = Ops.Sigmoid(Ops.Add(xp[1], hp[1]));
            var hh = Ops.Tanh(Ops.Add(xp[2], Ops.Multiply(r, hp[2])));
            h = Ops.Add(Ops.Multiply(z, h), Ops.Multiply(Ops.Subtract(Tensor.Scalar(1), z), hh));
            outputs.Add(h);
        }
        return returnSequences ? Ops.Stack(outputs, 1) : h;
    }

    private static Tensor ComposedSimpleRnn(Tensor[] p, bool returnSequences, bool goBackwards)
    {
        var (x, w, u, b, h) = (p[0], p[1], p[2], p[3], p[4]);
        int steps = x.Shape[1];
        var outputs = new List<Tensor>();
        for (int s = 0; s < steps; s++)
        {
            int t = goBackwards ? steps - 1 - s : s;
            var xt = Ops.Squeeze(Ops.Slice(x, 1, t, 1), 1);
            h = Ops.Tanh(Ops.Add(Ops.Add(Ops.MatMul(xt, w), Ops.MatMul(h, u)), b));
            outputs.Add(h);
        }
        return returnSequences ? Ops.Stack(outputs, 1) : h;
    }

    private Tensor[] RnnInputs(int batch = 2, int steps = 3, int features = 3, int units = 2) =>
    [
        GradCheck.Rand(_r, batch, steps, features),
        GradCheck.Rand(_r, features, units),
        GradCheck.Rand(_r, units, units),
        GradCheck.Rand(_r, units),
        GradCheck.Rand(_r, batch, units),
    ];

    [TestMethod]
    [DataRow(false, false)]
    [DataRow(true, false)]
    [DataRow(false, true)]
    [DataRow(true, true)]
    public void GruMatchesComposedOpsAndGradients(bool returnSequences, bool goBackwards)
    {
        var p = GruInputs(batch: 3, steps: 4, features: 5, units: 3);
        var fused = Ops.Gru(p[0], p[1], p[2], p[3], p[4], returnSequences, goBackwards);
        AssertClose(ComposedGru(p, returnSequences, goBackwards), fused.Output);
        GradCheck.Check(q => Ops.Gru(q[0], q[1], q[2], q[3], q[4], returnSequences, goBackwards).Output, GruInputs(), eps: 1e-3f);
    }

    [TestMethod]
    [DataRow(false, false)]
    [DataRow(true, false)]
    [DataRow(false, true)]
    [DataRow(true, true)]
    public void SimpleRnnMatchesComposedOpsAndGradients(bool returnSequences, bool goBackwards)
    {
        var p = RnnInputs(batch: 3, steps: 4, features: 5, units: 3);
        var fused = Ops.SimpleRnn(p[0], p[1], p[2], p[3], p[4], returnSequences, goBackwards);
        AssertClose(ComposedSimpleRnn(p, returnSequences, goBackwards), fused.Output);
        GradCheck.Check(q => Ops.SimpleRnn(q[0], q[1], q[2], q[3], q[4], returnSequences, goBackwards).Output, RnnInputs(), eps: 1e-3f);
    }

    [TestMethod]
    public void LongSequenceDoesNotOverflowAndMatchesComposedOps()
    {
        // 3,000 steps of composed ops make a tape ~30,000 nodes deep: backward must not recurse.
        var p = RnnInputs(batch: 1, steps: 3000, features: 2, units: 2);
        var composed = ComposedSimpleRnn(p, returnSequences: false, goBackwards: false);
        foreach (var t in p) t.RequiresGrad = true;
        var y = ComposedSimpleRnn(p, false, false);
        Ops.Sum(y).Backward();
        Assert.IsNotNull(p[1].Grad);
        var fused = Ops.SimpleRnn(p[0], p[1], p[2], p[3], p[4]);
        AssertClose(composed, fused.Output, 1e-4f);
    }

    internal static void AssertClose(Tensor expected, Tensor actual, float tol = 1e-5f)
    {
        Assert.AreEqual(expected.Shape, actual.Shape);
        var e = expected.ToArray();
        var a = actual.ToArray();
        for (int i = 0; i < e.Length; i++) Assert.AreEqual(e[i], a[i], tol, $"element {i}");
    }
}
