using Microsoft.ML.FunctionalDnn.Kernels;

namespace Microsoft.ML.FunctionalDnn;

public static partial class Ops
{
    /// <summary>
    /// Depthwise 2-D convolution, channels last: each input channel is convolved with its own
    /// <c>depthMultiplier</c> filters. Input (batch, height, width, channels), kernel
    /// (kernelH, kernelW, channels, depthMultiplier); output channel c·depthMultiplier + m.
    /// </summary>
    public static Tensor DepthwiseConv2D(Tensor x, Tensor kernel, (int H, int W)? strides = null, Padding padding = Padding.Valid, (int H, int W)? dilation = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(kernel);
        RequireFloat(x, nameof(DepthwiseConv2D));
        RequireRank(x, 4, nameof(DepthwiseConv2D), "(batch, height, width, channels)");
        RequireRank(kernel, 4, nameof(DepthwiseConv2D), "kernel (kernelH, kernelW, channels, depthMultiplier)");
        if (padding == Padding.Causal) throw new ArgumentException("DepthwiseConv2D: causal padding exists only for 1-D convolutions.", nameof(padding));
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
        int c = g.Channels, oc = c * mult;
        var taps = new WindowTaps(g, 0, g.Batch);
        while (taps.MoveNext())
        {
            int inBase = taps.Pixel * c, kBase = taps.Tap * oc, outBase = taps.Position * oc;
            if (mult == 1)
            {
                // One filter per channel: a vector multiply-add over the pixel's channels.
                var outRow = y.Slice(outBase, c);
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(x.Slice(inBase, c), k.Slice(kBase, c), outRow, outRow);
                continue;
            }
            for (int ch = 0; ch < c; ch++)
                for (int m = 0; m < mult; m++)
                    y[outBase + ch * mult + m] += x[inBase + ch] * k[kBase + ch * mult + m];
        }
    }

    /// <summary>dx and dk accumulate dy through the same taps as the forward pass; an empty span skips that gradient.</summary>
    private static void DepthwiseBackward(in ConvGeometry g, int mult, ReadOnlySpan<float> x, ReadOnlySpan<float> k,
        ReadOnlySpan<float> dy, Span<float> dx, Span<float> dk)
    {
        int c = g.Channels, oc = c * mult;
        var taps = new WindowTaps(g, 0, g.Batch);
        while (taps.MoveNext())
        {
            int inBase = taps.Pixel * c, kBase = taps.Tap * oc, outBase = taps.Position * oc;
            if (mult == 1)
            {
                var d = dy.Slice(outBase, c);
                if (!dx.IsEmpty) System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(d, k.Slice(kBase, c), dx.Slice(inBase, c), dx.Slice(inBase, c));
                if (!dk.IsEmpty) System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(d, x.Slice(inBase, c), dk.Slice(kBase, c), dk.Slice(kBase, c));
                continue;
            }
            for (int ch = 0; ch < c; ch++)
                for (int m = 0; m < mult; m++)
                {
                    float d = dy[outBase + ch * mult + m];
                    if (!dx.IsEmpty) dx[inBase + ch] += d * k[kBase + ch * mult + m];
                    if (!dk.IsEmpty) dk[kBase + ch * mult + m] += d * x[inBase + ch];
                }
        }
    }
}
