using System.Numerics.Tensors;
using Microsoft.ML.FunctionalDnn.Kernels;

namespace Microsoft.ML.FunctionalDnn;

internal sealed partial class ManagedBackend
{
    public RecurrentResult Lstm(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor? bias, Tensor? initialH, Tensor? initialC, bool returnSequences, bool goBackwards, Tensor? mask)
    {
        const string op = nameof(Lstm);
        var seq = RecurrentSequence.Start(op, x, kernel, recurrentKernel, 4, bias, 1, out var gates);
        seq.UseMask(mask, op);
        int batch = seq.Batch, steps = seq.Steps, units = seq.Units, width = seq.Width;
        var h = seq.InitialState(initialH, op, "state h");
        var c = seq.InitialState(initialC, op, "state c");
        int stateSize = batch * units;
        // Per time index: h and c before the step, and tanh of c after it.
        var hPrev = Tensor.Empty(new Shape(steps * batch, units));
        var cPrev = Tensor.Empty(new Shape(steps * batch, units));
        var tanhC = Tensor.Empty(new Shape(steps * batch, units));
        var sequence = returnSequences ? Tensor.Empty(new Shape(batch, steps, units)) : null;
        var u = recurrentKernel.Data;
        for (int s = 0; s < steps; s++)
        {
            int t = seq.TimeAt(s, goBackwards);
            var z = gates.Data.Slice(t * batch * width, batch * width);
            h.CopyTo(hPrev.Data.Slice(t * stateSize, stateSize));
            c.CopyTo(cPrev.Data.Slice(t * stateSize, stateSize));
            Gemm.Multiply(false, false, batch, width, units, h, units, u, width, z, width, accumulate: true);
            RecurrentCells.LstmForward(z, c, tanhC.Data.Slice(t * stateSize, stateSize), h, batch, units);
            seq.RestoreSkipped(t, h, hPrev.Data.Slice(t * stateSize, stateSize));
            seq.RestoreSkipped(t, c, cPrev.Data.Slice(t * stateSize, stateSize));
            if (sequence is not null) seq.WriteStep(sequence.Data, h, s);
        }
        var outputs = seq.Outputs(sequence, h, c);
        var inputs = RecurrentSequence.Inputs(x, kernel, recurrentKernel, bias, initialH, initialC);
        if (Tape.ShouldRecord(inputs))
        {
            Tape.Record(op, outputs, inputs, node =>
            {
                var dh = seq.FinalStateGrad(node, returnSequences, 0);
                var dc = seq.FinalStateGrad(node, returnSequences, 1);
                var dGates = Tensor.Empty(gates.Shape);
                for (int s = steps - 1; s >= 0; s--)
                {
                    int t = seq.TimeAt(s, goBackwards);
                    seq.AddStepGrad(node, returnSequences, dh, s);
                    var g = gates.Data.Slice(t * batch * width, batch * width);
                    var dz = dGates.Data.Slice(t * batch * width, batch * width);
                    var tc = tanhC.Data.Slice(t * stateSize, stateSize);
                    var cp = cPrev.Data.Slice(t * stateSize, stateSize);
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
                seq.RecurrentKernelGrad(node, hPrev, dGates, recurrentKernel);
                seq.InputGradients(node, dGates, kernel, bias);
                RecurrentSequence.InitialStateGrad(node, 4, dh);
                RecurrentSequence.InitialStateGrad(node, 5, dc);
            });
        }
        return new RecurrentResult(outputs[0], [outputs[1], outputs[2]]);
    }
}
