namespace Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

/// <summary>What <see cref="WindowRuns.ForEach"/> calls for every in-bounds tap.</summary>
internal interface ITapVisitor
{
    /// <summary>One tap: the output position (counted from the walk's first sample), the tap index kh·KW + kw, and the flat input pixel it reads.</summary>
    void Visit(int position, int tap, int pixel);
}

/// <summary>
/// Walks every in-bounds tap of a sliding window (convolution patches, depthwise convolution,
/// pooling) over samples [n0, n0 + count). Per output row and kernel tap, the output columns whose
/// tap lies inside the input are found once and visited in a plain loop; taps in the padding are
/// skipped. Each output position sees its taps in kh·KW + kw order.
/// </summary>
internal static class WindowRuns
{
    internal static void ForEach<TVisitor>(in ConvGeometry g, int n0, int count, ref TVisitor visitor)
        where TVisitor : ITapVisitor, allows ref struct
    {
        // Which output columns each kernel column reads inside the input depends on the column alone.
        Span<(int Start, int End, int Offset)> columns = g.KW <= 64 ? stackalloc (int, int, int)[g.KW] : new (int, int, int)[g.KW];
        for (int kw = 0; kw < g.KW; kw++) columns[kw] = g.ColumnsInside(kw);
        for (int n = n0; n < n0 + count; n++)
            for (int oh = 0; oh < g.OutH; oh++)
            {
                int rowPosition = ((n - n0) * g.OutH + oh) * g.OutW;
                for (int kh = 0; kh < g.KH; kh++)
                {
                    int ih = g.InputRow(oh, kh);
                    if ((uint)ih >= (uint)g.InH) continue;
                    int rowPixel = (n * g.InH + ih) * g.InW;
                    for (int kw = 0; kw < g.KW; kw++)
                    {
                        var (start, end, offset) = columns[kw];
                        int tap = kh * g.KW + kw;
                        for (int ow = start; ow < end; ow++)
                            visitor.Visit(rowPosition + ow, tap, rowPixel + offset + ow * g.SW);
                    }
                }
            }
    }
}
