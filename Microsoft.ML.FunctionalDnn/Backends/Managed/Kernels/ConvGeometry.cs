namespace Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

/// <summary>The geometry of a 2-D sliding window (a 1-D one has height 1): sizes, strides, dilation, padding.</summary>
internal readonly record struct ConvGeometry(
    int Batch, int InH, int InW, int Channels,
    int KH, int KW, int SH, int SW, int DH, int DW,
    int PadTop, int PadLeft, int OutH, int OutW)
{
    /// <summary>Output length and leading padding of one spatial axis; throws when the window does not fit.</summary>
    internal static (int Out, int PadBefore) Axis(int input, int kernel, int stride, int dilation, Padding padding, string op, string axisName)
    {
        if (kernel <= 0 || stride <= 0 || dilation <= 0)
            throw new ArgumentException($"{op}: kernel size, stride and dilation must be positive; received kernel {kernel}, stride {stride}, dilation {dilation}.");
        int span = dilation * (kernel - 1) + 1;
        switch (padding)
        {
            case Padding.Valid:
            {
                int o = input >= span ? (input - span) / stride + 1 : 0;
                if (o <= 0)
                    throw new ArgumentException($"{op}: the {axisName} of the input is {input}, shorter than the window ({kernel}{(dilation > 1 ? $" dilated by {dilation} = {span}" : "")}) with padding 'valid'; the output would be {(input - span) / stride + 1}. Use padding 'same', a smaller kernel or stride, or a longer input.");
                return (o, 0);
            }
            case Padding.Same:
            {
                if (input <= 0) throw new ArgumentException($"{op}: the {axisName} of the input is {input}; it must be positive.");
                int o = (input + stride - 1) / stride;
                int total = Math.Max((o - 1) * stride + span - input, 0);
                return (o, total / 2);
            }
            default:
            {
                if (input <= 0) throw new ArgumentException($"{op}: the {axisName} of the input is {input}; it must be positive.");
                return ((input - 1) / stride + 1, span - 1);
            }
        }
    }

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
