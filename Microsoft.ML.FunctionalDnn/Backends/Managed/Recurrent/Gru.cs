// One fused recurrent op: only its cell, forward and backward. Everything Lstm, Gru and SimpleRnn
// share (checks, input projection, masks, states before each step, outputs, the input-side
// gradients) is in RecurrentSequence; what still reads alike across the three files is the
// IBackend signature and the order of those calls, around cells that differ.
using System.Numerics.Tensors;
using Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

namespace Microsoft.ML.FunctionalDnn.Backends.Managed;

internal sealed partial class ManagedBackend
{
    public RecurrentResult Gru(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor? bias, Tensor? initialH, bool returnSequences, bool goBackwards, Tensor? mask)
    {
        // reset_after: the bias has a second row, added to the recurrent part (hU_h + b'_h).
        var seq = RecurrentSequence.Start(nameof(Gru), x, kernel, recurrentKernel, bias, gates: 3, biasRows: 2, mask, returnSequences, goBackwards, initialH);
        int batch = seq.Batch, steps = seq.Steps, units = seq.Units, width = seq.Width;
        var h = seq.InitialState(0, "state h");
        // Per time index: the gates z, r, ĥ, and the recurrent part hU_h + b'_h.
        var gates = seq.StepStore(width);
        var recurrentH = seq.StepStore(units);
        seq.ForRowBlocks(rows =>
        {
            int n = rows.Count;
            var hRows = seq.Rows(h, rows);
            var rec = new float[n * width];
            for (int s = 0; s < steps; s++)
            {
                int t = seq.BeginStep(s, hRows, rows);
                Gemm.Multiply(n, hRows, units, seq.PackedRecurrentKernel, rec, width, accumulate: false);
                if (bias is not null)
                    for (int i = 0; i < n; i++) TensorPrimitives.Add(rec.AsSpan(i * width, width), bias.Data.Slice(width, width), rec.AsSpan(i * width, width));
                RecurrentCells.GruForward(seq.Project(t, rows), rec, seq.GateRows(gates, t, rows), seq.StateRows(recurrentH, t, rows), hRows, n, units);
                seq.EndStep(s, hRows, rows);
            }
        });
        return seq.Finish(node =>
        {
            var dh = seq.FinalStateGrad(node, 0);
            var uT = seq.TransposedRecurrentKernel();
            var dProjected = Tensor.Empty(seq.Projected.Shape);
            var dRecurrent = Tensor.Empty(seq.Projected.Shape);
            seq.ForRowBlocks(rows =>
            {
                var dhRows = seq.Rows(dh, rows);
                for (int s = steps - 1; s >= 0; s--)
                {
                    int t = seq.BeginStepGrad(node, dhRows, s, rows);
                    var g = seq.GateRows(gates, t, rows);
                    var hp = seq.StateRows(seq.HPrev, t, rows);
                    var rh = seq.StateRows(recurrentH, t, rows);
                    var dxw = seq.GateRows(dProjected, t, rows);
                    var drec = seq.GateRows(dRecurrent, t, rows);
                    for (int i = 0; i < rows.Count; i++)
                    {
                        if (seq.SkipsAndClears(t, rows, i, width, dxw, drec)) continue;
                        int r = i * width, k = i * units;
                        RecurrentCells.GruBackward(g.Slice(r, width), hp.Slice(k, units), rh.Slice(k, units), dhRows.Slice(k, units),
                            dxw.Slice(r, width), drec.Slice(r, width), units);
                    }
                    // dh_prev = z ⊙ dh + d(recurrent) · Uᵀ
                    Gemm.Multiply(rows.Count, drec, width, uT, dhRows, units, accumulate: true);
                }
            });
            seq.RecurrentKernelGrad(node, dRecurrent);
            var recurrentBiasGrad = new float[width];
            for (int r = 0; r < steps * batch; r++)
                TensorPrimitives.Add(recurrentBiasGrad, dRecurrent.Data.Slice(r * width, width), recurrentBiasGrad);
            seq.InputGradients(node, dProjected, recurrentBiasGrad);
            RecurrentSequence.InitialStateGrad(node, 0, dh);
        }, h);
    }
}
