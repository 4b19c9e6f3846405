using Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

namespace Microsoft.ML.FunctionalDnn.Backends.Managed;

internal sealed partial class ManagedBackend
{
    public Tensor Reshape(Tensor x, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(x);
        var target = InferShape(x.Shape, shape);
        var y = x.View(target);
        if (x.RequiresGrad && GradMode.IsEnabled)
            Tape.Record(nameof(Reshape), y, [x], n => n.AccumulateInputGrad(0, n.Grad.View(x.Shape)));
        return y;
    }

    private static Shape InferShape(Shape from, int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var dims = (int[])shape.Clone();
        int unknown = -1, known = 1;
        for (int i = 0; i < dims.Length; i++)
        {
            if (dims[i] == -1)
            {
                if (unknown >= 0) throw new ArgumentException($"Reshape to {Shape.Format(shape)}: only one dimension can be -1.", nameof(shape));
                unknown = i;
            }
            else if (dims[i] < 0) throw new ArgumentException($"Reshape to {Shape.Format(shape)}: dimension {i} is {dims[i]}.", nameof(shape));
            else known *= dims[i];
        }
        if (unknown >= 0)
        {
            if (known == 0 || from.Size % known != 0)
                throw new ArgumentException($"Cannot reshape {from} ({from.Size} elements) to {Shape.Format(shape)}: {from.Size} is not a multiple of {known}.", nameof(shape));
            dims[unknown] = from.Size / known;
        }
        var target = new Shape(dims);
        if (target.Size != from.Size)
            throw new ArgumentException($"Cannot reshape {from} ({from.Size} elements) to {target} ({target.Size} elements).", nameof(shape));
        return target;
    }

    public Tensor Transpose(Tensor x, int[]? perm)
    {
        ArgumentNullException.ThrowIfNull(x);
        int rank = x.Rank;
        if (perm is null || perm.Length == 0)
        {
            perm = new int[rank];
            for (int i = 0; i < rank; i++) perm[i] = rank - 1 - i;
        }
        var p = CheckPermutation(perm, x.Shape);
        var dims = new int[rank];
        for (int i = 0; i < rank; i++) dims[i] = x.Shape[p[i]];
        var y = Tensor.Empty(new Shape(dims), x.DType);
        if (x.DType == DType.Float32) PermuteKernel.Permute<float>(x.Data, y.Data, x.Shape, p);
        else PermuteKernel.Permute<int>(x.IntData, y.IntData, x.Shape, p);
        if (Tape.ShouldRecord(x))
        {
            var inverse = new int[rank];
            for (int i = 0; i < rank; i++) inverse[p[i]] = i;
            Tape.Record(nameof(Transpose), y, [x], n => n.AccumulateInputGrad(0, Transpose(n.Grad, inverse)));
        }
        return y;
    }

    private static int[] CheckPermutation(int[] perm, Shape shape)
    {
        if (perm.Length != shape.Rank)
            throw new ArgumentException($"Transpose of {shape} needs a permutation of {shape.Rank} axes; received [{string.Join(", ", perm)}].", nameof(perm));
        var p = new int[perm.Length];
        var seen = new bool[perm.Length];
        for (int i = 0; i < perm.Length; i++)
        {
            p[i] = shape.NormalizeAxis(perm[i]);
            if (seen[p[i]]) throw new ArgumentException($"Transpose: axis {perm[i]} appears twice in [{string.Join(", ", perm)}].", nameof(perm));
            seen[p[i]] = true;
        }
        return p;
    }

    public Tensor ExpandDims(Tensor x, int axis)
    {
        ArgumentNullException.ThrowIfNull(x);
        int a = Shape.NormalizeAxis(axis, x.Rank + 1);
        var dims = new List<int>(x.Shape);
        dims.Insert(a, 1);
        return Reshape(x, [.. dims]);
    }

    public Tensor Squeeze(Tensor x, int? axis)
    {
        ArgumentNullException.ThrowIfNull(x);
        var dims = new List<int>(x.Shape);
        if (axis is int ax)
        {
            int a = x.Shape.NormalizeAxis(ax);
            if (x.Shape[a] != 1) throw new ArgumentException($"Squeeze: axis {ax} of {x.Shape} has size {x.Shape[a]}, not 1.", nameof(axis));
            dims.RemoveAt(a);
        }
        else dims.RemoveAll(d => d == 1);
        return Reshape(x, [.. dims]);
    }

    public Tensor BroadcastTo(Tensor x, Shape shape)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(shape);
        RequireFloat(x, nameof(BroadcastTo));
        var y = BroadcastKernel.BroadcastTo(x, shape, nameof(BroadcastTo));
        if (ReferenceEquals(y, x)) y = x.View(shape);
        if (Tape.ShouldRecord(x))
            Tape.Record(nameof(BroadcastTo), y, [x], n => n.AccumulateInputGrad(0, ReduceKernel.SumToShape(n.Grad, x.Shape)));
        return y;
    }

    public Tensor Cast(Tensor x, DType dtype)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.DType == dtype) return x.Detach();
        var y = Tensor.Empty(x.Shape, dtype);
        if (dtype == DType.Float32)
        {
            var s = x.IntData;
            var d = y.Data;
            for (int i = 0; i < d.Length; i++) d[i] = s[i];
        }
        else
        {
            var s = x.Data;
            var d = y.IntData;
            for (int i = 0; i < d.Length; i++) d[i] = (int)s[i];
        }
        return y;
    }
}
