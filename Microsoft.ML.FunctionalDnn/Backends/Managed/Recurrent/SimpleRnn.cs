using System.Numerics.Tensors;
using Microsoft.ML.FunctionalDnn.Kernels;

namespace Microsoft.ML.FunctionalDnn;

internal sealed partial class ManagedBackend
{
    public RecurrentResult SimpleRnn(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor? bias, Tensor? initialH, bool returnSequences, bool goBackwards, Tensor? mask)
    {
        const string op = nameof(SimpleRnn);
        var seq = RecurrentSequence.Start(op, x, kernel, recurrentKernel, 1, bias, 1, out var states);
        seq.UseMask(mask, op);
        int batch = seq.Batch, steps = seq.Steps, units = seq.Units;
        int stateSize = batch * units;
        var h = seq.InitialState(initialH, op, "state h");
        var hPrev = Tensor.Empty(new Shape(steps * batch, units));
        var sequence = returnSequences ? Tensor.Empty(new Shape(batch, steps, units)) : null;
        for (int s = 0; s < steps; s++)
        {
            int t = seq.TimeAt(s, goBackwards);
            h.CopyTo(hPrev.Data.Slice(t * stateSize, stateSize));
            // The projected input becomes the step's new state in place: tanh(xW + b + hU).
            var z = states.Data.Slice(t * stateSize, stateSize);
            Gemm.Multiply(false, false, batch, units, units, h, units, recurrentKernel.Data, units, z, units, accumulate: true);
            TensorPrimitives.Tanh(z, z);
            // A skipped step keeps the previous state, which is also what backward reads as this step's output.
            seq.RestoreSkipped(t, z, hPrev.Data.Slice(t * stateSize, stateSize));
            z.CopyTo(h);
            if (sequence is not null) seq.WriteStep(sequence.Data, h, s);
        }
        var outputs = seq.Outputs(sequence, h);
        var inputs = RecurrentSequence.Inputs(x, kernel, recurrentKernel, bias, initialH);
        if (Tape.ShouldRecord(inputs))
        {
            Tape.Record(op, outputs, inputs, node =>
            {
                var dh = seq.FinalStateGrad(node, returnSequences, 0);
                var dPre = Tensor.Empty(states.Shape);
                for (int s = steps - 1; s >= 0; s--)
                {
                    int t = seq.TimeAt(s, goBackwards);
                    seq.AddStepGrad(node, returnSequences, dh, s);
                    var y = states.Data.Slice(t * stateSize, stateSize);
                    var d = dPre.Data.Slice(t * stateSize, stateSize);
                    for (int k = 0; k < stateSize; k++) d[k] = dh[k] * (1 - y[k] * y[k]);
                    var passed = seq.AnySkips(t) ? (float[])dh.Clone() : null;
                    for (int b = 0; b < batch; b++) if (seq.Skips(t, b)) d.Slice(b * units, units).Clear();
                    Gemm.Multiply(false, true, batch, units, units, d, units, recurrentKernel.Data, units, dh, units, accumulate: false);
                    if (passed is not null) seq.RestoreSkipped(t, dh, passed);
                }
                seq.RecurrentKernelGrad(node, hPrev, dPre, recurrentKernel);
                seq.InputGradients(node, dPre, kernel, bias);
                RecurrentSequence.InitialStateGrad(node, 4, dh);
            });
        }
        return new RecurrentResult(outputs[0], [outputs[1]]);
    }
}
