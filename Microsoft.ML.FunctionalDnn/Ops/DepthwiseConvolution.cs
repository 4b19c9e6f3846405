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
        var rows = new DepthwiseTaps(g, mult);
        while (rows.MoveNext(out int inBase, out int kBase, out int outBase))
            for (int ch = 0; ch < g.Channels; ch++)
                for (int m = 0; m < mult; m++)
                    y[outBase + ch * mult + m] += x[inBase + ch] * k[kBase + ch * mult + m];
    }

    /// <summary>dx and dk accumulate dy through the same taps as the forward pass; an empty span skips that gradient.</summary>
    private static void DepthwiseBackward(in ConvGeometry g, int mult, ReadOnlySpan<float> x, ReadOnlySpan<float> k,
        ReadOnlySpan<float> dy, Span<float> dx, Span<float> dk)
    {
        var rows = new DepthwiseTaps(g, mult);
        while (rows.MoveNext(out int inBase, out int kBase, out int outBase))
            for (int ch = 0; ch < g.Channels; ch++)
                for (int m = 0; m < mult; m++)
                {
                    float d = dy[outBase + ch * mult + m];
                    if (!dx.IsEmpty) dx[inBase + ch] += d * k[kBase + ch * mult + m];
                    if (!dk.IsEmpty) dk[kBase + ch * mult + m] += d * x[inBase + ch];
                }
    }

    /// <summary>Enumerates (input pixel, kernel tap, output pixel) offsets of every in-bounds tap of a depthwise window.</summary>
    private struct DepthwiseTaps(ConvGeometry g, int mult)
    {
        private int _n, _oh, _ow, _kh, _kw = -1;

        public bool MoveNext(out int inBase, out int kBase, out int outBase)
        {
            while (true)
            {
                if (++_kw == g.KW) { _kw = 0; _kh++; }
                if (_kh == g.KH) { _kh = 0; _ow++; }
                if (_ow == g.OutW) { _ow = 0; _oh++; }
                if (_oh == g.OutH) { _oh = 0; _n++; }
                if (_n >= g.Batch) { inBase = kBase = outBase = 0; return false; }
                int ih = _oh * g.SH - g.PadTop + _kh * g.DH;
                int iw = _ow * g.SW - g.PadLeft + _kw * g.DW;
                if ((uint)ih >= (uint)g.InH || (uint)iw >= (uint)g.InW) continue;
                inBase = ((_n * g.InH + ih) * g.InW + iw) * g.Channels;
                kBase = (_kh * g.KW + _kw) * g.Channels * mult;
                outBase = ((_n * g.OutH + _oh) * g.OutW + _ow) * g.Channels * mult;
                return true;
            }
        }
    }
}
