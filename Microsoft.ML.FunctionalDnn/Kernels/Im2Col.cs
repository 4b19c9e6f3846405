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
        int row = 0;
        for (int n = n0; n < n0 + count; n++)
            for (int oh = 0; oh < g.OutH; oh++)
                for (int ow = 0; ow < g.OutW; ow++, row++)
                {
                    var dst = col.Slice(row * patch, patch);
                    int k = 0;
                    for (int kh = 0; kh < g.KH; kh++)
                    {
                        int ih = oh * g.SH - g.PadTop + kh * g.DH;
                        for (int kw = 0; kw < g.KW; kw++, k += c)
                        {
                            int iw = ow * g.SW - g.PadLeft + kw * g.DW;
                            if ((uint)ih < (uint)g.InH && (uint)iw < (uint)g.InW)
                                x.Slice(((n * g.InH + ih) * g.InW + iw) * c, c).CopyTo(dst.Slice(k, c));
                            else
                                dst.Slice(k, c).Clear();
                        }
                    }
                }
    }

    /// <summary>Adds each patch row of <paramref name="col"/> back into the input positions it was read from.</summary>
    internal static void Scatter(ReadOnlySpan<float> col, Span<float> dx, in ConvGeometry g, int n0, int count)
    {
        int c = g.Channels, patch = g.PatchSize;
        int row = 0;
        for (int n = n0; n < n0 + count; n++)
            for (int oh = 0; oh < g.OutH; oh++)
                for (int ow = 0; ow < g.OutW; ow++, row++)
                {
                    var src = col.Slice(row * patch, patch);
                    int k = 0;
                    for (int kh = 0; kh < g.KH; kh++)
                    {
                        int ih = oh * g.SH - g.PadTop + kh * g.DH;
                        for (int kw = 0; kw < g.KW; kw++, k += c)
                        {
                            int iw = ow * g.SW - g.PadLeft + kw * g.DW;
                            if ((uint)ih >= (uint)g.InH || (uint)iw >= (uint)g.InW) continue;
                            AddRow(dx.Slice(((n * g.InH + ih) * g.InW + iw) * c, c), src.Slice(k, c));
                        }
                    }
                }
    }

    /// <summary>d += s for one pixel's channels: short rows, so an inlined vector loop beats a library call per row.</summary>
    private static void AddRow(Span<float> d, ReadOnlySpan<float> s)
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
