namespace Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

/// <summary>The geometry of a 2-D sliding window (a 1-D one has height 1): sizes, strides, dilation, padding.</summary>
internal readonly record struct ConvGeometry(
    int Batch, int InH, int InW, int Channels,
    int KH, int KW, int SH, int SW, int DH, int DW,
    int PadTop, int PadLeft, int OutH, int OutW)
{
    /// <summary>Output length and leading padding of one spatial axis (shared with other backends: <see cref="OpChecks.WindowAxis"/>).</summary>
    internal static (int Out, int PadBefore) Axis(int input, int kernel, int stride, int dilation, Padding padding, string op, string axisName) =>
        OpChecks.WindowAxis(input, kernel, stride, dilation, padding, op, axisName);

    internal int OutputPositions => OutH * OutW;

    internal int PatchSize => KH * KW * Channels;

    /// <summary>The input row that kernel row <paramref name="kh"/> reads for output row <paramref name="oh"/> (may lie in the padding).</summary>
    internal int InputRow(int oh, int kh) => oh * SH - PadTop + kh * DH;

    /// <summary>
    /// The output columns [Start, End) whose kernel column <paramref name="kw"/> reads inside the
    /// input, and the input column read by output column 0 (Offset; column ow reads Offset + ow·SW).
    /// </summary>
    internal (int Start, int End, int Offset) ColumnsInside(int kw)
    {
        int offset = kw * DW - PadLeft;
        int start = offset >= 0 ? 0 : (-offset + SW - 1) / SW;
        int end = InW - 1 - offset < 0 ? 0 : Math.Min(OutW, (InW - 1 - offset) / SW + 1);
        return (start, Math.Max(start, end), offset);
    }
}
