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
        var seq = RecurrentSequence.Start(nameof(Lstm), x, kernel, recurrentKernel, bias, gates: 4, biasRows: 1, mask, returnSequences, goBackwards);
        int batch = seq.Batch, steps = seq.Steps, units = seq.Units, width = seq.Width;
        var h = seq.InitialState(initialH, "state h");
        var c = seq.InitialState(initialC, "state c");
        // The projected inputs become the gates in place; per time index, c before the step and tanh of c after it.
        var gates = seq.Projected;
        var cPrev = Tensor.Empty(new Shape(steps * batch, units));
        var tanhC = Tensor.Empty(new Shape(steps * batch, units));
        for (int s = 0; s < steps; s++)
        {
            int t = seq.BeginStep(s, h);
            var z = seq.GateRows(gates, t);
            c.CopyTo(seq.StateRows(cPrev, t));
            Gemm.Multiply(false, false, batch, width, units, h, units, recurrentKernel.Data, width, z, width, accumulate: true);
            RecurrentCells.LstmForward(z, c, seq.StateRows(tanhC, t), h, batch, units);
            seq.RestoreSkipped(t, c, seq.StateRows(cPrev, t));
            seq.EndStep(s, h);
        }
        return seq.Finish(node =>
        {
            var dh = seq.FinalStateGrad(node, 0);
            var dc = seq.FinalStateGrad(node, 1);
            var dGates = Tensor.Empty(gates.Shape);
            for (int s = steps - 1; s >= 0; s--)
            {
                int t = seq.BeginStepGrad(node, dh, s);
                var g = seq.GateRows(gates, t);
                var dz = seq.GateRows(dGates, t);
                var tc = seq.StateRows(tanhC, t);
                var cp = seq.StateRows(cPrev, t);
                // A skipped step passes dh and dc straight to the previous step.
                var passed = seq.AnySkips(t) ? (float[])dh.Clone() : null;
                for (int b = 0; b < batch; b++)
                {
                    if (seq.Skips(t, b))
                    {
                        dz.Slice(b * width, width).Clear();
                        continue;
                    }
                    for (int j = 0; j < units; j++)
                    {
                        int r = b * width, k = b * units + j;
                        float gi = g[r + j], gf = g[r + units + j], gg = g[r + 2 * units + j], go = g[r + 3 * units + j];
                        float tcv = tc[k];
                        float dcTotal = dc[k] + dh[k] * go * (1 - tcv * tcv);
                        dz[r + j] = dcTotal * gg * gi * (1 - gi);
                        dz[r + units + j] = dcTotal * cp[k] * gf * (1 - gf);
                        dz[r + 2 * units + j] = dcTotal * gi * (1 - gg * gg);
                        dz[r + 3 * units + j] = dh[k] * tcv * go * (1 - go);
                        dc[k] = dcTotal * gf;
                    }
                }
                // dh_prev = dz · Uᵀ
                Gemm.Multiply(false, true, batch, units, width, dz, width, recurrentKernel.Data, width, dh, units, accumulate: false);
                if (passed is not null) seq.RestoreSkipped(t, dh, passed);
            }
            seq.RecurrentKernelGrad(node, dGates);
            seq.InputGradients(node, dGates);
            RecurrentSequence.InitialStateGrad(node, 0, dh);
            RecurrentSequence.InitialStateGrad(node, 1, dc);
        }, h, c);
    }
}
