namespace Microsoft.ML.FunctionalDnn.Kernels;

/// <summary>
/// Walks every in-bounds tap of a sliding window (convolution, depthwise convolution, pooling) over
/// samples [n0, n0 + count), in output order then tap order: for each tap it gives the output
/// position (counted from sample n0), the tap index kh·KW + kw, and the flat index of the input
/// pixel the tap reads. Taps that fall in the padding are skipped.
/// </summary>
internal struct WindowTaps
{
    private readonly ConvGeometry _g;
    private readonly int _end;
    private int _n, _oh, _ow, _kh, _kw;

    internal WindowTaps(in ConvGeometry g, int n0, int count)
    {
        _g = g;
        _n = n0;
        _end = n0 + count;
        _kw = -1;
        Position = -1;
        StartPosition = n0 * g.OutH * g.OutW;
    }

    /// <summary>The output position, counted from the first sample of the walk.</summary>
    internal int Position { readonly get; private set; }

    /// <summary>kh · KW + kw.</summary>
    internal int Tap { readonly get; private set; }

    /// <summary>The flat (n, ih, iw) index of the input pixel.</summary>
    internal int Pixel { readonly get; private set; }

    private int StartPosition { get; }

    internal bool MoveNext()
    {
        while (true)
        {
            if (++_kw == _g.KW) { _kw = 0; _kh++; }
            if (_kh == _g.KH) { _kh = 0; _ow++; }
            if (_ow == _g.OutW) { _ow = 0; _oh++; }
            if (_oh == _g.OutH) { _oh = 0; _n++; }
            if (_n >= _end) return false;
            int ih = _oh * _g.SH - _g.PadTop + _kh * _g.DH;
            int iw = _ow * _g.SW - _g.PadLeft + _kw * _g.DW;
            if ((uint)ih >= (uint)_g.InH || (uint)iw >= (uint)_g.InW) continue;
            Position = (_n * _g.OutH + _oh) * _g.OutW + _ow - StartPosition;
            Tap = _kh * _g.KW + _kw;
            Pixel = (_n * _g.InH + ih) * _g.InW + iw;
            return true;
        }
    }
}

/// <summary>What <see cref="WindowRuns.ForEach"/> calls for every in-bounds tap.</summary>
internal interface ITapVisitor
{
    /// <summary>One tap: the output position (counted from the walk's first sample), the tap index kh·KW + kw, and the flat input pixel it reads.</summary>
    void Visit(int position, int tap, int pixel);
}

/// <summary>
/// The same walk as <see cref="WindowTaps"/> without an enumerator's state machine: per output row
/// and kernel tap, the output columns whose tap lies inside the input are found once and visited
/// in a plain loop. Each output position still sees its taps in kh·KW + kw order.
/// </summary>
internal static class WindowRuns
{
    internal static void ForEach<TVisitor>(in ConvGeometry g, int n0, int count, ref TVisitor visitor)
        where TVisitor : ITapVisitor, allows ref struct
    {
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
                        var (start, end, offset) = g.ColumnsInside(kw);
                        int tap = kh * g.KW + kw;
                        for (int ow = start; ow < end; ow++)
                            visitor.Visit(rowPosition + ow, tap, rowPixel + offset + ow * g.SW);
                    }
                }
            }
    }
}
