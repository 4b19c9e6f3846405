using Microsoft.ML.FunctionalDnn.Backends;
using TorchSharp;
using static Microsoft.ML.FunctionalDnn.Backends.OpChecks;
using TT = TorchSharp.torch.Tensor;

namespace Microsoft.ML.FunctionalDnn.TorchSharp;

// Shape ops, joining and slicing, gathers, and matrix products.
internal sealed partial class TorchBackend
{
    public Tensor Reshape(Tensor x, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(x);
        var target = InferReshape(x.Shape, shape);
        return Wrap(T(x).reshape(Dims(target)));
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
        // Contiguous, as the managed engine's result is: later reshapes and host copies stay cheap.
        return Wrap(T(x).permute(Array.ConvertAll(p, a => (long)a)).contiguous());
    }

    public Tensor BroadcastTo(Tensor x, Shape shape)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(shape);
        RequireFloat(x, nameof(BroadcastTo));
        var target = BroadcastShape(x.Shape, shape, nameof(BroadcastTo));
        if (target != shape) throw new ArgumentException($"BroadcastTo: shape {x.Shape} cannot be broadcast to {shape}.");
        return Wrap(T(x).expand(Dims(shape)));
    }

    public Tensor Cast(Tensor x, DType dtype)
    {
        ArgumentNullException.ThrowIfNull(x);
        var t = T(x);
        if (x.DType == dtype) return Wrap(t.detach());
        using var _ = torch.no_grad();
        // float → int truncates toward zero, as a C# (int) cast does.
        return Wrap(t.detach().to_type(ScalarOf(dtype)));
    }

    public Tensor Concatenate(IReadOnlyList<Tensor> tensors, int axis)
    {
        int a = ConcatenationAxis(tensors, axis);
        return Wrap(torch.cat(tensors.Select(T).ToArray(), a));
    }

    public Tensor Stack(IReadOnlyList<Tensor> tensors, int axis)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count == 0) throw new ArgumentException("Stack needs at least one tensor.", nameof(tensors));
        for (int i = 1; i < tensors.Count; i++)
        {
            if (tensors[i].Shape != tensors[0].Shape)
                throw new ArgumentException($"Stack needs tensors of one shape; tensor 0 is {tensors[0].Shape}, tensor {i} is {tensors[i].Shape}.", nameof(tensors));
            // libtorch would promote a mix of types; the managed engine refuses it.
            if (tensors[i].DType != tensors[0].DType)
                throw new ArgumentException($"Stack needs tensors of one type; tensor 0 is {tensors[0].DType} {tensors[0].Shape}, tensor {i} is {tensors[i].DType} {tensors[i].Shape}.", nameof(tensors));
        }
        return Wrap(torch.stack(tensors.Select(T), Shape.NormalizeAxis(axis, tensors[0].Rank + 1)));
    }

    public Tensor Slice(Tensor x, int axis, int start, int length)
    {
        int a = SliceAxis(x, axis, start, length);
        return Wrap(T(x).narrow(a, start, length));
    }

    public Tensor[] Split(Tensor x, int[] sizes, int axis)
    {
        int a = SplitAxis(x, sizes, axis);
        return Array.ConvertAll(T(x).split(Array.ConvertAll(sizes, s => (long)s), a), Wrap);
    }

    public Tensor Take(Tensor x, Tensor indices, int axis)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(indices);
        RequireInt(indices, nameof(Take), "indices");
        RequireFloat(x, nameof(Take));
        int a = x.Shape.NormalizeAxis(axis);
        int n = x.Shape[a];
        var ids = T(indices);
        if (indices.Size > 0)
        {
            using var scope = torch.NewDisposeScope();
            long low = ids.min().item<int>(), high = ids.max().item<int>();
            if (low < 0 || high >= n)
            {
                var host = indices.ToIntArray();
                int at = Array.FindIndex(host, v => v < 0 || v >= n);
                throw new ArgumentOutOfRangeException(nameof(indices), $"Take: index {host[at]} at flat position {at} of the indices {indices.Shape} is outside axis {axis} of size {n} (shape {x.Shape}); valid ids are 0..{n - 1}.");
            }
        }
        return TakeCore(x, ids, indices.Shape, a);
    }

    public Tensor TakeRowsUnchecked(Tensor table, Tensor ids)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(ids);
        return TakeCore(table, T(ids), ids.Shape, 0);
    }

    private Tensor TakeCore(Tensor x, TT ids, Shape idShape, int a)
    {
        var dims = new List<int>();
        for (int d = 0; d < a; d++) dims.Add(x.Shape[d]);
        foreach (int d in idShape) dims.Add(d);
        for (int d = a + 1; d < x.Rank; d++) dims.Add(x.Shape[d]);
        var shape = new Shape([.. dims]);
        // One axis of ids (a batch's rows): index_select's result has the shape already.
        if (idShape.Rank == 1) return Wrap(T(x).index_select(a, ids), shape, x.DType);
        using var flat = ids.reshape(-1);
        return Wrap(T(x).index_select(a, flat).reshape(Dims(shape)), shape, x.DType);
    }

    public Tensor OneHot(Tensor indices, int depth)
    {
        ArgumentNullException.ThrowIfNull(indices);
        RequireInt(indices, nameof(OneHot), "indices");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(depth);
        using var _ = torch.no_grad();
        // An id outside [0, depth) gives a row of zeros, as Keras's one_hot does.
        var classes = torch.arange(depth, torch.ScalarType.Int32, TorchDevice);
        return Wrap(T(indices).unsqueeze(-1).eq(classes).to_type(torch.ScalarType.Float32));
    }

    // One libtorch call and one autograd node: addmm (or mm) on a batch of rows, with the kernel in
    // its Keras layout (no transpose node); on a sequence, linear over the last axis (its kernel
    // transpose is a view).
    public Tensor Dense(Tensor x, Tensor kernel, Tensor? bias)
    {
        OpChecks.CheckDense(x, kernel, bias);
        var shape = x.Shape.With(-1, kernel.Shape[1]);
        if (x.Rank == 2) return WrapFloat(bias is null ? T(x).mm(T(kernel)) : torch.addmm(T(bias), T(x), T(kernel), 1, 1), shape);
        return WrapFloat(torch.nn.functional.linear(T(x), T(kernel).t(), TOrNull(bias)), shape);
    }

    public Tensor MatMul(Tensor a, Tensor b, bool transposeA, bool transposeB)
    {
        RequireFloatPair(a, b, nameof(MatMul));
        if (a.Rank < 2 || b.Rank < 2)
            throw new ArgumentException($"MatMul needs operands of rank 2 or more; received {a.Shape} and {b.Shape}.");
        int k = transposeA ? a.Shape[-2] : a.Shape[-1];
        int kb = transposeB ? b.Shape[-1] : b.Shape[-2];
        if (k != kb)
            throw new ArgumentException($"MatMul: inner dimensions differ: {a.Shape}{(transposeA ? "ᵀ" : "")} has {k} columns, {b.Shape}{(transposeB ? "ᵀ" : "")} has {kb} rows.");
        bool folded = b.Rank == 2 && a.Rank > 2 && !transposeA;
        if (!folded && (a.Rank != b.Rank || !a.Shape.Take(a.Rank - 2).SequenceEqual(b.Shape.Take(b.Rank - 2))))
            throw new ArgumentException($"MatMul: batched operands need the same leading axes; received {a.Shape} and {b.Shape}.");
        var ta = T(a);
        var tb = T(b);
        if (transposeA) ta = ta.transpose(-2, -1);
        if (transposeB) tb = tb.transpose(-2, -1);
        return Wrap(torch.matmul(ta, tb));
    }
}
