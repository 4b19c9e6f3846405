using System.Buffers;
using System.Numerics.Tensors;
using Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

namespace Microsoft.ML.FunctionalDnn.Backends.Managed;

internal sealed partial class RecurrentSequence
{
    /// <summary>The gradient arriving at the last value of state <paramref name="stateIndex"/>: from that state's output and, for h without sequences, from the output.</summary>
    internal float[] FinalStateGrad(GradNode node, int stateIndex)
    {
        var d = new float[StateSize];
        if (node.OutputGrad(1 + stateIndex) is { } gs) TensorPrimitives.Add(d, gs.Data, d);
        if (stateIndex == 0 && !ReturnSequences && node.OutputGrad(0) is { } go) TensorPrimitives.Add(d, go.Data, d);
        return d;
    }

    /// <summary>Starts step <paramref name="s"/> of backward for block <paramref name="rows"/> (<paramref name="dh"/> is its rows): adds the sequence output's gradient at that step into dh; returns the step's time index.</summary>
    internal int BeginStepGrad(GradNode node, Span<float> dh, int s, RowBlock rows)
    {
        if (ReturnSequences && node.OutputGrad(0) is { } go)
        {
            var g = go.Data;
            for (int i = 0; i < rows.Count; i++)
            {
                var row = dh.Slice(i * Units, Units);
                TensorPrimitives.Add(row, g.Slice(((rows.First + i) * Steps + s) * Units, Units), row);
            }
        }
        return TimeAt(s);
    }

    /// <summary>
    /// Uᵀ as a (gates · units, units) matrix packed once per backward pass for the steps'
    /// dh_prev = d · Uᵀ, instead of packing it again at every step (same products, same sums).
    /// </summary>
    internal PackedMatrix TransposedRecurrentKernel() => Gemm.Pack(RecurrentKernel.Data, Width, Units, Width, transposed: true);

    /// <summary>
    /// dU = Σ over steps of h_prevᵀ · d(recurrent pre-activation): one product over the whole
    /// sequence, its operands read in place (the weight-gradient product of the convolutions).
    /// </summary>
    internal void RecurrentKernelGrad(GradNode node, Tensor dRecurrent)
    {
        if (!node.NeedsGrad(2)) return;
        var du = Tensor.Empty(RecurrentKernel.Shape);
        Gemm.MultiplyTapsTransposed(Steps * Batch, Width, Units, [0], HPrev.Data, dRecurrent.Data, du.Data, accumulate: false);
        node.AccumulateInputGrad(2, du);
    }

    /// <summary>
    /// Given d(x·W + b) for every step, adds dx, dW and the bias gradient; a (2, width) bias (Gru with
    /// reset_after) takes <paramref name="recurrentBiasGrad"/> as its second row.
    /// </summary>
    internal void InputGradients(GradNode node, Tensor dProjected, ReadOnlySpan<float> recurrentBiasGrad = default)
    {
        int rows = Steps * Batch, width = Width;
        if (node.NeedsGrad(1))
        {
            var dw = Tensor.Empty(Kernel.Shape);
            var timeMajorX = TimeMajorX();
            try
            {
                Gemm.MultiplyTapsTransposed(rows, width, Features, [0], timeMajorX.AsSpan(0, rows * Features), dProjected.Data, dw.Data, accumulate: false);
            }
            finally
            {
                ArrayPool<float>.Shared.Return(timeMajorX);
            }
            node.AccumulateInputGrad(1, dw);
        }
        if (Bias is not null && node.NeedsGrad(3))
        {
            var db = Tensor.Zeros(Bias.Shape);
            var inputPart = db.Data[..width];
            for (int r = 0; r < rows; r++) TensorPrimitives.Add(inputPart, dProjected.Data.Slice(r * width, width), inputPart);
            if (!recurrentBiasGrad.IsEmpty) recurrentBiasGrad.CopyTo(db.Data[width..]);
            node.AccumulateInputGrad(3, db);
        }
        if (node.NeedsGrad(0))
        {
            // dx = d(x·W) · Wᵀ, each step's rows written straight into their batch-major places
            // (one sample's sequence apart), the steps split over the cores; Wᵀ packed once.
            var packed = Gemm.Pack(Kernel.Data, width, Features, width, transposed: true);
            var dx = Tensor.Empty(X.Shape);
            Parallelism.ForRanges(Steps, (long)Batch * width * Features, (first, count) =>
            {
                for (int t = first; t < first + count; t++)
                    Gemm.Multiply(Batch, dProjected.Data.Slice(t * Batch * width), width, packed, dx.Data[(t * Features)..], Steps * Features, accumulate: false);
            });
            node.AccumulateInputGrad(0, dx);
        }
    }

    /// <summary>x as (steps · batch, features), time-major, so its rows line up with the per-step gradients (forward read each step's rows in place); a pooled array, returned by the caller.</summary>
    private float[] TimeMajorX()
    {
        var timeMajor = ArrayPool<float>.Shared.Rent(Steps * Batch * Features);
        Parallelism.ForRanges(Steps, (long)Batch * Features, (first, count) =>
        {
            var x = X.Data;
            for (int t = first; t < first + count; t++)
                for (int b = 0; b < Batch; b++)
                    x.Slice((b * Steps + t) * Features, Features).CopyTo(timeMajor.AsSpan((t * Batch + b) * Features, Features));
        });
        return timeMajor;
    }

    /// <summary>Passes the gradient of initial state <paramref name="stateIndex"/> (0: h, 1: c) to its input, if it requires one.</summary>
    internal static void InitialStateGrad(GradNode node, int stateIndex, float[] d)
    {
        int inputIndex = 4 + stateIndex;
        if (!node.NeedsGrad(inputIndex)) return;
        var t = Tensor.Empty(node.Inputs[inputIndex].Shape);
        d.CopyTo(t.Data);
        node.AccumulateInputGrad(inputIndex, t);
    }
}
