// One fused recurrent op: only its cell, forward and backward. Everything Lstm, Gru and SimpleRnn
// share (checks, input projection, masks, states before each step, outputs, the input-side
// gradients) is in RecurrentSequence; what still reads alike across the three files is the
// IBackend signature and the order of those calls, around cells that differ.
using Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

namespace Microsoft.ML.FunctionalDnn.Backends.Managed;

internal sealed partial class ManagedBackend
{
    public RecurrentResult Lstm(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor? bias, Tensor? initialH, Tensor? initialC, bool returnSequences, bool goBackwards, Tensor? mask)
    {
        var seq = RecurrentSequence.Start(nameof(Lstm), x, kernel, recurrentKernel, bias, gates: 4, biasRows: 1, mask, returnSequences, goBackwards, initialH, initialC);
        int steps = seq.Steps, units = seq.Units, width = seq.Width;
        var h = seq.InitialState(0, "state h");
        var c = seq.InitialState(1, "state c");
        // The projected inputs become the gates in place; per time index, c before the step and tanh of c after it.
        var gates = seq.Projected;
        var cPrev = seq.StepStore(units);
        var tanhC = seq.StepStore(units);
        seq.ForRowBlocks(rows =>
        {
            int n = rows.Count;
            Span<float> hRows = seq.Rows(h, rows), cRows = seq.Rows(c, rows);
            for (int s = 0; s < steps; s++)
            {
                int t = seq.BeginStep(s, hRows, rows);
                var z = seq.Project(t, rows);
                if (seq.KeepsPreviousState) cRows.CopyTo(seq.StateRows(cPrev, t, rows));
                Gemm.Multiply(n, hRows, units, seq.PackedRecurrentKernel, z, width, accumulate: true);
                RecurrentCells.LstmForward(z, cRows, seq.StateRows(tanhC, t, rows), hRows, n, units);
                seq.RestoreSkipped(t, cRows, seq.StateRows(cPrev, t, rows), rows);
                seq.EndStep(s, hRows, rows);
            }
        });
        return seq.Finish(node =>
        {
            var dh = seq.FinalStateGrad(node, 0);
            var uT = seq.TransposedRecurrentKernel();
            var dc = seq.FinalStateGrad(node, 1);
            var dGates = Tensor.Empty(gates.Shape);
            seq.ForRowBlocks(rows =>
            {
                Span<float> dhRows = seq.Rows(dh, rows), dcRows = seq.Rows(dc, rows);
                for (int s = steps - 1; s >= 0; s--)
                {
                    int t = seq.BeginStepGrad(node, dhRows, s, rows);
                    var g = seq.GateRows(gates, t, rows);
                    var dz = seq.GateRows(dGates, t, rows);
                    var tc = seq.StateRows(tanhC, t, rows);
                    var cp = seq.StateRows(cPrev, t, rows);
                    // A skipped step passes dh and dc straight to the previous step.
                    var passed = seq.AnySkips(t, rows) ? dhRows.ToArray() : null;
                    for (int i = 0; i < rows.Count; i++)
                    {
                        if (seq.SkipsAndClears(t, rows, i, width, dz)) continue;
                        int r = i * width, k = i * units;
                        RecurrentCells.LstmBackward(g.Slice(r, width), tc.Slice(k, units), cp.Slice(k, units), dhRows.Slice(k, units),
                            dcRows.Slice(k, units), dz.Slice(r, width), units);
                    }
                    // dh_prev = dz · Uᵀ
                    Gemm.Multiply(rows.Count, dz, width, uT, dhRows, units, accumulate: false);
                    if (passed is not null) seq.RestoreSkipped(t, dhRows, passed, rows);
                }
            });
            seq.RecurrentKernelGrad(node, dGates);
            seq.InputGradients(node, dGates);
            RecurrentSequence.InitialStateGrad(node, 0, dh);
            RecurrentSequence.InitialStateGrad(node, 1, dc);
        }, h, c);
    }
}
