using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Microsoft.ML.FunctionalDnn.Kernels;

/// <summary>
/// Patch matrices for convolution as GEMM (channels last): one row per output position, columns
/// ordered (kernel row, kernel column, channel) to match a (KH, KW, C, F) kernel read as a
/// (KH·KW·C, F) matrix. Positions in the padding read as zero.
/// </summary>
internal static class Im2Col
{
    /// <summary>Fills <paramref name="col"/> with the patches of samples [n0, n0 + count).</summary>
    internal static void Gather(ReadOnlySpan<float> x, Span<float> col, in ConvGeometry g, int n0, int count)
    {
        var patches = col[..(count * g.OutputPositions * g.PatchSize)];
        patches.Clear();
        _ = x[(n0 + count) * g.InH * g.InW * g.Channels - 1];   // the walk below reads within these bounds
        Walk<GatherMove>(ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(patches), g, n0, count);
    }

    /// <summary>Adds each patch row of <paramref name="col"/> back into the input positions it was read from.</summary>
    internal static void Scatter(ReadOnlySpan<float> col, Span<float> dx, in ConvGeometry g, int n0, int count)
    {
        _ = col[count * g.OutputPositions * g.PatchSize - 1];
        _ = dx[(n0 + count) * g.InH * g.InW * g.Channels - 1];
        Walk<ScatterMove>(ref MemoryMarshal.GetReference(dx), ref MemoryMarshal.GetReference(col), g, n0, count);
    }

    /// <summary>
    /// Visits every (output position, tap) pair that reads inside the input, a run of output columns
    /// per kernel tap, and moves one pixel's channels between the image and the patch row. No
    /// per-tap enumerator or span: a grayscale stem moves one float per pair.
    /// </summary>
    private static void Walk<TMove>(ref float image, ref float patches, in ConvGeometry g, int n0, int count) where TMove : IPatchMove
    {
        int c = g.Channels, patch = g.PatchSize;
        for (int n = n0; n < n0 + count; n++)
            for (int oh = 0; oh < g.OutH; oh++)
            {
                int position = ((n - n0) * g.OutH + oh) * g.OutW;
                for (int kh = 0; kh < g.KH; kh++)
                {
                    int ih = g.InputRow(oh, kh);
                    if ((uint)ih >= (uint)g.InH) continue;
                    int rowPixel = (n * g.InH + ih) * g.InW;
                    for (int kw = 0; kw < g.KW; kw++)
                    {
                        var (start, end, offset) = g.ColumnsInside(kw);
                        int tapColumn = (kh * g.KW + kw) * c;
                        for (int ow = start; ow < end; ow++)
                            TMove.Move(ref Unsafe.Add(ref image, (rowPixel + offset + ow * g.SW) * c), ref Unsafe.Add(ref patches, (position + ow) * patch + tapColumn), c);
                    }
                }
            }
    }

    private interface IPatchMove
    {
        static abstract void Move(ref float pixel, ref float entry, int channels);
    }

    private readonly struct GatherMove : IPatchMove
    {
        public static void Move(ref float pixel, ref float entry, int channels)
        {
            if (channels == 1) entry = pixel;
            else MemoryMarshal.CreateReadOnlySpan(ref pixel, channels).CopyTo(MemoryMarshal.CreateSpan(ref entry, channels));
        }
    }

    private readonly struct ScatterMove : IPatchMove
    {
        public static void Move(ref float pixel, ref float entry, int channels)
        {
            if (channels == 1) pixel += entry;
            else AddRow(MemoryMarshal.CreateSpan(ref pixel, channels), MemoryMarshal.CreateReadOnlySpan(ref entry, channels));
        }
    }

    /// <summary>d += s for one pixel's channels: short rows, so an inlined vector loop beats a library call per row.</summary>
    internal static void AddRow(Span<float> d, ReadOnlySpan<float> s)
    {
        int i = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated)
        {
            int w = System.Numerics.Vector<float>.Count;
            for (; i <= d.Length - w; i += w)
                (new System.Numerics.Vector<float>(d[i..]) + new System.Numerics.Vector<float>(s[i..])).CopyTo(d[i..]);
        }
        for (; i < d.Length; i++) d[i] += s[i];
    }
}
