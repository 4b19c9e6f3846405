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
        int c = g.Channels, patch = g.PatchSize;
        col[..(count * g.OutputPositions * patch)].Clear();
        var taps = new WindowTaps(g, n0, count);
        while (taps.MoveNext())
            x.Slice(taps.Pixel * c, c).CopyTo(col.Slice(taps.Position * patch + taps.Tap * c, c));
    }

    /// <summary>Adds each patch row of <paramref name="col"/> back into the input positions it was read from.</summary>
    internal static void Scatter(ReadOnlySpan<float> col, Span<float> dx, in ConvGeometry g, int n0, int count)
    {
        int c = g.Channels, patch = g.PatchSize;
        var taps = new WindowTaps(g, n0, count);
        while (taps.MoveNext())
            AddRow(dx.Slice(taps.Pixel * c, c), col.Slice(taps.Position * patch + taps.Tap * c, c));
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
