namespace Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

/// <summary>Copies a tensor into a larger shape it broadcasts to (repeating along size-1 and missing axes).</summary>
internal static class BroadcastKernel
{
    internal static Tensor BroadcastTo(Tensor x, Shape shape, string op)
    {
        if (x.Shape == shape) return x;
        var plan = BroadcastPlan.Create(x.Shape, shape, op);
        if (plan.Output != shape)
            throw new ArgumentException($"{op}: shape {x.Shape} cannot be broadcast to {shape}.");
        var y = Tensor.Empty(shape);
        var rows = new CopyRows(x.Data, y.Data, plan.Inner, plan.AInnerStride);
        plan.ForEachRow(ref rows);
        return y;
    }

    private readonly ref struct CopyRows(Span<float> src, Span<float> dst, int inner, int stride) : IRowVisitor
    {
        private readonly Span<float> _src = src, _dst = dst;

        public void Visit(int aOffset, int bOffset, int outOffset)
        {
            var d = _dst.Slice(outOffset, inner);
            if (stride == 1) _src.Slice(aOffset, inner).CopyTo(d);
            else d.Fill(_src[aOffset]);
        }
    }
}
