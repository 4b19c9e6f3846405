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
        var seq = RecurrentSequence.Start(nameof(SimpleRnn), x, kernel, recurrentKernel, bias, gates: 1, biasRows: 1, mask, returnSequences, goBackwards, initialH);
        int steps = seq.Steps, units = seq.Units;
        var h = seq.InitialState(0, "state h");
        // The projected input of each step becomes that step's tanh(xW + b + hU) in place, which backward reads.
        var states = seq.Projected;
        seq.ForRowBlocks(rows =>
        {
            var hRows = seq.Rows(h, rows);
            for (int s = 0; s < steps; s++)
            {
                int t = seq.BeginStep(s, hRows, rows);
                var z = seq.Project(t, rows);
                Gemm.Multiply(rows.Count, hRows, units, seq.PackedRecurrentKernel, z, units, accumulate: true);
                TensorPrimitives.Tanh(z, z);
                z.CopyTo(hRows);
                // A skipped step keeps the previous h; its z is never read (backward clears its rows).
                seq.EndStep(s, hRows, rows);
            }
        });
        return seq.Finish(node =>
        {
            var dh = seq.FinalStateGrad(node, 0);
            var uT = seq.TransposedRecurrentKernel();
            var dPre = Tensor.Empty(states.Shape);
            seq.ForRowBlocks(rows =>
            {
                var dhRows = seq.Rows(dh, rows);
                for (int s = steps - 1; s >= 0; s--)
                {
                    int t = seq.BeginStepGrad(node, dhRows, s, rows);
                    var y = seq.StateRows(states, t, rows);
                    var d = seq.StateRows(dPre, t, rows);
                    for (int k = 0; k < d.Length; k++) d[k] = dhRows[k] * (1 - y[k] * y[k]);
                    var passed = seq.AnySkips(t, rows) ? dhRows.ToArray() : null;
                    for (int i = 0; i < rows.Count; i++) seq.SkipsAndClears(t, rows, i, units, d);
                    Gemm.Multiply(rows.Count, d, units, uT, dhRows, units, accumulate: false);
                    if (passed is not null) seq.RestoreSkipped(t, dhRows, passed, rows);
                }
            });
            seq.RecurrentKernelGrad(node, dPre);
            seq.InputGradients(node, dPre);
            RecurrentSequence.InitialStateGrad(node, 0, dh);
        }, h);
    }
}
