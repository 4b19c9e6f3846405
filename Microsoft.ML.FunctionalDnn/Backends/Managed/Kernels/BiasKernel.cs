using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

/// <summary>
/// A layer's bias over the last axis and its optional ReLU in one pass each way. Forward:
/// y = max(x + b, 0) (or x + b). Backward: dz = dy where y &gt; 0 (or dy itself), and the bias
/// gradient, the column sums of dz, in the same pass. The sums are taken over fixed blocks of
/// <see cref="BlockRows"/> rows and the blocks' partial sums added in block order, so the bits do
/// not depend on how many cores share the blocks.
/// </summary>
internal static class BiasKernel
{
    /// <summary>Rows per partial sum of the bias gradient.</summary>
    internal const int BlockRows = 128;

    /// <summary>y = x + bias (then max(·, 0) when <paramref name="relu"/>), x and y of the same shape, rows of bias.Length.</summary>
    internal static void Forward(Tensor x, Tensor bias, Tensor y, bool relu)
    {
        int channels = bias.Size, rows = channels == 0 ? 0 : x.Size / channels;
        Parallelism.ForRanges(rows, channels, (start, count) =>
        {
            var xs = x.Data.Slice(start * channels, count * channels);
            var ys = y.Data.Slice(start * channels, count * channels);
            ReadOnlySpan<float> b = bias.Data;
            for (int r = 0; r < count; r++)
            {
                int at = r * channels;
                if (relu) ForwardRow<Relu>(xs.Slice(at, channels), b, ys.Slice(at, channels));
                else ForwardRow<Linear>(xs.Slice(at, channels), b, ys.Slice(at, channels));
            }
        });
    }

    /// <summary>
    /// From the output gradient <paramref name="dy"/>: dz (written when <paramref name="dz"/> is not
    /// null; with <paramref name="y"/> null there is no ReLU and dz would be dy) and the bias
    /// gradient <paramref name="db"/> (when not null).
    /// </summary>
    internal static void Backward(Tensor dy, Tensor? y, Tensor? dz, Tensor? db)
    {
        int channels = db?.Size ?? dy.Shape[-1], rows = channels == 0 ? 0 : dy.Size / channels;
        int blocks = (rows + BlockRows - 1) / BlockRows;
        float[]? partials = db is null ? null : ArrayPool<float>.Shared.Rent(blocks * channels);
        Parallelism.ForRanges(blocks, (long)BlockRows * channels, (first, count) =>
        {
            for (int block = first; block < first + count; block++)
            {
                int r0 = block * BlockRows, n = Math.Min(BlockRows, rows - r0);
                var sums = partials is null ? Span<float>.Empty : partials.AsSpan(block * channels, channels);
                sums.Clear();
                GradientRun(dy.Data.Slice(r0 * channels, n * channels), y is null ? default : y.Data.Slice(r0 * channels, n * channels),
                    dz is null ? default : dz.Data.Slice(r0 * channels, n * channels), sums, channels);
            }
        });
        if (db is null || partials is null) return;
        var total = db.Data;
        total.Clear();
        AddPartials(partials, blocks, total);
        ArrayPool<float>.Shared.Return(partials);
    }

    /// <summary>row = row + bias (then max(·, 0) when <paramref name="relu"/>) in place, for each of <paramref name="rows"/> rows <paramref name="stride"/> floats apart: a product's epilogue while its rows are still in cache.</summary>
    internal static unsafe void ApplyInPlace(float* c, int rows, int stride, ReadOnlySpan<float> bias, bool relu)
    {
        for (int r = 0; r < rows; r++)
        {
            var row = new Span<float>(c + (long)r * stride, bias.Length);
            if (relu) ForwardRow<Relu>(row, bias, row);
            else ForwardRow<Linear>(row, bias, row);
        }
    }

    /// <summary>
    /// A run of whole rows (pixels; <paramref name="channels"/> floats each) of the output gradient
    /// into <paramref name="dz"/> when it is not empty: dy where y &gt; 0 (with <paramref name="y"/>
    /// empty, dy itself), each row's values added to <paramref name="sums"/> when it is not empty.
    /// </summary>
    internal static void GradientRun(ReadOnlySpan<float> dy, ReadOnlySpan<float> y, Span<float> dz, Span<float> sums, int channels)
    {
        if (y.IsEmpty && !dz.IsEmpty) dy.CopyTo(dz);
        if (y.IsEmpty && sums.IsEmpty) return;
        for (int at = 0; at < dy.Length; at += channels)
        {
            if (y.IsEmpty) AddRow(dy.Slice(at, channels), sums);
            else BackwardRow(dy.Slice(at, channels), y.Slice(at, channels), dz.IsEmpty ? default : dz.Slice(at, channels), sums);
        }
    }

    /// <summary>total += each of the <paramref name="count"/> consecutive partial sums in <paramref name="partials"/>, in order.</summary>
    internal static void AddPartials(ReadOnlySpan<float> partials, int count, Span<float> total)
    {
        int channels = total.Length;
        for (int i = 0; i < count; i++) AddRow(partials.Slice(i * channels, channels), total);
    }

    private interface IActivation
    {
        static abstract Vector<float> Apply(Vector<float> v);

        static abstract float Apply(float v);
    }

    private readonly struct Linear : IActivation
    {
        public static Vector<float> Apply(Vector<float> v) => v;

        public static float Apply(float v) => v;
    }

    private readonly struct Relu : IActivation
    {
        // IEEE maximum, as the unfused Relu: a NaN stays NaN.
        public static Vector<float> Apply(Vector<float> v) => Vector.Max(v, Vector<float>.Zero);

        public static float Apply(float v) => Math.Max(v, 0f);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ForwardRow<TA>(ReadOnlySpan<float> x, ReadOnlySpan<float> b, Span<float> y) where TA : IActivation
    {
        ref float xr = ref MemoryMarshal.GetReference(x), br = ref MemoryMarshal.GetReference(b), yr = ref MemoryMarshal.GetReference(y);
        nuint i = 0, n = (nuint)x.Length, w = (nuint)Vector<float>.Count;
        if (Vector.IsHardwareAccelerated)
            for (; i + w <= n; i += w) TA.Apply(Vector.LoadUnsafe(ref xr, i) + Vector.LoadUnsafe(ref br, i)).StoreUnsafe(ref yr, i);
        for (; i < n; i++) Unsafe.Add(ref yr, i) = TA.Apply(Unsafe.Add(ref xr, i) + Unsafe.Add(ref br, i));
    }

    /// <summary>dz = dy where y &gt; 0, else 0 (stored when <paramref name="dz"/> is not empty), added to <paramref name="sums"/> when it is not empty.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BackwardRow(ReadOnlySpan<float> dy, ReadOnlySpan<float> y, Span<float> dz, Span<float> sums)
    {
        ref float gr = ref MemoryMarshal.GetReference(dy), yr = ref MemoryMarshal.GetReference(y);
        ref float zr = ref MemoryMarshal.GetReference(dz), sr = ref MemoryMarshal.GetReference(sums);
        bool store = !dz.IsEmpty, sum = !sums.IsEmpty;
        nuint i = 0, n = (nuint)dy.Length, w = (nuint)Vector<float>.Count;
        if (Vector.IsHardwareAccelerated)
            for (; i + w <= n; i += w)
            {
                var g = Vector.ConditionalSelect(Vector.GreaterThan(Vector.LoadUnsafe(ref yr, i), Vector<float>.Zero), Vector.LoadUnsafe(ref gr, i), Vector<float>.Zero);
                if (store) g.StoreUnsafe(ref zr, i);
                if (sum) (Vector.LoadUnsafe(ref sr, i) + g).StoreUnsafe(ref sr, i);
            }
        for (; i < n; i++)
        {
            float g = Unsafe.Add(ref yr, i) > 0 ? Unsafe.Add(ref gr, i) : 0;
            if (store) Unsafe.Add(ref zr, i) = g;
            if (sum) Unsafe.Add(ref sr, i) += g;
        }
    }

    /// <summary>sums += row, element by element (nothing when <paramref name="sums"/> is empty).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRow(ReadOnlySpan<float> row, Span<float> sums)
    {
        if (sums.IsEmpty) return;
        int i = 0, w = Vector<float>.Count;
        if (Vector.IsHardwareAccelerated)
            for (; i <= row.Length - w; i += w) (new Vector<float>(sums[i..]) + new Vector<float>(row[i..])).CopyTo(sums[i..]);
        for (; i < row.Length; i++) sums[i] += row[i];
    }
}
