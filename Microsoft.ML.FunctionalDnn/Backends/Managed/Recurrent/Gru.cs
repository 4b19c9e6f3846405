using System.Numerics.Tensors;
using Microsoft.ML.FunctionalDnn.Kernels;

namespace Microsoft.ML.FunctionalDnn;

internal sealed partial class ManagedBackend
{
    public RecurrentResult Gru(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor? bias, Tensor? initialH, bool returnSequences, bool goBackwards, Tensor? mask)
    {
        const string op = nameof(Gru);
        var seq = RecurrentSequence.Start(op, x, kernel, recurrentKernel, 3, bias, 2, out var projected);
        seq.UseMask(mask, op);
        int batch = seq.Batch, steps = seq.Steps, units = seq.Units, width = seq.Width;
        int stateSize = batch * units;
        var h = seq.InitialState(initialH, op, "state h");
        // Per time index: h before the step, the gates z, r, ĥ, and the recurrent part hU_h + b'_h.
        var hPrev = Tensor.Empty(new Shape(steps * batch, units));
        var gates = Tensor.Empty(new Shape(steps * batch, width));
        var recurrentH = Tensor.Empty(new Shape(steps * batch, units));
        var sequence = returnSequences ? Tensor.Empty(new Shape(batch, steps, units)) : null;
        var rec = new float[batch * width];
        for (int s = 0; s < steps; s++)
        {
            int t = seq.TimeAt(s, goBackwards);
            h.CopyTo(hPrev.Data.Slice(t * stateSize, stateSize));
            Gemm.Multiply(false, false, batch, width, units, h, units, recurrentKernel.Data, width, rec, width, accumulate: false);
            var xw = projected.Data.Slice(t * batch * width, batch * width);
            var gt = gates.Data.Slice(t * batch * width, batch * width);
            var rh = recurrentH.Data.Slice(t * stateSize, stateSize);
            if (bias is not null)
                for (int b = 0; b < batch; b++) TensorPrimitives.Add(rec.AsSpan(b * width, width), bias.Data.Slice(width, width), rec.AsSpan(b * width, width));
            RecurrentCells.GruForward(xw, rec, gt, rh, h, batch, units);
            seq.RestoreSkipped(t, h, hPrev.Data.Slice(t * stateSize, stateSize));
            if (sequence is not null) seq.WriteStep(sequence.Data, h, s);
        }
        var outputs = seq.Outputs(sequence, h);
        var inputs = RecurrentSequence.Inputs(x, kernel, recurrentKernel, bias, initialH);
        if (Tape.ShouldRecord(inputs))
        {
            Tape.Record(op, outputs, inputs, node =>
            {
                var dh = seq.FinalStateGrad(node, returnSequences, 0);
                var dProjected = Tensor.Empty(projected.Shape);
                var dRecurrent = Tensor.Empty(projected.Shape);
                for (int s = steps - 1; s >= 0; s--)
                {
                    int t = seq.TimeAt(s, goBackwards);
                    seq.AddStepGrad(node, returnSequences, dh, s);
                    var g = gates.Data.Slice(t * batch * width, batch * width);
                    var hp = hPrev.Data.Slice(t * stateSize, stateSize);
                    var rh = recurrentH.Data.Slice(t * stateSize, stateSize);
                    var dxw = dProjected.Data.Slice(t * batch * width, batch * width);
                    var drec = dRecurrent.Data.Slice(t * batch * width, batch * width);
                    for (int b = 0; b < batch; b++)
                    {
                        if (seq.Skips(t, b))
                        {
                            // A skipped step passes dh straight to the previous step.
                            dxw.Slice(b * width, width).Clear();
                            drec.Slice(b * width, width).Clear();
                            continue;
                        }
                        for (int j = 0; j < units; j++)
                        {
                            int r = b * width, k = b * units + j;
                            float z = g[r + j], rr = g[r + units + j], hh = g[r + 2 * units + j];
                            float d = dh[k];
                            float dzPre = d * (hp[k] - hh) * z * (1 - z);
                            float dhPre = d * (1 - z) * (1 - hh * hh);
                            float drPre = dhPre * rh[k] * rr * (1 - rr);
                            dxw[r + j] = dzPre;
                            dxw[r + units + j] = drPre;
                            dxw[r + 2 * units + j] = dhPre;
                            drec[r + j] = dzPre;
                            drec[r + units + j] = drPre;
                            drec[r + 2 * units + j] = dhPre * rr;
                            dh[k] = d * z;
                        }
                    }
                    // dh_prev = z ⊙ dh + d(recurrent) · Uᵀ
                    Gemm.Multiply(false, true, batch, units, width, drec, width, recurrentKernel.Data, width, dh, units, accumulate: true);
                }
                seq.RecurrentKernelGrad(node, hPrev, dRecurrent, recurrentKernel);
                var recurrentBiasGrad = new float[width];
                for (int r = 0; r < steps * batch; r++)
                    TensorPrimitives.Add(recurrentBiasGrad, dRecurrent.Data.Slice(r * width, width), recurrentBiasGrad);
                seq.InputGradients(node, dProjected, kernel, bias, recurrentBiasGrad);
                RecurrentSequence.InitialStateGrad(node, 4, dh);
            });
        }
        return new RecurrentResult(outputs[0], [outputs[1]]);
    }
}
