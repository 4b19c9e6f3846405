using System.Numerics.Tensors;

namespace Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

/// <summary>Which reduction to run.</summary>
internal enum ReduceKind
{
    Sum,
    Max,
    Min,
}

/// <summary>
/// Reductions over any set of axes. Adjacent reduced axes merge into one, so each pass sees a
/// (outer, n, inner) view: rows are reduced with TensorPrimitives when inner is 1, otherwise whole
/// inner rows are combined element-wise.
/// </summary>
internal static class ReduceKernel
{
    /// <summary>Sorted, distinct, non-negative axes; all axes when <paramref name="axes"/> is null or empty.</summary>
    internal static int[] NormalizeAxes(int[]? axes, int rank) => OpChecks.NormalizeAxes(axes, rank);

    /// <summary>Reduces <paramref name="x"/> over sorted <paramref name="axes"/>; the result keeps dims as size 1.</summary>
    internal static Tensor Reduce(Tensor x, int[] axes, ReduceKind kind)
    {
        var current = x;
        var dims = x.Shape.ToArray();
        int i = 0;
        while (i < axes.Length)
        {
            int start = axes[i], end = start + 1;
            while (i + 1 < axes.Length && axes[i + 1] == end) { i++; end++; }
            i++;
            int outer = new Shape(dims).SizeOf(0, start);
            int n = new Shape(dims).SizeOf(start, end);
            int inner = new Shape(dims).SizeOf(end, dims.Length);
            for (int d = start; d < end; d++) dims[d] = 1;
            var next = Tensor.Empty(new Shape(dims));
            ReduceAxis(current.Data, next.Data, outer, n, inner, kind);
            current = next;
        }
        return ReferenceEquals(current, x) ? Copy(x) : current;
    }

    private static Tensor Copy(Tensor x)
    {
        var c = Tensor.Empty(x.Shape);
        x.Data.CopyTo(c.Data);
        return c;
    }

    internal static void ReduceAxis(ReadOnlySpan<float> src, Span<float> dst, int outer, int n, int inner, ReduceKind kind)
    {
        if (n == 0)
        {
            if (kind != ReduceKind.Sum && dst.Length > 0)
                throw new ArgumentException("Cannot take the max or min over an axis of length 0.");
            dst.Clear();
            return;
        }
        for (int o = 0; o < outer; o++)
        {
            var block = src.Slice(o * n * inner, n * inner);
            if (inner == 1)
            {
                dst[o] = kind switch
                {
                    ReduceKind.Sum => TensorPrimitives.Sum(block),
                    ReduceKind.Max => TensorPrimitives.Max(block),
                    _ => TensorPrimitives.Min(block),
                };
                continue;
            }
            var row = dst.Slice(o * inner, inner);
            block[..inner].CopyTo(row);
            for (int k = 1; k < n; k++)
            {
                var next = block.Slice(k * inner, inner);
                switch (kind)
                {
                    case ReduceKind.Sum: TensorPrimitives.Add(row, next, row); break;
                    case ReduceKind.Max: TensorPrimitives.Max(row, next, row); break;
                    default: TensorPrimitives.Min(row, next, row); break;
                }
            }
        }
    }

    /// <summary>
    /// Sums <paramref name="grad"/> down to <paramref name="shape"/>, undoing broadcasting: leading
    /// extra axes and axes where <paramref name="shape"/> has 1 are summed away.
    /// </summary>
    internal static Tensor SumToShape(Tensor grad, Shape shape)
    {
        if (grad.Shape == shape) return grad;
        int extra = grad.Rank - shape.Rank;
        var axes = new List<int>();
        for (int i = 0; i < grad.Rank; i++)
        {
            if (i < extra || (shape[i - extra] == 1 && grad.Shape[i] != 1)) axes.Add(i);
        }
        var reduced = axes.Count == 0 ? grad : Reduce(grad, [.. axes], ReduceKind.Sum);
        return reduced.View(shape);
    }
}
