// Lstm, Gru and SimpleRnn as a loop over the steps, built from libtorch ops and differentiated by
// libtorch's autograd: one GEMM projects every step's input (x·W + b), then each step is one GEMM
// (h·U) and a few element-wise kernels on slices of it.
//
// This loop runs masked calls (Keras's masks may have holes anywhere, PyTorch packs right-padded
// sequences only) and sequences of no step or no sample; unmasked calls take libtorch's own kernels
// through FusedRecurrent.cs, unless TorchBackend.UseFusedRecurrent is off on the thread.
using Microsoft.ML.FunctionalDnn.Backends;
using TorchSharp;
using static Microsoft.ML.FunctionalDnn.Backends.OpChecks;
using TT = TorchSharp.torch.Tensor;

namespace Microsoft.ML.FunctionalDnn.TorchSharp;

// The fused recurrent ops, with the managed engine's semantics: Keras 3's layouts and gate orders,
// initial states, returned sequences in processing order, go_backwards, and (batch, steps) masks
// whose zero steps leave every state (and so the output) as it was.
internal sealed partial class TorchBackend
{
    /// <summary>
    /// One step of a cell: from the step's projected input x·W + b (batch, gates·units), the states
    /// before it (h first) and the recurrent kernel, the states after it. <paramref name="recurrentBias"/>
    /// is the second bias row of a (2, gates·units) bias (Gru's reset_after), else null.
    /// </summary>
    private delegate TT[] RecurrentCell(TT projected, TT[] states, TT recurrentKernel, TT? recurrentBias);

    public RecurrentResult Lstm(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor? bias, Tensor? initialH, Tensor? initialC, bool returnSequences, bool goBackwards, Tensor? mask) =>
        Recur(nameof(Lstm), x, kernel, recurrentKernel, bias, gates: 4, biasRows: 1, [(initialH, "state h"), (initialC, "state c")], returnSequences, goBackwards, mask,
            (xw, s, u, _) =>
            {
                // Gates [i f c o]: one sigmoid over the whole row (its c block unused), tanh on the c block.
                var z = xw.addmm(s[0], u);
                int units = (int)s[0].shape[1];
                var sig = z.sigmoid();
                var g = z.narrow(1, 2 * units, units).tanh();
                var c = (sig.narrow(1, units, units) * s[1]).addcmul(sig.narrow(1, 0, units), g, 1);
                return [sig.narrow(1, 3 * units, units) * c.tanh(), c];
            });

    public RecurrentResult Gru(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor? bias, Tensor? initialH, bool returnSequences, bool goBackwards, Tensor? mask) =>
        Recur(nameof(Gru), x, kernel, recurrentKernel, bias, gates: 3, biasRows: 2, [(initialH, "state h")], returnSequences, goBackwards, mask,
            (xw, s, u, recurrentBias) =>
            {
                // reset_after: r multiplies the recurrent part hU_h + b'_h, not h.
                var h = s[0];
                int units = (int)h.shape[1];
                var rec = recurrentBias is null ? h.mm(u) : recurrentBias.addmm(h, u);
                var zr = (xw.narrow(1, 0, 2 * units) + rec.narrow(1, 0, 2 * units)).sigmoid();
                var candidate = xw.narrow(1, 2 * units, units).addcmul(zr.narrow(1, units, units), rec.narrow(1, 2 * units, units), 1).tanh();
                // ĥ + z ⊙ (h - ĥ)
                return [candidate.lerp(h, zr.narrow(1, 0, units))];
            });

    public RecurrentResult SimpleRnn(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor? bias, Tensor? initialH, bool returnSequences, bool goBackwards, Tensor? mask) =>
        Recur(nameof(SimpleRnn), x, kernel, recurrentKernel, bias, gates: 1, biasRows: 1, [(initialH, "state h")], returnSequences, goBackwards, mask,
            (xw, s, u, _) => [xw.addmm(s[0], u).tanh()]);

    /// <summary>
    /// What the three ops share: the managed engine's checks and messages, the input projection of
    /// all steps in one GEMM, the loop (masked steps keep every state), the sequence output and the
    /// final states. Each step's temporaries are freed when the step ends (autograd keeps what
    /// backward needs); everything else the op made is freed when it returns.
    /// </summary>
    private RecurrentResult Recur(string op, Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor? bias, int gates, int biasRows,
        (Tensor? Value, string Name)[] initialStates, bool returnSequences, bool goBackwards, Tensor? mask, RecurrentCell cell)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(kernel);
        ArgumentNullException.ThrowIfNull(recurrentKernel);
        RequireFloat(x, op);
        RequireRank(x, 3, op, "(batch, steps, features)");
        int batch = x.Shape[0], steps = x.Shape[1], features = x.Shape[2];
        int units = recurrentKernel.Shape[0], width = gates * units;
        if (recurrentKernel.Rank != 2 || recurrentKernel.Shape[1] != width)
            throw new ArgumentException($"{op}: the recurrent kernel must be (units, {gates}·units); received {recurrentKernel.Shape}.");
        if (kernel.Rank != 2 || kernel.Shape[0] != features || kernel.Shape[1] != width)
            throw new ArgumentException($"{op}: the kernel must be ({features}, {width}) for {features} input features and {units} units; received {kernel.Shape}.");
        if (bias is not null && bias.Size != biasRows * width)
            throw new ArgumentException($"{op}: the bias must hold {biasRows * width} values ({(biasRows == 1 ? "" : $"{biasRows} × ")}{gates}·units); received {bias.Shape}.");
        if (mask is not null && mask.Shape != new Shape(batch, steps))
            throw new ArgumentException($"{op}: the mask must be (batch, steps) = ({batch}, {steps}); received {mask.Shape}.");
        foreach (var (value, name) in initialStates)
            if (value is not null && value.Shape != new Shape(batch, units))
                throw new ArgumentException($"{op}: the initial {name} must be ({batch}, {units}); received {value.Shape}.");

        // Without a mask (and with something to run), libtorch's own kernels: FusedRecurrent.cs.
        if (mask is null && batch > 0 && steps > 0 && UseFusedRecurrent)
            return RecurFused(op, x, kernel, recurrentKernel, bias, initialStates, returnSequences, goBackwards);

        using var opScope = torch.NewDisposeScope();
        var u = T(recurrentKernel);
        var b = bias is null ? null : T(bias).reshape(-1);
        // Time-major rows, so that step t's projection is one contiguous (batch, width) block; unbind
        // (one autograd node for all steps) rather than a select per step, whose backward would
        // each allocate a gradient of the whole projection.
        var rows = T(x).transpose(0, 1).reshape(steps * batch, features);
        var projected = b is null ? rows.mm(T(kernel)) : b.narrow(0, 0, width).addmm(rows, T(kernel));
        var perStep = projected.view(steps, batch, width).unbind(0);
        var recurrentBias = b is not null && biasRows == 2 ? b.narrow(0, width, width) : null;
        // Per time index, (batch, 1): true where the sample takes the step.
        var keep = mask is null ? null : T(mask).ne(0).t().unsqueeze(2).unbind(0);

        var states = new TT[initialStates.Length];
        for (int i = 0; i < states.Length; i++)
            states[i] = initialStates[i].Value is { } given ? T(given) : torch.zeros([batch, units], torch.ScalarType.Float32, TorchDevice);
        var outputs = returnSequences ? new TT[steps] : null;
        for (int s = 0; s < steps; s++)
        {
            int t = goBackwards ? steps - 1 - s : s;
            TT[] next;
            using (var stepScope = torch.NewDisposeScope())
            {
                next = cell(perStep[t], states, u, recurrentBias);
                if (keep is not null)
                    for (int i = 0; i < next.Length; i++) next[i] = next[i].where(keep[t], states[i]);
                stepScope.MoveToOuter(next);
            }
            // The states of the previous step are no longer needed here, unless h is a sequence output
            // (autograd holds its own references); the initial ones belong to the caller or the op.
            if (s > 0)
                for (int i = outputs is null ? 0 : 1; i < states.Length; i++) states[i].Dispose();
            states = next;
            if (outputs is not null) outputs[s] = states[0];
        }

        // Aliases: new handles on the final states, distinct from each other and from the caller's
        // initial states (which are the final ones when there are no steps).
        var finals = Array.ConvertAll(states, s => s.alias());
        var output = outputs is null ? states[0].alias()
            : steps == 0 ? torch.zeros([batch, 0, units], torch.ScalarType.Float32, TorchDevice)
            : torch.stack(outputs, 1);
        opScope.MoveToOuter([output, .. finals]);
        return new RecurrentResult(Wrap(output), Array.ConvertAll(finals, Wrap));
    }
}
