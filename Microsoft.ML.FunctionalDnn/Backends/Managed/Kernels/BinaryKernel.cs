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
            TOp.Invoke(a.Data, b.Data, same.Data);
            return same;
        }
        var plan = BroadcastPlan.Create(a.Shape, b.Shape, op);
        var output = Tensor.Empty(plan.Output);
        var visitor = new Rows<TOp>(a.Data, b.Data, output.Data, plan);
        plan.ForEachRow(ref visitor);
        return output;
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
