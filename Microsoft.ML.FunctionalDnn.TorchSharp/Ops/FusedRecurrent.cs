// Lstm, Gru and SimpleRnn without a mask through libtorch's own recurrent kernels (at::lstm, at::gru,
// at::rnn_tanh, reached through TorchSharp's nn.LSTM / nn.GRU / nn.RNN modules), wrapped in a custom
// autograd function so that the gradients land on our kernel, recurrent kernel, bias and initial
// states, in Keras's layouts. Masked calls stay on the step loop of Recurrent.cs: PyTorch packs
// right-padded sequences only, while Keras's masks may have holes anywhere.
//
// Where the semantics match (checked against the managed engine by TorchRecurrentParityTests):
// - Lstm: Keras's gates i, f, c, o are PyTorch's i, f, g, o; weight_ih = kernelᵀ, weight_hh =
//   recurrent kernelᵀ; Keras's one bias is bias_ih, with bias_hh = 0.
// - Gru: only reset_after, which is what PyTorch computes (r multiplies W_hn·h + b_hn); Keras's gate
//   blocks z, r, h are PyTorch's r, z, n with the first two swapped; the bias rows (input, recurrent)
//   are bias_ih and bias_hh.
// - SimpleRnn: tanh; the bias is bias_ih, with bias_hh = 0.
// - go_backwards: the module runs over the input flipped along time, so its sequence output is in
//   processing order, as the managed engine returns it.
//
// Measured (Lstm forward + backward of the kernels' gradients, returnSequences false, libtorch on
// one thread, medians of 10 interleaved runs on a shared 2-core machine): batch 128, 100 steps,
// 64 features, 32 units (the qa workload's text encoder) 43 ms fused vs 53 ms loop; 32 features,
// 16 units (its question encoder) 25 ms vs 38 ms; batch 32, 200 steps, 64 features, 128 units
// 665 ms vs 615 ms, a tie within the noise (forward alone 44 vs 46 ms). Two threads on that loaded
// machine gave no usable figures. The fused path stays: it wins on the small widths where the
// loop's per-step overhead dominates and does not lose on the large one.
//
// Each call builds a fresh module (its cost is inside the figures above): the module's
// parameters are saved by libtorch's backward, so refilling a shared one before that backward ran (a
// layer applied twice, then one backward) would trip libtorch's version counters.
using System.Runtime.CompilerServices;
using TorchSharp;
using TT = TorchSharp.torch.Tensor;

namespace Microsoft.ML.FunctionalDnn.TorchSharp;

internal sealed partial class TorchBackend
{
    [ThreadStatic] private static bool t_loopOnly;
    [ThreadStatic] private static long t_fusedRuns;

    /// <summary>
    /// Whether unmasked recurrent ops on this thread run through libtorch's fused kernels (the
    /// default) rather than the step loop; tests turn it off to compare the two.
    /// </summary>
    internal static bool UseFusedRecurrent { get => !t_loopOnly; set => t_loopOnly = !value; }

    /// <summary>How many recurrent ops this thread ran through the fused kernels.</summary>
    internal static long FusedRecurrentRuns => t_fusedRuns;

    /// <summary>
    /// The unmasked op through libtorch's kernel, for arguments already checked by
    /// <see cref="Recur"/>: the output (the sequence in processing order, or the last h) and the
    /// final states, h first.
    /// </summary>
    private RecurrentResult RecurFused(string op, Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor? bias,
        (Tensor? Value, string Name)[] initialStates, bool returnSequences, bool goBackwards)
    {
        t_fusedRuns++;
        var kind = op switch
        {
            nameof(Lstm) => FusedKind.Lstm,
            nameof(Gru) => FusedKind.Gru,
            _ => FusedKind.SimpleRnn,
        };
        using var opScope = torch.NewDisposeScope();
        TT? h0 = TOrNull(initialStates[0].Value), c0 = initialStates.Length > 1 ? TOrNull(initialStates[1].Value) : null;
        TT tx = T(x), w = T(kernel), u = T(recurrentKernel);
        TT? b = TOrNull(bias);
        bool tracked = torch.is_grad_enabled()
            && (tx.requires_grad || w.requires_grad || u.requires_grad || b?.requires_grad == true || h0?.requires_grad == true || c0?.requires_grad == true);
        // The module is disposed here, once the function has saved its parameters for backward
        // (disposing a module disposes its parameters' handles).
        List<TT> results;
        var module = new StrongBox<torch.nn.Module?>();
        try
        {
            if (tracked)
                results = [.. FusedRecurrentFunction.apply(kind, tx, w, u, b, h0, c0, goBackwards, module)];
            else
            {
                var run = FusedRecurrentFunction.Run(kind, tx, w, u, b, h0, c0, goBackwards, track: false);
                module.Value = run.Module;
                results = run.Outputs;
            }
        }
        finally
        {
            module.Value?.Dispose();
        }
        // results: the sequence, the final h (and c). Aliases keep the handles distinct.
        var finals = kind == FusedKind.Lstm ? new[] { results[1].alias(), results[2].alias() } : new[] { results[1].alias() };
        var output = returnSequences ? results[0] : results[1].alias();
        opScope.MoveToOuter([output, .. finals]);
        return new RecurrentResult(Wrap(output), Array.ConvertAll(finals, Wrap));
    }

    private enum FusedKind { Lstm, Gru, SimpleRnn }

    // The first exception of a fused backward since the last check (libtorch may run backward on
    // a device thread, so this is not per thread).
    private static Exception? s_backwardFailure;

    /// <summary>Rethrows, on the thread that asked for gradients, an exception a fused recurrent backward caught inside libtorch's backward.</summary>
    private static void ThrowBackwardFailure()
    {
        if (Interlocked.Exchange(ref s_backwardFailure, null) is { } failure)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
    }

    /// <summary>
    /// The custom autograd function: forward runs the module on detached leaf copies of the inputs
    /// and its parameters, with gradients enabled, and saves that inner graph; backward runs
    /// libtorch's backward through it and maps the parameters' gradients back to Keras's layouts.
    /// Arguments: kind, x, kernel, recurrent kernel, bias?, h0?, c0?, goBackwards, and a box that
    /// receives the module, for the caller to dispose after apply.
    /// </summary>
    private sealed class FusedRecurrentFunction : torch.autograd.MultiTensorFunction<FusedRecurrentFunction>
    {
        public override string Name => "FusedRecurrent";

        // Saved for backward, in this order: the leaves x, h0, c0 (null where absent), the inner
        // outputs sequence, h, c (c null but for Lstm), then weight_ih, weight_hh, bias_ih, bias_hh
        // (the biases null without a bias).
        private const int Leaves = 0, Outputs = 3, Parameters = 6;

        /// <summary>What one run of the module made: the detached results, and what backward needs (when tracked).</summary>
        internal sealed record RunResult(List<TT> Outputs, List<TT> Saved, torch.nn.Module Module);

        public override List<TT> forward(torch.autograd.AutogradContext ctx, params object[] vars)
        {
            var run = Run((FusedKind)vars[0], (TT)vars[1], (TT)vars[2], (TT)vars[3], vars[4] as TT, vars[5] as TT, vars[6] as TT, (bool)vars[7], track: true);
            ((StrongBox<torch.nn.Module?>)vars[8]).Value = run.Module;
            ctx.save_for_backward(run.Saved);
            ctx.save_data("kind", vars[0]);
            if (vars[4] is TT bias) ctx.save_data("biasShape", bias.shape);
            ctx.save_data("goBackwards", vars[7]);
            ctx.save_data("released", false);
            // Gradients of unused outputs stay undefined (no zero tensors of a whole sequence).
            ctx.set_materialize_grads(false);
            return run.Outputs;
        }

        /// <summary>
        /// Runs the module. <paramref name="track"/>: record the inner graph (on leaf copies of the
        /// inputs and on the module's parameters) for <see cref="backward"/>; else no graph at all.
        /// </summary>
        internal static RunResult Run(FusedKind kind, TT x, TT kernel, TT recurrentKernel, TT? bias, TT? h0, TT? c0, bool goBackwards, bool track)
        {
            long features = x.shape[2], units = recurrentKernel.shape[0];
            bool hasBias = bias is not null;
            var module = kind switch
            {
                FusedKind.Lstm => (torch.nn.Module)torch.nn.LSTM(features, units, bias: hasBias, batchFirst: true, device: x.device),
                FusedKind.Gru => torch.nn.GRU(features, units, bias: hasBias, batchFirst: true, device: x.device),
                _ => torch.nn.RNN(features, units, bias: hasBias, batchFirst: true, device: x.device),
            };
            var p = module.named_parameters().ToDictionary(n => n.name, n => (TT)n.parameter);
            TT wIh = p["weight_ih_l0"], wHh = p["weight_hh_l0"];
            TT? bIh = hasBias ? p["bias_ih_l0"] : null, bHh = hasBias ? p["bias_hh_l0"] : null;
            using (torch.no_grad())
            {
                bool gru = kind == FusedKind.Gru;
                wIh.copy_((gru ? SwapFirstBlocks(kernel, 1, units) : kernel).t());
                wHh.copy_((gru ? SwapFirstBlocks(recurrentKernel, 1, units) : recurrentKernel).t());
                if (bias is not null)
                {
                    var rows = bias.reshape(gru ? 2 : 1, -1);
                    bIh!.copy_(gru ? SwapFirstBlocks(rows[0], 0, units) : rows[0]);
                    if (gru) bHh!.copy_(SwapFirstBlocks(rows[1], 0, units));
                    else bHh!.zero_();
                }
            }

            TT? Leaf(TT? t) => t is null ? null : track && t.requires_grad ? t.detach().requires_grad_(true) : t.detach();
            TT xLeaf = Leaf(x)!;
            TT? hLeaf = Leaf(h0), cLeaf = Leaf(c0);
            TT seq, h, c = null!;
            using (torch.enable_grad(track))
            {
                var input = goBackwards ? xLeaf.flip(1) : xLeaf;
                long batch = x.shape[0];
                TT State(TT? given) => given?.unsqueeze(0) ?? torch.zeros([1, batch, units], x.dtype, x.device);
                switch (module)
                {
                    case global::TorchSharp.Modules.LSTM lstm:
                        (seq, h, c) = lstm.forward(input, (State(hLeaf), State(cLeaf)));
                        break;
                    case global::TorchSharp.Modules.GRU gruModule:
                        (seq, h) = gruModule.forward(input, State(hLeaf));
                        break;
                    default:
                        (seq, h) = ((global::TorchSharp.Modules.RNN)module).forward(input, State(hLeaf));
                        break;
                }
            }
            var outputs = new List<TT> { seq.detach(), h.squeeze(0).detach() };
            if (kind == FusedKind.Lstm) outputs.Add(c.squeeze(0).detach());
            // Null entries are saved as absent (libtorch's undefined tensor).
            var saved = track
                ? new List<TT> { xLeaf.requires_grad ? xLeaf : null!, hLeaf?.requires_grad == true ? hLeaf : null!, cLeaf?.requires_grad == true ? cLeaf : null!,
                    seq, h, kind == FusedKind.Lstm ? c : null!, wIh, wHh, bIh!, bHh! }
                : [];
            return new RunResult(outputs, saved, module);
        }

        /// <summary>
        /// libtorch calls this from native code, where a managed exception would end the process
        /// (TorchSharp does not catch one there): a failure is kept for <see cref="ThrowBackwardFailure"/>,
        /// which the caller of libtorch's backward runs once it returns, and no gradient flows on.
        /// </summary>
        public override List<TT> backward(torch.autograd.AutogradContext ctx, List<TT> grad_outputs)
        {
            try
            {
                return BackwardCore(ctx, grad_outputs);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref s_backwardFailure, e, null);
                return [.. new TT[9]];
            }
        }

        private static List<TT> BackwardCore(torch.autograd.AutogradContext ctx, List<TT> grad_outputs)
        {
            // libtorch frees a node's saved tensors after a backward that does not retain the graph;
            // this node keeps its inner graph, so it says so itself, as the step loop's nodes would.
            if ((bool)ctx.get_data("released"))
                throw new InvalidOperationException(SecondBackwardMessage);
            if (Volatile.Read(ref s_retainingBackwards) == 0) ctx.save_data("released", true);
            using var scope = torch.NewDisposeScope();
            var kind = (FusedKind)ctx.get_data("kind");
            var saved = ctx.get_saved_variables();
            // One per argument; null where there is none (undefined for libtorch).
            var grads = new TT[9];

            // The inner outputs whose gradient is defined, with it (h and c as the module shapes them).
            var outputs = new List<TT>();
            var seeds = new List<TT>();
            for (int i = 0; i < grad_outputs.Count; i++)
            {
                var g = grad_outputs[i];
                if (g is null || g.IsInvalid) continue;
                outputs.Add(saved[Outputs + i]);
                seeds.Add(i == 0 ? g : g.unsqueeze(0));
            }
            // The leaves to differentiate: the inputs that need a gradient, and the parameters.
            var wanted = new List<(int Slot, TT Leaf)>();
            for (int i = 0; i < 3; i++)
                if (saved[Leaves + i] is { } leaf) wanted.Add((i, leaf));
            bool gru = kind == FusedKind.Gru;
            for (int i = 0; i < (gru ? 4 : 3); i++) // bias_hh is zero and not Keras's but for Gru
                if (saved[Parameters + i] is { } parameter) wanted.Add((3 + i, parameter));
            if (outputs.Count == 0) return [.. grads];

            // retain_graph: the outer graph may be run backward again (Backward(retainGraph: true));
            // the inner graph is freed with this node's saved tensors.
            var results = torch.autograd.grad(outputs, wanted.ConvertAll(w => w.Leaf), seeds, retain_graph: true, allow_unused: true);
            var bySlot = new TT?[7];
            for (int k = 0; k < wanted.Count; k++)
                if (results[k] is { IsInvalid: false } g) bySlot[wanted[k].Slot] = g;

            // Back to the function's arguments: kind, x, kernel, recurrent kernel, bias, h0, c0, goBackwards, box.
            long units = saved[Parameters + 1]!.shape[1];
            grads[1] = bySlot[0]!;
            grads[5] = bySlot[1]?.squeeze(0)!;
            grads[6] = bySlot[2]?.squeeze(0)!;
            if (bySlot[3] is { } gIh) grads[2] = gru ? SwapFirstBlocks(gIh.t(), 1, units) : gIh.t();
            if (bySlot[4] is { } gHh) grads[3] = gru ? SwapFirstBlocks(gHh.t(), 1, units) : gHh.t();
            if (saved[Parameters + 2] is not null)
            {
                var gInput = bySlot[5] ?? torch.zeros_like(saved[Parameters + 2]);
                var gBias = gru
                    ? torch.stack([SwapFirstBlocks(gInput, 0, units), SwapFirstBlocks(bySlot[6] ?? torch.zeros_like(gInput), 0, units)])
                    : gInput;
                grads[4] = gBias.reshape((long[])ctx.get_data("biasShape"));
            }
            var defined = grads.Where(g => g is not null).ToArray();
            scope.MoveToOuter(defined);
            return [.. grads];
        }
    }

    /// <summary>Swaps the first two blocks of <paramref name="units"/> along <paramref name="dim"/>: Keras's GRU gates z, r, h ↔ PyTorch's r, z, n (its own inverse).</summary>
    private static TT SwapFirstBlocks(TT t, long dim, long units) =>
        torch.cat([t.narrow(dim, units, units), t.narrow(dim, 0, units), t.narrow(dim, 2 * units, units)], dim);
}
