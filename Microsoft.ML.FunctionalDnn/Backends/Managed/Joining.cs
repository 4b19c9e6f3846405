namespace Microsoft.ML.FunctionalDnn.Backends.Managed;

internal sealed partial class ManagedBackend
{
    public Tensor Concatenate(IReadOnlyList<Tensor> tensors, int axis)
    {
        int a = OpChecks.ConcatenationAxis(tensors, axis);
        var first = tensors[0];
        int total = 0;
        foreach (var t in tensors) total += t.Shape[a];
        int outer = first.Shape.SizeOf(0, a), inner = first.Shape.SizeOf(a + 1, first.Rank);
        var y = Tensor.Empty(first.Shape.With(a, total), first.DType);
        int offset = 0;
        foreach (var t in tensors)
        {
            int chunk = t.Shape[a] * inner;
            CopyBlocks(t, 0, chunk, y, offset * inner, total * inner, outer);
            offset += t.Shape[a];
        }
        var inputs = tensors.ToArray();
        if (first.DType == DType.Float32 && Tape.ShouldRecord(inputs))
        {
            Tape.Record(nameof(Concatenate), y, inputs, n =>
            {
                int off = 0;
                for (int i = 0; i < inputs.Length; i++)
                {
                    int len = inputs[i].Shape[a];
                    if (n.NeedsGrad(i)) n.AccumulateInputGrad(i, SliceCore(n.Grad, a, off, len));
                    off += len;
                }
            });
        }
        return y;
    }

    public Tensor Stack(IReadOnlyList<Tensor> tensors, int axis)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count == 0) throw new ArgumentException("Stack needs at least one tensor.", nameof(tensors));
        int a = Shape.NormalizeAxis(axis, tensors[0].Rank + 1);
        var expanded = new Tensor[tensors.Count];
        for (int i = 0; i < expanded.Length; i++)
        {
            if (tensors[i].Shape != tensors[0].Shape)
                throw new ArgumentException($"Stack needs tensors of one shape; tensor 0 is {tensors[0].Shape}, tensor {i} is {tensors[i].Shape}.", nameof(tensors));
            expanded[i] = Ops.ExpandDims(tensors[i], a);
        }
        return Concatenate(expanded, a);
    }

    public Tensor Slice(Tensor x, int axis, int start, int length)
    {
        int a = OpChecks.SliceAxis(x, axis, start, length);
        var y = SliceCore(x, a, start, length);
        if (x.DType == DType.Float32 && Tape.ShouldRecord(x))
        {
            Tape.Record(nameof(Slice), y, [x], n =>
            {
                var dx = Tensor.Zeros(x.Shape);
                int outer = x.Shape.SizeOf(0, a), inner = x.Shape.SizeOf(a + 1, x.Rank);
                CopyBlocks(n.Grad, 0, length * inner, dx, start * inner, x.Shape[a] * inner, outer);
                n.AccumulateInputGrad(0, dx);
            });
        }
        return y;
    }

    public Tensor[] Split(Tensor x, int[] sizes, int axis)
    {
        int a = OpChecks.SplitAxis(x, sizes, axis);
        var parts = new Tensor[sizes.Length];
        int start = 0;
        for (int i = 0; i < sizes.Length; i++)
        {
            parts[i] = Slice(x, a, start, sizes[i]);
            start += sizes[i];
        }
        return parts;
    }

    private static Tensor SliceCore(Tensor x, int a, int start, int length)
    {
        int outer = x.Shape.SizeOf(0, a), inner = x.Shape.SizeOf(a + 1, x.Rank);
        if (outer == 1) return new Tensor(x.Storage, x.Offset + start * inner, x.Shape.With(a, length), x.DType);
        var y = Tensor.Empty(x.Shape.With(a, length), x.DType);
        int stride = x.Shape[a] * inner;
        for (int o = 0; o < outer; o++)
        {
            if (x.DType == DType.Float32) x.Data.Slice(o * stride + start * inner, length * inner).CopyTo(y.Data.Slice(o * length * inner));
            else x.IntData.Slice(o * stride + start * inner, length * inner).CopyTo(y.IntData.Slice(o * length * inner));
        }
        return y;
    }

    /// <summary>Copies <paramref name="outer"/> blocks of <paramref name="chunk"/> elements from a dense source into a destination with row stride <paramref name="dstStride"/>.</summary>
    private static void CopyBlocks(Tensor src, int srcOffset, int chunk, Tensor dst, int dstOffset, int dstStride, int outer)
    {
        for (int o = 0; o < outer; o++)
        {
            if (src.DType == DType.Float32) src.Data.Slice(srcOffset + o * chunk, chunk).CopyTo(dst.Data.Slice(dstOffset + o * dstStride, chunk));
            else src.IntData.Slice(srcOffset + o * chunk, chunk).CopyTo(dst.IntData.Slice(dstOffset + o * dstStride, chunk));
        }
    }
}
