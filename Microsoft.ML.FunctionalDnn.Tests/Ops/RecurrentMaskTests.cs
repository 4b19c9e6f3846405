using Microsoft.ML.FunctionalDnn.Tests.Backends;

namespace Microsoft.ML.FunctionalDnn.Tests.OpTests;

/// <summary>Masked steps of the fused recurrent ops (Keras semantics: a skipped step keeps the states); rerun on torch by TorchRecurrentMaskTests.</summary>
[TestClass]
public class RecurrentMaskTests : BackendTestBase
{
    private readonly RandomGenerator _r = new(91);

    // Sample 0 skips steps 1 and 4 (the last); sample 1 skips nothing; sample 2 skips the first two.
    private static readonly float[,] MaskValues = { { 1, 0, 1, 1, 0 }, { 1, 1, 1, 1, 1 }, { 0, 0, 1, 1, 1 } };

    private static Tensor Mask() => Tensor.FromArray(MaskValues);

    private delegate RecurrentResult RunOp(Tensor x, Tensor? mask, bool returnSequences, bool goBackwards);

    private RunOp Make(string op, int features, int units)
    {
        int gates = op == "lstm" ? 4 : op == "gru" ? 3 : 1;
        var w = GradCheck.Rand(_r, features, gates * units);
        var u = GradCheck.Rand(_r, units, gates * units);
        var b = op == "gru" ? GradCheck.Rand(_r, 2, 3 * units) : GradCheck.Rand(_r, gates * units);
        return op switch
        {
            "lstm" => (x, m, seq, back) => Ops.Lstm(x, w, u, b, returnSequences: seq, goBackwards: back, mask: m),
            "gru" => (x, m, seq, back) => Ops.Gru(x, w, u, b, returnSequences: seq, goBackwards: back, mask: m),
            _ => (x, m, seq, back) => Ops.SimpleRnn(x, w, u, b, returnSequences: seq, goBackwards: back, mask: m),
        };
    }

    [TestMethod]
    [DataRow("lstm", false)]
    [DataRow("lstm", true)]
    [DataRow("gru", false)]
    [DataRow("gru", true)]
    [DataRow("rnn", false)]
    [DataRow("rnn", true)]
    public void MaskedStepsAreAsIfRemoved(string op, bool goBackwards)
    {
        var run = Make(op, features: 3, units: 4);
        var x = GradCheck.Rand(_r, 3, 5, 3);
        var masked = run(x, Mask(), returnSequences: true, goBackwards);
        for (int b = 0; b < 3; b++)
        {
            var kept = Enumerable.Range(0, 5).Where(t => MaskValues[b, t] != 0).ToArray();
            var sample = Ops.Take(Ops.Slice(x, 0, b, 1), Tensor.FromArray(kept), axis: 1);
            var alone = run(sample, null, returnSequences: false, goBackwards);
            for (int s = 0; s < alone.States.Count; s++)
                for (int j = 0; j < 4; j++)
                    Assert.AreEqual(alone.States[s][0, j], masked.States[s][b, j], 1e-5f, $"{op} sample {b} state {s}");
        }
        // A skipped step repeats the previous output (in processing order).
        int skipped = goBackwards ? 0 : 1; // processing index of time 3 (backwards) or 1 (forwards) for sample 0
        int previous = skipped == 0 ? -1 : skipped - 1;
        if (previous >= 0)
            for (int j = 0; j < 4; j++) Assert.AreEqual(masked.Output[0, previous, j], masked.Output[0, skipped, j]);
    }

    [TestMethod]
    [DataRow("lstm")]
    [DataRow("gru")]
    [DataRow("rnn")]
    public void MaskedGradients(string op)
    {
        int gates = op == "lstm" ? 4 : op == "gru" ? 3 : 1;
        var mask = Mask();
        Tensor[] inputs = [GradCheck.Rand(_r, 3, 5, 2), GradCheck.Rand(_r, 2, gates * 2), GradCheck.Rand(_r, 2, gates * 2),
            op == "gru" ? GradCheck.Rand(_r, 2, 6) : GradCheck.Rand(_r, gates * 2)];
        RecurrentResult Run(Tensor[] p, bool seq) => op switch
        {
            "lstm" => Ops.Lstm(p[0], p[1], p[2], p[3], returnSequences: seq, mask: mask),
            "gru" => Ops.Gru(p[0], p[1], p[2], p[3], returnSequences: seq, mask: mask),
            _ => Ops.SimpleRnn(p[0], p[1], p[2], p[3], returnSequences: seq, mask: mask),
        };
        GradCheck.Check(p => Run(p, true).Output, inputs, eps: 1e-3f);
        GradCheck.Check(p => Run(p, false).Output, inputs, eps: 1e-3f);
    }

    [TestMethod]
    public void MaskOfTheWrongShapeNamesBothShapes()
    {
        var run = Make("lstm", 3, 2);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => run(GradCheck.Rand(_r, 3, 5, 3), Tensor.Ones(new Shape(3, 4)), false, false));
        StringAssert.Contains(ex.Message, "(3, 5)");
        StringAssert.Contains(ex.Message, "(3, 4)");
    }
}
