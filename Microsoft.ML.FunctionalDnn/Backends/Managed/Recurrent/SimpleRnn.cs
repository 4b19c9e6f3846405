// One fused recurrent op: only its cell, forward and backward. Everything Lstm, Gru and SimpleRnn
// share (checks, input projection, masks, states before each step, outputs, the input-side
// gradients) is in RecurrentSequence; what still reads alike across the three files is the
// IBackend signature and the order of those calls, around cells that differ.
using System.Numerics.Tensors;
using Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

namespace Microsoft.ML.FunctionalDnn.Backends.Managed;

internal sealed partial class ManagedBackend
{
    public RecurrentResult SimpleRnn(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor? bias, Tensor? initialH, bool returnSequences, bool goBackwards, Tensor? mask)
    {
        var seq = RecurrentSequence.Start(nameof(SimpleRnn), x, kernel, recurrentKernel, bias, gates: 1, biasRows: 1, mask, returnSequences, goBackwards);
        int batch = seq.Batch, steps = seq.Steps, units = seq.Units;
        var h = seq.InitialState(initialH, "state h");
        // The projected input of each step becomes that step's tanh(xW + b + hU) in place, which backward reads.
        var states = seq.Projected;
        for (int s = 0; s < steps; s++)
        {
            int t = seq.BeginStep(s, h);
            var z = seq.StateRows(states, t);
            Gemm.Multiply(false, false, batch, units, units, h, units, recurrentKernel.Data, units, z, units, accumulate: true);
            TensorPrimitives.Tanh(z, z);
            z.CopyTo(h);
            // A skipped step keeps the previous h; its z is never read (backward clears its rows).
            seq.EndStep(s, h);
        }
        return seq.Finish(node =>
        {
            var dh = seq.FinalStateGrad(node, 0);
            var dPre = Tensor.Empty(states.Shape);
            for (int s = steps - 1; s >= 0; s--)
            {
                int t = seq.BeginStepGrad(node, dh, s);
                var y = seq.StateRows(states, t);
                var d = seq.StateRows(dPre, t);
                for (int k = 0; k < d.Length; k++) d[k] = dh[k] * (1 - y[k] * y[k]);
                var passed = seq.AnySkips(t) ? (float[])dh.Clone() : null;
                for (int b = 0; b < batch; b++) if (seq.Skips(t, b)) d.Slice(b * units, units).Clear();
                Gemm.Multiply(false, true, batch, units, units, d, units, recurrentKernel.Data, units, dh, units, accumulate: false);
                if (passed is not null) seq.RestoreSkipped(t, dh, passed);
            }
            seq.RecurrentKernelGrad(node, dPre);
            seq.InputGradients(node, dPre);
            RecurrentSequence.InitialStateGrad(node, 0, dh);
        }, h);
    }
}
