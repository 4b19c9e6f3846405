using Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

namespace Microsoft.ML.FunctionalDnn.Backends.Managed;

internal sealed partial class ManagedBackend
{
    public Tensor DepthwiseConv2D(Tensor x, Tensor kernel, (int H, int W)? strides, Padding padding, (int H, int W)? dilation)
    {
        OpChecks.CheckDepthwise(x, kernel, padding);
        var (sh, sw) = strides ?? (1, 1);
        var (dh, dw) = dilation ?? (1, 1);
        var g = Geometry(x, kernel.Shape[0], kernel.Shape[1], sh, sw, dh, dw, padding, padding, nameof(DepthwiseConv2D));
        if (kernel.Shape[2] != g.Channels)
            throw new ArgumentException($"DepthwiseConv2D: the kernel {kernel.Shape} expects {kernel.Shape[2]} channels; the input {x.Shape} has {g.Channels}.");
        int mult = kernel.Shape[3];
        var y = Tensor.Zeros(new Shape(g.Batch, g.OutH, g.OutW, g.Channels * mult));
        DepthwiseForward(g, mult, x.Data, kernel.Data, y.Data);
        if (Tape.ShouldRecord(x, kernel))
        {
            Tape.Record(nameof(DepthwiseConv2D), y, [x, kernel], node =>
            {
                var dx = node.NeedsGrad(0) ? Tensor.Zeros(x.Shape) : null;
                var dk = node.NeedsGrad(1) ? Tensor.Zeros(kernel.Shape) : null;
                DepthwiseBackward(g, mult, x.Data, kernel.Data, node.Grad.Data,
                    dx is null ? default : dx.Data, dk is null ? default : dk.Data);
                if (dx is not null) node.AccumulateInputGrad(0, dx);
                if (dk is not null) node.AccumulateInputGrad(1, dk);
            });
        }
        return y;
    }

    private static void DepthwiseForward(in ConvGeometry g, int mult, ReadOnlySpan<float> x, ReadOnlySpan<float> k, Span<float> y)
    {
        var forward = new DepthwiseForwardTap(x, k, y, g.Channels, mult);
        WindowRuns.ForEach(g, 0, g.Batch, ref forward);
    }

    /// <summary>dx and dk accumulate dy through the same taps as the forward pass; an empty span skips that gradient.</summary>
    private static void DepthwiseBackward(in ConvGeometry g, int mult, ReadOnlySpan<float> x, ReadOnlySpan<float> k,
        ReadOnlySpan<float> dy, Span<float> dx, Span<float> dk)
    {
        var backward = new DepthwiseBackwardTap(x, k, dy, dx, dk, g.Channels, mult);
        WindowRuns.ForEach(g, 0, g.Batch, ref backward);
    }

    /// <summary>One tap of a depthwise convolution: y[position] += x[pixel] ⊙ k[tap] per channel and multiplier.</summary>
    private readonly ref struct DepthwiseForwardTap(ReadOnlySpan<float> x, ReadOnlySpan<float> k, Span<float> y, int channels, int mult) : ITapVisitor
    {
        private readonly ReadOnlySpan<float> _x = x, _k = k;
        private readonly Span<float> _y = y;

        public void Visit(int position, int tap, int pixel)
        {
            int oc = channels * mult, inBase = pixel * channels, kBase = tap * oc, outBase = position * oc;
            if (mult == 1)
            {
                // One filter per channel: a vector multiply-add over the pixel's channels.
                var outRow = _y.Slice(outBase, channels);
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(_x.Slice(inBase, channels), _k.Slice(kBase, channels), outRow, outRow);
                return;
            }
            for (int ch = 0; ch < channels; ch++)
                for (int m = 0; m < mult; m++)
                    _y[outBase + ch * mult + m] += _x[inBase + ch] * _k[kBase + ch * mult + m];
        }
    }

    /// <summary>One tap of the depthwise gradient: dy[position] spread to dx[pixel] through k[tap], and to dk[tap] through x[pixel].</summary>
    private readonly ref struct DepthwiseBackwardTap(ReadOnlySpan<float> x, ReadOnlySpan<float> k, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dk, int channels, int mult) : ITapVisitor
    {
        private readonly ReadOnlySpan<float> _x = x, _k = k, _dy = dy;
        private readonly Span<float> _dx = dx, _dk = dk;

        public void Visit(int position, int tap, int pixel)
        {
            int oc = channels * mult, inBase = pixel * channels, kBase = tap * oc, outBase = position * oc;
            if (mult == 1)
            {
                var d = _dy.Slice(outBase, channels);
                if (!_dx.IsEmpty) System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(d, _k.Slice(kBase, channels), _dx.Slice(inBase, channels), _dx.Slice(inBase, channels));
                if (!_dk.IsEmpty) System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(d, _x.Slice(inBase, channels), _dk.Slice(kBase, channels), _dk.Slice(kBase, channels));
                return;
            }
            for (int ch = 0; ch < channels; ch++)
                for (int m = 0; m < mult; m++)
                {
                    float d = _dy[outBase + ch * mult + m];
                    if (!_dx.IsEmpty) _dx[inBase + ch] += d * _k[kBase + ch * mult + m];
                    if (!_dk.IsEmpty) _dk[kBase + ch * mult + m] += d * _x[inBase + ch];
                }
        }
    }
}
