using Microsoft.ML.FunctionalDnn.Kernels;

namespace Microsoft.ML.FunctionalDnn;

public static partial class Ops
{
    /// <summary>Below this many input channels a tap's GEMM is too thin to beat im2col.</summary>
    private const int ShiftedConvMinChannels = 64;

    /// <summary>
    /// Stride-1 Conv1D without a patch matrix: y = Σₖ X[shifted by k·dilation] · Wₖ, one GEMM per
    /// kernel tap over every sample at once, reading the (padded) input in place. The input's samples
    /// lie end to end, so the few rows whose windows straddle two samples ((K-1)·dilation per
    /// sample) are computed and dropped. Backward is the same GEMMs transposed.
    /// </summary>
    internal static Tensor Conv1DShifted(Tensor x, Tensor kernel, Padding padding, int dilation)
    {
        int n = x.Shape[0], length = x.Shape[1], c = x.Shape[2], k = kernel.Shape[0], f = kernel.Shape[2];
        var (outLength, padBefore) = ConvGeometry.Axis(length, k, 1, dilation, padding, nameof(Conv1D), "length (steps)");
        int span = dilation * (k - 1);
        int padded = outLength + span;                 // rows per sample after padding
        int rows = n * padded - span;                  // output rows computed, straddling ones included
        var input = padded == length && padBefore == 0 ? x : Pad(x, n, length, c, padBefore, padded);
        var full = Tensor.Empty(new Shape(rows, f));
        for (int tap = 0; tap < k; tap++)
            Gemm.Multiply(false, false, rows, f, c, input.Data[(tap * dilation * c)..], c, kernel.Data.Slice(tap * c * f, c * f), f, full.Data, f, accumulate: tap > 0);
        var y = Tensor.Empty(new Shape(n, outLength, f));
        for (int s = 0; s < n; s++) full.Data.Slice(s * padded * f, outLength * f).CopyTo(y.Data.Slice(s * outLength * f));
        if (Tape.ShouldRecord(x, kernel))
        {
            Tape.Record(nameof(Conv1D), y, [x, kernel], node =>
            {
                // dY over every computed row: the real rows from the gradient, zeros for the straddling ones.
                var dFull = Tensor.Zeros(new Shape(rows, f));
                for (int s = 0; s < n; s++) node.Grad.Data.Slice(s * outLength * f, outLength * f).CopyTo(dFull.Data.Slice(s * padded * f));
                if (node.NeedsGrad(1))
                {
                    var dk = Tensor.Empty(kernel.Shape);
                    for (int tap = 0; tap < k; tap++)
                        Gemm.Multiply(true, false, c, f, rows, input.Data[(tap * dilation * c)..], c, dFull.Data, f, dk.Data.Slice(tap * c * f, c * f), f, false);
                    node.AccumulateInputGrad(1, dk);
                }
                if (node.NeedsGrad(0))
                {
                    var dxp = Tensor.Zeros(new Shape(n * padded, c));
                    for (int tap = 0; tap < k; tap++)
                        Gemm.Multiply(false, true, rows, c, f, dFull.Data, f, kernel.Data.Slice(tap * c * f, c * f), f, dxp.Data[(tap * dilation * c)..], c, accumulate: true);
                    var dx = Tensor.Empty(x.Shape);
                    for (int s = 0; s < n; s++)
                    {
                        // Keep the rows that map to real input positions (drop the padding).
                        int first = Math.Max(0, padBefore), count = Math.Min(length, padded - padBefore);
                        dx.Data.Slice(s * length * c, length * c).Clear();
                        dxp.Data.Slice((s * padded + first) * c, count * c).CopyTo(dx.Data.Slice(s * length * c));
                    }
                    node.AccumulateInputGrad(0, dx);
                }
            });
        }
        return y;
    }

    /// <summary>Each sample's rows placed after <paramref name="before"/> zero rows, in samples of <paramref name="padded"/> rows.</summary>
    private static Tensor Pad(Tensor x, int n, int length, int c, int before, int padded)
    {
        var p = Tensor.Zeros(new Shape(n * padded, c));
        int count = Math.Min(length, padded - before);
        for (int s = 0; s < n; s++) x.Data.Slice(s * length * c, count * c).CopyTo(p.Data.Slice((s * padded + before) * c));
        return p;
    }
}
