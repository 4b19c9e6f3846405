namespace Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

/// <summary>
/// NumPy broadcasting of two shapes, collapsed to as few dimensions as possible so that the
/// innermost run is a contiguous row for each operand or a single repeated element.
/// </summary>
internal sealed class BroadcastPlan
{
    private readonly int[] _outerDims;
    private readonly int[] _aStrides;
    private readonly int[] _bStrides;

    private BroadcastPlan(Shape output, int[] outerDims, int[] aStrides, int[] bStrides, int inner, int aInner, int bInner)
    {
        Output = output;
        _outerDims = outerDims;
        _aStrides = aStrides;
        _bStrides = bStrides;
        Inner = inner;
        AInnerStride = aInner;
        BInnerStride = bInner;
    }

    internal Shape Output { get; }

    /// <summary>Length of each innermost run.</summary>
    internal int Inner { get; }

    /// <summary>1 when operand a advances along the inner run, 0 when one element repeats.</summary>
    internal int AInnerStride { get; }

    /// <summary>1 when operand b advances along the inner run, 0 when one element repeats.</summary>
    internal int BInnerStride { get; }

    /// <summary>The broadcast shape of <paramref name="a"/> and <paramref name="b"/>.</summary>
    /// <exception cref="ArgumentException">A pair of aligned dimensions differ and neither is 1.</exception>
    internal static Shape BroadcastShape(Shape a, Shape b, string op) => OpChecks.BroadcastShape(a, b, op);

    internal static BroadcastPlan Create(Shape a, Shape b, string op)
    {
        var output = BroadcastShape(a, b, op);
        int rank = output.Rank;
        // Per output dimension: its size and whether each operand repeats along it.
        var dims = new List<(int Size, bool ABcast, bool BBcast)>(rank);
        for (int i = 0; i < rank; i++)
        {
            int n = output[i];
            if (n == 1) continue;
            bool aB = i < rank - a.Rank || a[i - (rank - a.Rank)] == 1;
            bool bB = i < rank - b.Rank || b[i - (rank - b.Rank)] == 1;
            if (dims.Count > 0 && dims[^1].ABcast == aB && dims[^1].BBcast == bB)
                dims[^1] = (dims[^1].Size * n, aB, bB);
            else
                dims.Add((n, aB, bB));
        }
        if (dims.Count == 0) dims.Add((1, false, false));
        int k = dims.Count;
        var aStrides = new int[k];
        var bStrides = new int[k];
        int sa = 1, sb = 1;
        for (int i = k - 1; i >= 0; i--)
        {
            aStrides[i] = dims[i].ABcast ? 0 : sa;
            bStrides[i] = dims[i].BBcast ? 0 : sb;
            if (!dims[i].ABcast) sa *= dims[i].Size;
            if (!dims[i].BBcast) sb *= dims[i].Size;
        }
        var outer = new int[k - 1];
        for (int i = 0; i < k - 1; i++) outer[i] = dims[i].Size;
        return new BroadcastPlan(output, outer, aStrides[..^1], bStrides[..^1], dims[^1].Size,
            dims[^1].ABcast ? 0 : 1, dims[^1].BBcast ? 0 : 1);
    }

    /// <summary>Calls <paramref name="row"/> with the element offsets of a, b and the output for every inner run.</summary>
    internal void ForEachRow<TRow>(ref TRow row) where TRow : struct, IRowVisitor, allows ref struct
    {
        int rows = Output.Size / Math.Max(Inner, 1);
        if (Output.Size == 0) return;
        var index = _outerDims.Length <= 8 ? stackalloc int[_outerDims.Length] : new int[_outerDims.Length];
        index.Clear();
        int aOff = 0, bOff = 0;
        for (int r = 0; r < rows; r++)
        {
            row.Visit(aOff, bOff, r * Inner);
            for (int d = _outerDims.Length - 1; d >= 0; d--)
            {
                aOff += _aStrides[d];
                bOff += _bStrides[d];
                if (++index[d] < _outerDims[d]) break;
                aOff -= _aStrides[d] * _outerDims[d];
                bOff -= _bStrides[d] * _outerDims[d];
                index[d] = 0;
            }
        }
    }
}

/// <summary>Receives one inner run of a broadcast loop.</summary>
internal interface IRowVisitor
{
    void Visit(int aOffset, int bOffset, int outOffset);
}
