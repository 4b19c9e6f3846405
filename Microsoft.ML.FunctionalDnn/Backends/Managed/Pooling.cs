using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

namespace Microsoft.ML.FunctionalDnn.Backends.Managed;

internal sealed partial class ManagedBackend
{
    public Tensor MaxPool2D(Tensor x, (int H, int W) poolSize, (int H, int W)? strides, Padding padding) =>
        Pool2D(x, poolSize, strides ?? poolSize, padding, max: true, nameof(MaxPool2D));

    public Tensor AveragePool2D(Tensor x, (int H, int W) poolSize, (int H, int W)? strides, Padding padding) =>
        Pool2D(x, poolSize, strides ?? poolSize, padding, max: false, nameof(AveragePool2D));

    public Tensor MaxPool1D(Tensor x, int poolSize, int? stride, Padding padding) =>
        Pool1D(x, poolSize, stride ?? poolSize, padding, max: true, nameof(MaxPool1D));

    public Tensor AveragePool1D(Tensor x, int poolSize, int? stride, Padding padding) =>
        Pool1D(x, poolSize, stride ?? poolSize, padding, max: false, nameof(AveragePool1D));

    private Tensor Pool1D(Tensor x, int pool, int stride, Padding padding, bool max, string name)
    {
        OpChecks.CheckPool(x, 3, padding, name);
        var x4 = Reshape(x, x.Shape[0], 1, x.Shape[1], x.Shape[2]);
        var g = Geometry(x4, 1, pool, 1, stride, 1, 1, Padding.Valid, padding, name);
        var y = PoolCore(x4, g, max, name);
        return Reshape(y, g.Batch, g.OutW, g.Channels);
    }

    private static Tensor Pool2D(Tensor x, (int H, int W) pool, (int H, int W) strides, Padding padding, bool max, string name)
    {
        OpChecks.CheckPool(x, 4, padding, name);
        var g = Geometry(x, pool.H, pool.W, strides.H, strides.W, 1, 1, padding, padding, name);
        return PoolCore(x, g, max, name);
    }

    /// <summary>
    /// Max pooling of samples [n0, n0 + count) into <paramref name="y"/> and the flat input index
    /// each value came from into <paramref name="from"/> (both counted from sample n0). Eight
    /// channels at a time, the running maximum and its index stay in registers over the window's
    /// taps (kh, kw order; a later tap wins only when strictly larger, so ties keep the first).
    /// </summary>
    private static void MaxPoolSamples(ReadOnlySpan<float> x, Span<float> y, Span<int> from, in ConvGeometry g, int n0, int count)
    {
        int c = g.Channels, width = Vector256<float>.Count;
        Span<int> taps = g.KH * g.KW <= 256 ? stackalloc int[g.KH * g.KW] : new int[g.KH * g.KW];
        ref float xs = ref MemoryMarshal.GetReference(x);
        for (int n = n0; n < n0 + count; n++)
            for (int oh = 0; oh < g.OutH; oh++)
                for (int ow = 0; ow < g.OutW; ow++)
                {
                    // The window's pixels inside the input, as offsets of their first channel.
                    int found = 0;
                    for (int kh = 0; kh < g.KH; kh++)
                    {
                        int ih = g.InputRow(oh, kh);
                        if ((uint)ih >= (uint)g.InH) continue;
                        for (int kw = 0; kw < g.KW; kw++)
                        {
                            int iw = ow * g.SW - g.PadLeft + kw * g.DW;
                            if ((uint)iw < (uint)g.InW) taps[found++] = ((n * g.InH + ih) * g.InW + iw) * c;
                        }
                    }
                    int at = (((n - n0) * g.OutH + oh) * g.OutW + ow) * c, ch = 0;
                    if (Vector256.IsHardwareAccelerated)
                        for (; ch <= c - width; ch += width)
                        {
                            var best = Vector256.LoadUnsafe(ref xs, (nuint)(taps[0] + ch));
                            var index = Vector256.Create(taps[0] + ch) + Vector256<int>.Indices;
                            for (int t = 1; t < found; t++)
                            {
                                var value = Vector256.LoadUnsafe(ref xs, (nuint)(taps[t] + ch));
                                var larger = Vector256.GreaterThan(value, best);
                                best = Vector256.ConditionalSelect(larger, value, best);
                                index = Vector256.ConditionalSelect(larger.AsInt32(), Vector256.Create(taps[t] + ch) + Vector256<int>.Indices, index);
                            }
                            best.CopyTo(y.Slice(at + ch, width));
                            index.CopyTo(from.Slice(at + ch, width));
                        }
                    for (; ch < c; ch++)
                    {
                        float best = x[taps[0] + ch];
                        int index = taps[0] + ch;
                        for (int t = 1; t < found; t++)
                            if (x[taps[t] + ch] > best) { best = x[taps[t] + ch]; index = taps[t] + ch; }
                        y[at + ch] = best;
                        from[at + ch] = index;
                    }
                }
    }

    private static Tensor PoolCore(Tensor x, ConvGeometry g, bool max, string name)
    {
        RequireFloat(x, name);
        int c = g.Channels;
        var y = Tensor.Empty(new Shape(g.Batch, g.OutH, g.OutW, c));
        // Taps seen per output position (the divisor of an average); for max pooling, the flat
        // input index each output element took its value from.
        var counts = Tensor.Zeros(new Shape(g.Batch * g.OutH * g.OutW), DType.Int32);
        var source = max ? Tensor.Empty(y.Shape, DType.Int32) : null;
        int positions = g.OutH * g.OutW;
        // Samples are independent: each range of them is walked by one core.
        Parallelism.ForRanges(g.Batch, (long)positions * g.KH * g.KW * c, (n0, count) =>
        {
            var cs = counts.IntData.Slice(n0 * positions, count * positions);
            var ys = y.Data.Slice(n0 * positions * c, count * positions * c);
            if (max)
            {
                MaxPoolSamples(x.Data, ys, source!.IntData.Slice(n0 * positions * c, count * positions * c), g, n0, count);
                return;
            }
            var pool = new PoolTap(x.Data, ys, cs, c);
            WindowRuns.ForEach(g, n0, count, ref pool);
            for (int pos = 0; pos < cs.Length; pos++)
                System.Numerics.Tensors.TensorPrimitives.Multiply(ys.Slice(pos * c, c), 1f / cs[pos], ys.Slice(pos * c, c));
        });
        if (Tape.ShouldRecord(x))
        {
            Tape.Record(name, y, [x], node =>
            {
                var dx = Tensor.Zeros(x.Shape);
                var grad = node.Grad;
                // A sample's window taps read only its own pixels: ranges of samples write disjoint parts of dx.
                Parallelism.ForRanges(g.Batch, (long)positions * (max ? 1 : g.KH * g.KW) * c, (n0, count) =>
                {
                    var d = dx.Data;
                    var dy = grad.Data.Slice(n0 * positions * c, count * positions * c);
                    if (max)
                    {
                        var from = source!.IntData.Slice(n0 * positions * c, count * positions * c);
                        for (int i = 0; i < dy.Length; i++) d[from[i]] += dy[i];
                    }
                    else
                    {
                        var spread = new AverageGradientTap(dy, d, counts.IntData.Slice(n0 * positions, count * positions), c);
                        WindowRuns.ForEach(g, n0, count, ref spread);
                    }
                });
                node.AccumulateInputGrad(0, dx);
            });
        }
        return y;
    }

    /// <summary>One tap of average pooling: the first tap of a position starts its sum, later taps add in, and the taps are counted.</summary>
    private readonly ref struct PoolTap(ReadOnlySpan<float> x, Span<float> y, Span<int> counts, int channels) : ITapVisitor
    {
        private readonly ReadOnlySpan<float> _x = x;
        private readonly Span<float> _y = y;
        private readonly Span<int> _counts = counts;

        public void Visit(int position, int tap, int pixel)
        {
            var outRow = _y.Slice(position * channels, channels);
            var inRow = _x.Slice(pixel * channels, channels);
            if (_counts[position]++ == 0) inRow.CopyTo(outRow);
            else Im2Col.AddRow(outRow, inRow);
        }
    }

    /// <summary>Average pooling's gradient for one tap: the position's gradient over its tap count, added to the pixel.</summary>
    private readonly ref struct AverageGradientTap(ReadOnlySpan<float> dy, Span<float> dx, ReadOnlySpan<int> counts, int channels) : ITapVisitor
    {
        private readonly ReadOnlySpan<float> _dy = dy;
        private readonly Span<float> _dx = dx;
        private readonly ReadOnlySpan<int> _counts = counts;

        public void Visit(int position, int tap, int pixel)
        {
            var row = _dx.Slice(pixel * channels, channels);
            var grad = _dy.Slice(position * channels, channels);
            float scale = 1f / _counts[position];
            for (int ch = 0; ch < channels; ch++) row[ch] += grad[ch] * scale;
        }
    }
}
