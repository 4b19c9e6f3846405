using Microsoft.ML.FunctionalDnn.Kernels;

namespace Microsoft.ML.FunctionalDnn;

public static partial class Ops
{
    /// <summary>2-D max pooling, channels last; strides default to the pool size (as Keras).</summary>
    public static Tensor MaxPool2D(Tensor x, (int H, int W) poolSize, (int H, int W)? strides = null, Padding padding = Padding.Valid) =>
        Pool2D(x, poolSize, strides ?? poolSize, padding, max: true, nameof(MaxPool2D));

    /// <summary>2-D average pooling, channels last; with 'same' padding only the real inputs are averaged (as TensorFlow).</summary>
    public static Tensor AveragePool2D(Tensor x, (int H, int W) poolSize, (int H, int W)? strides = null, Padding padding = Padding.Valid) =>
        Pool2D(x, poolSize, strides ?? poolSize, padding, max: false, nameof(AveragePool2D));

    /// <summary>1-D max pooling over (batch, steps, channels); the stride defaults to the pool size.</summary>
    public static Tensor MaxPool1D(Tensor x, int poolSize, int? stride = null, Padding padding = Padding.Valid) =>
        Pool1D(x, poolSize, stride ?? poolSize, padding, max: true, nameof(MaxPool1D));

    /// <summary>1-D average pooling over (batch, steps, channels); the stride defaults to the pool size.</summary>
    public static Tensor AveragePool1D(Tensor x, int poolSize, int? stride = null, Padding padding = Padding.Valid) =>
        Pool1D(x, poolSize, stride ?? poolSize, padding, max: false, nameof(AveragePool1D));

    /// <summary>Maximum over the spatial axes: (batch, …, channels) to (batch, channels).</summary>
    public static Tensor GlobalMaxPool(Tensor x) => Max(x, SpatialAxes(x, nameof(GlobalMaxPool)));

    /// <summary>Mean over the spatial axes: (batch, …, channels) to (batch, channels).</summary>
    public static Tensor GlobalAveragePool(Tensor x) => Mean(x, SpatialAxes(x, nameof(GlobalAveragePool)));

    /// <summary>
    /// Mean over the spatial axes of the positions the mask keeps, as Keras's masked
    /// <c>GlobalAveragePooling1D</c>: Σ x·m / Σ m per sample and channel, with m = 1 where
    /// <paramref name="mask"/> (batch, spatial…) is non-zero. Masked positions get no gradient; a
    /// sample with every position masked gives NaN (0 / 0), as in Keras.
    /// </summary>
    public static Tensor GlobalAveragePool(Tensor x, Tensor mask)
    {
        var axes = SpatialAxes(x, nameof(GlobalAveragePool));
        var keep = MaskIndicator(mask, x, nameof(GlobalAveragePool));
        var kept = Where(keep, x, Tensor.Scalar(0));
        return Divide(Sum(kept, axes), Sum(keep, axes));
    }

    /// <summary>
    /// A Keras mask over every axis of <paramref name="x"/> but the last, as 0/1 floats with a trailing
    /// axis of 1 (so it broadcasts over the features); throws when the mask does not fit.
    /// </summary>
    internal static Tensor MaskIndicator(Tensor mask, Tensor x, string op)
    {
        ArgumentNullException.ThrowIfNull(mask);
        var expected = new Shape(x.Shape.ToArray()[..^1]);
        if (mask.Shape != expected)
            throw new ArgumentException($"{op}: the mask must cover every axis of the input {x.Shape} but the last, {expected}; received {mask.Shape}.");
        var keep = Tensor.Empty(new Shape([.. expected, 1]));
        var k = keep.Data;
        for (int i = 0; i < k.Length; i++)
            k[i] = (mask.DType == DType.Float32 ? mask.Data[i] != 0 : mask.IntData[i] != 0) ? 1f : 0f;
        return keep;
    }

    private static int[] SpatialAxes(Tensor x, string op)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank < 3) throw new ArgumentException($"{op} expects (batch, spatial…, channels) of rank 3 or more; received {x.Shape}.");
        return Enumerable.Range(1, x.Rank - 2).ToArray();
    }

    private static Tensor Pool1D(Tensor x, int pool, int stride, Padding padding, bool max, string name)
    {
        ArgumentNullException.ThrowIfNull(x);
        RequireRank(x, 3, name, "(batch, steps, channels)");
        if (padding == Padding.Causal) throw new ArgumentException($"{name}: padding must be 'valid' or 'same'.", nameof(padding));
        var x4 = Reshape(x, x.Shape[0], 1, x.Shape[1], x.Shape[2]);
        var g = Geometry(x4, 1, pool, 1, stride, 1, 1, Padding.Valid, padding, name);
        var y = PoolCore(x4, g, max, name);
        return Reshape(y, g.Batch, g.OutW, g.Channels);
    }

    private static Tensor Pool2D(Tensor x, (int H, int W) pool, (int H, int W) strides, Padding padding, bool max, string name)
    {
        ArgumentNullException.ThrowIfNull(x);
        RequireRank(x, 4, name, "(batch, height, width, channels)");
        if (padding == Padding.Causal) throw new ArgumentException($"{name}: padding must be 'valid' or 'same'.", nameof(padding));
        var g = Geometry(x, pool.H, pool.W, strides.H, strides.W, 1, 1, padding, padding, name);
        return PoolCore(x, g, max, name);
    }

    /// <summary>One tap of max pooling over a pixel's channels: keeps the larger value and the flat input index it came from (vectorized).</summary>
    private static void MaxRow(ReadOnlySpan<float> input, Span<float> output, Span<int> from, int firstIndex, bool first)
    {
        int c = input.Length, ch = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated && c >= System.Numerics.Vector<float>.Count)
        {
            int w = System.Numerics.Vector<float>.Count;
            var lane = System.Numerics.Vector<int>.Indices;
            for (; ch <= c - w; ch += w)
            {
                var value = new System.Numerics.Vector<float>(input[ch..]);
                var index = new System.Numerics.Vector<int>(firstIndex + ch) + lane;
                if (first)
                {
                    value.CopyTo(output[ch..]);
                    index.CopyTo(from[ch..]);
                    continue;
                }
                var best = new System.Numerics.Vector<float>(output[ch..]);
                var larger = System.Numerics.Vector.GreaterThan(value, best);
                System.Numerics.Vector.ConditionalSelect(larger, value, best).CopyTo(output[ch..]);
                System.Numerics.Vector.ConditionalSelect(larger, index, new System.Numerics.Vector<int>(from[ch..])).CopyTo(from[ch..]);
            }
        }
        for (; ch < c; ch++)
            if (first || input[ch] > output[ch]) { output[ch] = input[ch]; from[ch] = firstIndex + ch; }
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
        var cs = counts.IntData;
        var pool = new PoolTap(x.Data, y.Data, cs, max ? source!.IntData : default, c, max);
        WindowRuns.ForEach(g, 0, g.Batch, ref pool);
        var ys = y.Data;
        if (!max)
            for (int pos = 0; pos < cs.Length; pos++)
                System.Numerics.Tensors.TensorPrimitives.Multiply(ys.Slice(pos * c, c), 1f / cs[pos], ys.Slice(pos * c, c));
        if (Tape.ShouldRecord(x))
        {
            Tape.Record(name, y, [x], node =>
            {
                var dx = Tensor.Zeros(x.Shape);
                var d = dx.Data;
                var dy = node.Grad.Data;
                if (max)
                {
                    var from = source!.IntData;
                    for (int i = 0; i < dy.Length; i++) d[from[i]] += dy[i];
                }
                else
                {
                    var spread = new AverageGradientTap(dy, d, counts.IntData, c);
                    WindowRuns.ForEach(g, 0, g.Batch, ref spread);
                }
                node.AccumulateInputGrad(0, dx);
            });
        }
        return y;
    }

    /// <summary>One tap of pooling: the first tap of a position starts its maximum or sum, later taps fold in (max keeps the source index).</summary>
    private readonly ref struct PoolTap(ReadOnlySpan<float> x, Span<float> y, Span<int> counts, Span<int> sources, int channels, bool max) : ITapVisitor
    {
        private readonly ReadOnlySpan<float> _x = x;
        private readonly Span<float> _y = y;
        private readonly Span<int> _counts = counts, _sources = sources;

        public void Visit(int position, int tap, int pixel)
        {
            var outRow = _y.Slice(position * channels, channels);
            var inRow = _x.Slice(pixel * channels, channels);
            bool first = _counts[position]++ == 0;
            if (max) MaxRow(inRow, outRow, _sources.Slice(position * channels, channels), pixel * channels, first);
            else if (first) inRow.CopyTo(outRow);
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
