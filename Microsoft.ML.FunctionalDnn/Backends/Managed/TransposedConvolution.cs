using System.Buffers;
using Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

namespace Microsoft.ML.FunctionalDnn.Backends.Managed;

internal sealed partial class ManagedBackend
{
    public Tensor Conv2DTranspose(Tensor x, Tensor kernel, (int H, int W)? strides, Padding padding, (int H, int W)? outputPadding)
    {
        var (sh, sw) = OpChecks.CheckTransposed(x, kernel, padding, strides);
        int kh = kernel.Shape[0], kw = kernel.Shape[1], filters = kernel.Shape[2], inChannels = x.Shape[3];
        int oh = Ops.TransposedLength(x.Shape[1], kh, sh, padding, outputPadding?.H), ow = Ops.TransposedLength(x.Shape[2], kw, sw, padding, outputPadding?.W);
        if (oh <= 0 || ow <= 0)
            throw new ArgumentException($"Conv2DTranspose: the output of the input {x.Shape} with kernel ({kh}, {kw}), strides ({sh}, {sw}) and output padding {outputPadding} would be {oh}×{ow}.");
        // The convolution this op transposes: from the (batch, oh, ow, filters) output back to x's size,
        // its leading padding being what Keras crops from the front of the full (in - 1)·stride + kernel output.
        var y = Tensor.Zeros(new Shape(x.Shape[0], oh, ow, filters));
        var g = new ConvGeometry(x.Shape[0], oh, ow, filters, kh, kw, sh, sw, 1, 1,
            TransposedCrop(x.Shape[1], kh, sh, padding, oh), TransposedCrop(x.Shape[2], kw, sw, padding, ow), x.Shape[1], x.Shape[2]);
        int positions = g.OutputPositions, patch = g.PatchSize;
        int chunk = Math.Clamp(ColumnBufferFloats / Math.Max(1, positions * patch), 1, Math.Max(1, g.Batch));
        var col = ArrayPool<float>.Shared.Rent(chunk * positions * patch);
        for (int n0 = 0; n0 < g.Batch; n0 += chunk)
        {
            int count = Math.Min(chunk, g.Batch - n0);
            // col = x · Wᵀ with W the kernel read as a (kh·kw·filters, inChannels) matrix; then scatter the patches.
            Gemm.Multiply(false, true, count * positions, patch, inChannels, x.Data.Slice(n0 * positions * inChannels), inChannels,
                kernel.Data, inChannels, col, patch, false);
            Im2Col.Scatter(col, y, g, n0, count);
        }
        ArrayPool<float>.Shared.Return(col);
        if (Tape.ShouldRecord(x, kernel))
        {
            Tape.Record(nameof(Conv2DTranspose), y, [x, kernel], node =>
            {
                var dx = node.NeedsGrad(0) ? Tensor.Empty(x.Shape) : null;
                var dk = node.NeedsGrad(1) ? Tensor.Empty(kernel.Shape) : null;
                var buffer = ArrayPool<float>.Shared.Rent(chunk * positions * patch);
                for (int n0 = 0; n0 < g.Batch; n0 += chunk)
                {
                    int count = Math.Min(chunk, g.Batch - n0), rows = count * positions;
                    Im2Col.Gather(node.Grad, buffer, g, n0, count);
                    if (dx is not null)
                        Gemm.Multiply(false, false, rows, inChannels, patch, buffer, patch, kernel.Data, inChannels, dx.Data.Slice(n0 * positions * inChannels), inChannels, false);
                    if (dk is not null)
                        Gemm.Multiply(true, false, patch, inChannels, rows, buffer, patch, x.Data.Slice(n0 * positions * inChannels), inChannels, dk.Data, inChannels, accumulate: n0 > 0);
                }
                ArrayPool<float>.Shared.Return(buffer);
                if (dx is not null) node.AccumulateInputGrad(0, dx);
                if (dk is not null) node.AccumulateInputGrad(1, dk);
            });
        }
        return y;
    }

    /// <summary>How many leading rows of the full (input - 1)·stride + kernel result an output of <paramref name="length"/> drops ('same' centres it as TensorFlow does).</summary>
    private static int TransposedCrop(int input, int kernel, int stride, Padding padding, int length) =>
        padding == Padding.Same ? Math.Max((input - 1) * stride + kernel - length, 0) / 2 : 0;
}
