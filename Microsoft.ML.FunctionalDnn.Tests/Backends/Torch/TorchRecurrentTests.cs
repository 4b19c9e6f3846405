using Microsoft.ML.FunctionalDnn.Backends;
using Microsoft.ML.FunctionalDnn.Tests.OpTests;
using Microsoft.ML.FunctionalDnn.TorchSharp;

namespace Microsoft.ML.FunctionalDnn.Tests.Backends.Torch;

/// <summary>Every test of <see cref="RecurrentTests"/>, on the torch backend.</summary>
[TestClass]
public sealed class TorchRecurrentTests : RecurrentTests
{
    protected override string BackendName => "torch";
}

/// <summary>Every test of <see cref="RecurrentMaskTests"/>, on the torch backend.</summary>
[TestClass]
public sealed class TorchRecurrentMaskTests : RecurrentMaskTests
{
    protected override string BackendName => "torch";
}

/// <summary>
/// The torch backend's Lstm, Gru and SimpleRnn against the managed engine's on the same host inputs:
/// outputs, final states and the gradients of every input, for each combination of options.
/// </summary>
[TestClass]
public sealed class TorchRecurrentParityTests : BackendTestBase
{
    private const int Batch = 5, Steps = 7, Features = 3, Units = 4;

    // Holes in the middle, left padding, nothing masked, right padding after a hole, everything masked.
    private static readonly int[,] MaskValues =
    {
        { 1, 1, 0, 1, 0, 0, 1 },
        { 0, 0, 0, 1, 1, 1, 1 },
        { 1, 1, 1, 1, 1, 1, 1 },
        { 1, 0, 1, 1, 1, 0, 0 },
        { 0, 0, 0, 0, 0, 0, 0 },
    };

    protected override string BackendName => "torch";

    private enum MaskKind { None, Float, Int }

    /// <summary>One run's results, as host arrays: the output, the final states, then the gradient of each input (null where it has none).</summary>
    private sealed record Results(float[] Output, float[][] States, float[]?[] Grads);

    [TestMethod]
    [DataRow("lstm")]
    [DataRow("gru")]
    [DataRow("rnn")]
    public void MatchesTheManagedEngine(string op)
    {
        int compared = 0;
        foreach (bool returnSequences in new[] { false, true })
            foreach (bool goBackwards in new[] { false, true })
                foreach (bool initialStates in new[] { false, true })
                    foreach (bool useBias in new[] { true, false })
                        foreach (var mask in new[] { MaskKind.None, MaskKind.Float, MaskKind.Int })
                        {
                            string where = $"{op} returnSequences={returnSequences} goBackwards={goBackwards} initialStates={initialStates} bias={useBias} mask={mask}";
                            var host = HostInputs(op, seed: compared);
                            long fusedBefore = TorchBackend.FusedRecurrentRuns;
                            var torch = Run(op, host, returnSequences, goBackwards, initialStates, useBias, mask);
                            // Unmasked calls take libtorch's fused kernels, masked ones the step loop.
                            Assert.AreEqual(mask == MaskKind.None ? 1 : 0, TorchBackend.FusedRecurrentRuns - fusedBefore, $"{where}: fused runs");
                            Results managed;
                            using (TestBackends.Use("managed")) managed = Run(op, host, returnSequences, goBackwards, initialStates, useBias, mask);
                            AssertClose(managed.Output, torch.Output, $"{where}: output");
                            for (int s = 0; s < managed.States.Length; s++) AssertClose(managed.States[s], torch.States[s], $"{where}: state {s}");
                            Assert.AreEqual(managed.Grads.Length, torch.Grads.Length);
                            for (int i = 0; i < managed.Grads.Length; i++)
                            {
                                Assert.AreEqual(managed.Grads[i] is null, torch.Grads[i] is null, $"{where}: gradient of input {i} present on one backend only");
                                if (managed.Grads[i] is { } g) AssertClose(g, torch.Grads[i]!, $"{where}: gradient of input {i}");
                            }
                            compared++;
                        }
        Assert.AreEqual(48, compared);
    }

    [TestMethod]
    [DataRow("lstm")]
    [DataRow("gru")]
    [DataRow("rnn")]
    public void TheFusedKernelsMatchTheStepLoop(string op)
    {
        int compared = 0;
        foreach (bool returnSequences in new[] { false, true })
            foreach (bool goBackwards in new[] { false, true })
                foreach (bool initialStates in new[] { false, true })
                    foreach (bool useBias in new[] { true, false })
                    {
                        string where = $"{op} returnSequences={returnSequences} goBackwards={goBackwards} initialStates={initialStates} bias={useBias}";
                        var host = HostInputs(op, seed: 50 + compared);
                        long fusedBefore = TorchBackend.FusedRecurrentRuns;
                        var fused = Run(op, host, returnSequences, goBackwards, initialStates, useBias, MaskKind.None);
                        Assert.AreEqual(1, TorchBackend.FusedRecurrentRuns - fusedBefore, $"{where}: the fused path ran");
                        Results loop;
                        TorchBackend.UseFusedRecurrent = false;
                        try
                        {
                            loop = Run(op, host, returnSequences, goBackwards, initialStates, useBias, MaskKind.None);
                        }
                        finally
                        {
                            TorchBackend.UseFusedRecurrent = true;
                        }
                        Assert.AreEqual(fusedBefore + 1, TorchBackend.FusedRecurrentRuns, $"{where}: the loop ran with the switch off");
                        AssertClose(loop.Output, fused.Output, $"{where}: output");
                        for (int s = 0; s < loop.States.Length; s++) AssertClose(loop.States[s], fused.States[s], $"{where}: state {s}");
                        for (int i = 0; i < loop.Grads.Length; i++)
                        {
                            Assert.AreEqual(loop.Grads[i] is null, fused.Grads[i] is null, $"{where}: gradient of input {i} present on one path only");
                            if (loop.Grads[i] is { } g) AssertClose(g, fused.Grads[i]!, $"{where}: gradient of input {i}");
                        }
                        compared++;
                    }
        Assert.AreEqual(16, compared);
    }

    [TestMethod]
    public void ASharedLstmAppliedTwiceTakesOneBackward()
    {
        // The same weights on two inputs, then one backward through both calls: each call's saved
        // parameters must still be intact when its backward runs.
        var host = HostInputs("lstm", seed: 7);
        var second = HostInputs("lstm", seed: 8);
        float[][] Grads()
        {
            var w = Tensor.FromArray(host["kernel"], new Shape(Features, 4 * Units));
            var u = Tensor.FromArray(host["recurrentKernel"], new Shape(Units, 4 * Units));
            var b = Tensor.FromArray(host["bias"], new Shape(4 * Units));
            var x1 = Tensor.FromArray(host["x"], new Shape(Batch, Steps, Features));
            var x2 = Tensor.FromArray(second["x"], new Shape(Batch, Steps, Features));
            Tensor[] inputs = [w, u, b, x1, x2];
            foreach (var t in inputs) t.RequiresGrad = true;
            var first = Ops.Lstm(x1, w, u, b, returnSequences: true);
            var again = Ops.Lstm(x2, w, u, b, goBackwards: true);
            var loss = Ops.Add(
                Ops.Sum(Ops.Multiply(first.Output, Tensor.FromArray(host["outputWeights"], first.Output.Shape))),
                Ops.Sum(Ops.Multiply(again.Output, Tensor.FromArray(host["hWeights"], again.Output.Shape))));
            loss.Backward();
            return [.. inputs.Select(t => t.Grad!.ToArray())];
        }
        long fusedBefore = TorchBackend.FusedRecurrentRuns;
        var torch = Grads();
        Assert.AreEqual(2, TorchBackend.FusedRecurrentRuns - fusedBefore);
        float[][] managed;
        using (TestBackends.Use("managed")) managed = Grads();
        for (int i = 0; i < managed.Length; i++) AssertClose(managed[i], torch[i], $"gradient of input {i}");
    }

    [TestMethod]
    public void TheFusedPathCanRunBackwardTwiceWithRetainGraph()
    {
        var host = HostInputs("gru", seed: 9);
        float[] Grad(bool fused)
        {
            TorchBackend.UseFusedRecurrent = fused;
            try
            {
                var x = Tensor.FromArray(host["x"], new Shape(Batch, Steps, Features));
                var w = Tensor.FromArray(host["kernel"], new Shape(Features, 3 * Units));
                var u = Tensor.FromArray(host["recurrentKernel"], new Shape(Units, 3 * Units));
                var b = Tensor.FromArray(host["bias"], new Shape(2, 3 * Units));
                u.RequiresGrad = true;
                var loss = Ops.Sum(Ops.Multiply(Ops.Gru(x, w, u, b).Output, Tensor.FromArray(host["hWeights"], new Shape(Batch, Units))));
                loss.Backward(retainGraph: true);
                loss.Backward();
                return u.Grad!.ToArray();
            }
            finally
            {
                TorchBackend.UseFusedRecurrent = true;
            }
        }
        var twice = Grad(fused: true);
        AssertClose(Grad(fused: false), twice, "gradient accumulated over two backward passes");
    }

    [TestMethod]
    public void ASecondBackwardWithoutRetainGraphFailsOnTheFusedPath()
    {
        // libtorch's own nodes refuse a second pass once their saved tensors are freed; the fused
        // node keeps an inner graph, so it refuses by itself (Sum saves nothing and lets the second
        // pass reach it). The failed pass adds nothing to the gradients.
        var (w, u, x) = LstmOperands(seed: 5);
        long fusedBefore = TorchBackend.FusedRecurrentRuns;
        var loss = Ops.Sum(Ops.Lstm(x, w, u, null).Output);
        Assert.AreEqual(1, TorchBackend.FusedRecurrentRuns - fusedBefore);
        loss.Backward();
        var first = w.Grad!.ToArray();
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => loss.Backward());
        StringAssert.Contains(error.Message, "retainGraph: true");
        CollectionAssert.AreEqual(first, w.Grad!.ToArray());
    }

    [TestMethod]
    public void AFailureInsideTheFusedBackwardIsAnExceptionNotACrash()
    {
        // The fused op's backward runs as managed code called by libtorch, where an exception would
        // end the process. Writing into an input that needs a gradient between forward and
        // backward makes libtorch's version check fail inside it (unpacking the saved input): the
        // caller gets libtorch's error, no gradient is written, and the backend keeps working.
        var (w, u, x) = LstmOperands(seed: 4);
        x.RequiresGrad = true;
        long fusedBefore = TorchBackend.FusedRecurrentRuns;
        var loss = Ops.Sum(Ops.Lstm(x, w, u, null).Output);
        Assert.AreEqual(1, TorchBackend.FusedRecurrentRuns - fusedBefore);
        Backend.Current.AssignAdd(x, Tensor.Full(x.Shape, 0.5f));
        var error = Assert.Throws<Exception>(() => loss.Backward());
        StringAssert.Contains(error.Message, "modified by an inplace operation");
        Assert.IsNull(w.Grad, "the failed backward left no gradient");
        Assert.IsNull(x.Grad);

        // The next graph trains as usual, and the failure is not reported twice.
        var again = Ops.Sum(Ops.Lstm(x, w, u, null).Output);
        again.Backward();
        var grad = w.Grad!.ToArray();
        Assert.IsTrue(grad.All(float.IsFinite) && grad.Any(g => g != 0));
        var gradients = Backend.Current.Gradients(Ops.Sum(Ops.Lstm(x, w, u, null).Output), [w, u]);
        Assert.IsNotNull(gradients[0]);
    }

    /// <summary>An LSTM kernel and recurrent kernel that need gradients, and an input that does not.</summary>
    private static (Tensor Kernel, Tensor RecurrentKernel, Tensor X) LstmOperands(int seed)
    {
        var r = new RandomGenerator(seed);
        var w = Tensor.Uniform(new Shape(Features, 4 * Units), -0.3f, 0.3f, r);
        var u = Tensor.Uniform(new Shape(Units, 4 * Units), -0.3f, 0.3f, r);
        var x = Tensor.Uniform(new Shape(Batch, Steps, Features), -1, 1, r);
        w.RequiresGrad = true;
        u.RequiresGrad = true;
        return (w, u, x);
    }

    [TestMethod]
    public void FusedStepsLeaveNoLibtorchTensorAlive()
    {
        // 100 training-like steps (forward, backward, each in its scope) through the fused Lstm: the
        // module, its parameters, the inner graph and the saved tensors all go with each step.
        var r = new RandomGenerator(6);
        var w = Tensor.Uniform(new Shape(16, 4 * 32), -0.3f, 0.3f, r);
        var u = Tensor.Uniform(new Shape(32, 4 * 32), -0.3f, 0.3f, r);
        var b = Tensor.Uniform(new Shape(4 * 32), -0.3f, 0.3f, r);
        var x = Tensor.Uniform(new Shape(8, 30, 16), -1, 1, r);
        foreach (var t in new[] { w, u, b }) t.RequiresGrad = true;
        void Step()
        {
            using var scope = Backend.Current.BeginScope()!;
            var result = Ops.Lstm(x, w, u, b, returnSequences: true, goBackwards: true);
            Assert.AreEqual(3, scope.Count, "the output and the final h and c");
            // Every output reaches the loss: TorchSharp counts the wrapper of an undefined incoming
            // gradient as a live tensor forever (a count without memory), which would blur the check.
            var loss = Ops.Add(Ops.Sum(result.Output), Ops.Add(Ops.Sum(result.States[0]), Ops.Sum(result.States[1])));
            var grads = Backend.Current.Gradients(loss, [w, u, b]);
            Assert.IsNotNull(grads[1]);
        }
        long fusedBefore = TorchBackend.FusedRecurrentRuns;
        Step();
        long live = LiveTensors();
        for (int i = 0; i < 100; i++) Step();
        Assert.AreEqual(101, TorchBackend.FusedRecurrentRuns - fusedBefore);
        Assert.AreEqual(live, LiveTensors(), $"libtorch tensors alive after 100 more steps (was {live})");
    }

    private static long LiveTensors()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return global::TorchSharp.torch.Tensor.TotalCount;
    }

    [TestMethod]
    public void ALongSequenceLeavesOnlyItsResultsInTheCallersScope()
    {
        // 200 steps: every step's temporaries are freed inside the op, not left to the caller's scope.
        var r = new RandomGenerator(4);
        var p = new[]
        {
            Tensor.Uniform(new Shape(8, 200, 16), -1, 1, r), Tensor.Uniform(new Shape(16, 128), -1, 1, r),
            Tensor.Uniform(new Shape(32, 128), -1, 1, r), Tensor.Uniform(new Shape(128), -1, 1, r),
        };
        foreach (var t in p) t.RequiresGrad = true;
        var mask = Tensor.FromArray(Enumerable.Range(0, 8 * 200).Select(i => i % 7 == 3 ? 0 : 1).ToArray(), new Shape(8, 200));
        using var scope = Backend.Current.BeginScope()!;
        var result = Ops.Lstm(p[0], p[1], p[2], p[3], returnSequences: true, goBackwards: true, mask: mask);
        Assert.AreEqual(3, scope.Count, "the output and the final h and c");
        Assert.AreEqual(new Shape(8, 200, 32), result.Output.Shape);
        Ops.Sum(result.Output).Backward();
        Assert.IsNotNull(p[2].Grad);
    }

    [TestMethod]
    public void NoStepsKeepsTheInitialStates()
    {
        var h = Tensor.FromArray([1f, 2, 3, 4], new Shape(2, 2));
        var c = Tensor.FromArray([5f, 6, 7, 8], new Shape(2, 2));
        var result = Ops.Lstm(Tensor.Zeros(new Shape(2, 0, 3)), Tensor.Zeros(new Shape(3, 8)), Tensor.Zeros(new Shape(2, 8)),
            initialH: h, initialC: c, returnSequences: true);
        Assert.AreEqual(new Shape(2, 0, 2), result.Output.Shape);
        CollectionAssert.AreEqual(h.ToArray(), result.States[0].ToArray());
        CollectionAssert.AreEqual(c.ToArray(), result.States[1].ToArray());
    }

    private static Dictionary<string, float[]> HostInputs(string op, int seed)
    {
        int gates = Gates(op);
        var r = new RandomGenerator(100 + seed);
        float[] Rand(int n) => Enumerable.Range(0, n).Select(_ => r.NextFloat() * 2 - 1).ToArray();
        return new()
        {
            ["x"] = Rand(Batch * Steps * Features),
            ["kernel"] = Rand(Features * gates * Units),
            ["recurrentKernel"] = Rand(Units * gates * Units),
            ["bias"] = Rand((op == "gru" ? 2 : 1) * gates * Units),
            ["h"] = Rand(Batch * Units),
            ["c"] = Rand(Batch * Units),
            ["outputWeights"] = Rand(Batch * Steps * Units),
            ["hWeights"] = Rand(Batch * Units),
            ["cWeights"] = Rand(Batch * Units),
        };
    }

    private static int Gates(string op) => op == "lstm" ? 4 : op == "gru" ? 3 : 1;

    /// <summary>Runs the op on the current backend and back-propagates Σ output ⊙ R + Σ state ⊙ R' (distinct random weights).</summary>
    private static Results Run(string op, Dictionary<string, float[]> host, bool returnSequences, bool goBackwards, bool initialStates, bool useBias, MaskKind maskKind)
    {
        int width = Gates(op) * Units;
        var x = Tensor.FromArray(host["x"], new Shape(Batch, Steps, Features));
        var w = Tensor.FromArray(host["kernel"], new Shape(Features, width));
        var u = Tensor.FromArray(host["recurrentKernel"], new Shape(Units, width));
        var b = useBias ? Tensor.FromArray(host["bias"], op == "gru" ? new Shape(2, width) : new Shape(width)) : null;
        var h = initialStates ? Tensor.FromArray(host["h"], new Shape(Batch, Units)) : null;
        var c = initialStates && op == "lstm" ? Tensor.FromArray(host["c"], new Shape(Batch, Units)) : null;
        Tensor?[] inputs = [x, w, u, b, h, c];
        foreach (var t in inputs) if (t is not null) t.RequiresGrad = true;
        var mask = maskKind switch
        {
            MaskKind.Float => Tensor.FromArray(Enumerable.Range(0, Batch * Steps).Select(i => (float)MaskValues[i / Steps, i % Steps]).ToArray(), new Shape(Batch, Steps)),
            MaskKind.Int => Tensor.FromArray(MaskValues),
            _ => null,
        };
        var result = op switch
        {
            "lstm" => Ops.Lstm(x, w, u, b, h, c, returnSequences, goBackwards, mask),
            "gru" => Ops.Gru(x, w, u, b, h, returnSequences, goBackwards, mask),
            _ => Ops.SimpleRnn(x, w, u, b, h, returnSequences, goBackwards, mask),
        };
        var outputWeights = Tensor.FromArray(host["outputWeights"][..result.Output.Size], result.Output.Shape);
        var loss = Ops.Sum(Ops.Multiply(result.Output, outputWeights));
        string[] stateWeights = ["hWeights", "cWeights"];
        for (int s = 0; s < result.States.Count; s++)
            loss = Ops.Add(loss, Ops.Sum(Ops.Multiply(result.States[s], Tensor.FromArray(host[stateWeights[s]], new Shape(Batch, Units)))));
        loss.Backward();
        return new Results(
            result.Output.ToArray(),
            [.. result.States.Select(s => s.ToArray())],
            [.. inputs.Select(t => t?.Grad?.ToArray())]);
    }

    /// <summary>Equal within 1e-4 relative (absolute below magnitude 1).</summary>
    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.AreEqual(expected.Length, actual.Length, $"{what}: length");
        for (int i = 0; i < expected.Length; i++)
            Assert.AreEqual(expected[i], actual[i], 1e-4 * Math.Max(1, Math.Abs(expected[i])), $"{what}, element {i}: managed {expected[i]}, torch {actual[i]}");
    }
}
