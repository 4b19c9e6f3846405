namespace Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

/// <summary>An element-wise binary operation on whole rows (contiguous, or one side a repeated scalar).</summary>
internal interface IBinaryOperator
{
    static abstract void Invoke(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination);

    static abstract void Invoke(ReadOnlySpan<float> x, float y, Span<float> destination);

    static abstract void Invoke(float x, ReadOnlySpan<float> y, Span<float> destination);
}

/// <summary>The one driver for every broadcasting binary operation.</summary>
internal static class BinaryKernel
{
    internal static Tensor Run<TOp>(Tensor a, Tensor b, string op) where TOp : IBinaryOperator
    {
        CheckFloat(a, b, op);
        if (a.Shape == b.Shape)
        {
            var same = Tensor.Empty(a.Shape);
            Parallelism.ForRanges(same.Size, 1, (start, count) =>
                TOp.Invoke(a.Data.Slice(start, count), b.Data.Slice(start, count), same.Data.Slice(start, count)));
            return same;
        }
        var plan = BroadcastPlan.Create(a.Shape, b.Shape, op);
        var output = Tensor.Empty(plan.Output);
        if (plan.Inner > 0 && output.Size > 0)
        {
            // A bias-like operand: one side is a whole row repeated along every leading dimension.
            if (a.Shape == plan.Output && b.Size == plan.Inner && plan.BInnerStride == 1)
            {
                RepeatedRows<TOp>(a, b, output, plan.Inner, rowIsRight: true);
                return output;
            }
            if (b.Shape == plan.Output && a.Size == plan.Inner && plan.AInnerStride == 1)
            {
                RepeatedRows<TOp>(b, a, output, plan.Inner, rowIsRight: false);
                return output;
            }
        }
        var visitor = new Rows<TOp>(a.Data, b.Data, output.Data, plan);
        plan.ForEachRow(ref visitor);
        return output;
    }

    /// <summary>Rows tiled into one pattern this long, so each call of the operator covers many short rows.</summary>
    private const int PatternFloats = 2048;

    /// <summary>
    /// output = full op row (or row op full) where <paramref name="row"/> repeats along every leading
    /// dimension of <paramref name="full"/>: the row is tiled into a pattern of several rows and the
    /// operator runs over whole groups of rows, split over the cores for large tensors.
    /// </summary>
    private static void RepeatedRows<TOp>(Tensor full, Tensor row, Tensor output, int inner, bool rowIsRight) where TOp : IBinaryOperator
    {
        int rows = output.Size / inner, group = Math.Max(1, PatternFloats / inner);
        var pattern = new float[Math.Min(group, rows) * inner];
        for (int r = 0; r < pattern.Length / inner; r++) row.Data.CopyTo(pattern.AsSpan(r * inner, inner));
        int groups = (rows + group - 1) / group;
        Parallelism.ForRanges(groups, (long)group * inner, (first, count) =>
        {
            for (int k = first; k < first + count; k++)
            {
                int start = k * group * inner, length = Math.Min(group, rows - k * group) * inner;
                var x = full.Data.Slice(start, length);
                var p = pattern.AsSpan(0, length);
                if (rowIsRight) TOp.Invoke(x, p, output.Data.Slice(start, length));
                else TOp.Invoke(p, x, output.Data.Slice(start, length));
            }
        });
    }

    internal static void CheckFloat(Tensor a, Tensor b, string op)
    {
        if (a.DType != DType.Float32 || b.DType != DType.Float32)
            throw new ArgumentException($"{op} needs float32 tensors; received {a.DType} {a.Shape} and {b.DType} {b.Shape}. Convert ids with Ops.Cast first.");
    }

    private ref struct Rows<TOp>(Span<float> a, Span<float> b, Span<float> o, BroadcastPlan plan) : IRowVisitor
        where TOp : IBinaryOperator
    {
        private readonly Span<float> _a = a, _b = b, _o = o;
        private readonly int _n = plan.Inner;
        private readonly int _sa = plan.AInnerStride, _sb = plan.BInnerStride;

        public readonly void Visit(int aOffset, int bOffset, int outOffset)
        {
            var dst = _o.Slice(outOffset, _n);
            if (_sa == 1 && _sb == 1) TOp.Invoke(_a.Slice(aOffset, _n), _b.Slice(bOffset, _n), dst);
            else if (_sa == 1) TOp.Invoke(_a.Slice(aOffset, _n), _b[bOffset], dst);
            else if (_sb == 1) TOp.Invoke(_a[aOffset], _b.Slice(bOffset, _n), dst);
            else dst.Fill(Scalar(_a[aOffset], _b[bOffset]));
        }

        private static float Scalar(float x, float y)
        {
            Span<float> r = stackalloc float[1];
            TOp.Invoke([x], y, r);
            return r[0];
        }
    }
}
