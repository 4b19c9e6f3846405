namespace Microsoft.ML.FunctionalDnn.Backends;

/// <summary>
/// The argument checks every backend makes before computing, with the messages <see cref="Ops"/>
/// documents: element types, ranks, broadcasting and axes. Shared so that an error reads the same
/// whichever backend runs the op.
/// </summary>
internal static class OpChecks
{
    internal static void RequireFloat(Tensor x, string op)
    {
        if (x.DType != DType.Float32)
            throw new ArgumentException($"{op} needs a float32 tensor; received {x.DType} {x.Shape}. Convert ids with Ops.Cast first.");
    }

    internal static void RequireInt(Tensor x, string op, string what)
    {
        if (x.DType != DType.Int32)
            throw new ArgumentException($"{op} needs int32 {what}; received {x.DType} {x.Shape}.");
    }

    internal static void RequireRank(Tensor x, int rank, string op, string layout)
    {
        if (x.Rank != rank)
            throw new ArgumentException($"{op} expects a rank-{rank} input {layout}; received shape {x.Shape}.");
    }

    internal static void RequireFloatPair(Tensor a, Tensor b, string op)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.DType != DType.Float32 || b.DType != DType.Float32)
            throw new ArgumentException($"{op} needs float32 tensors; received {a.DType} {a.Shape} and {b.DType} {b.Shape}. Convert ids with Ops.Cast first.");
    }

    /// <summary>NumPy's broadcast of two shapes, or an error naming the dimension that differs.</summary>
    internal static Shape BroadcastShape(Shape a, Shape b, string op)
    {
        if (a == b) return a;
        int rank = Math.Max(a.Rank, b.Rank);
        var dims = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Rank ? 1 : a[i - (rank - a.Rank)];
            int db = i < rank - b.Rank ? 1 : b[i - (rank - b.Rank)];
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException($"{op}: shapes {a} and {b} cannot be broadcast together (dimension {i - rank} is {da} in the first and {db} in the second; each pair must match or one must be 1).");
            dims[i] = da == 1 ? db : da;
        }
        return new Shape(dims);
    }

    /// <summary>Axes made non-negative and sorted (all axes when null or empty); an axis listed twice is an error.</summary>
    internal static int[] NormalizeAxes(int[]? axes, int rank)
    {
        if (axes is null || axes.Length == 0)
        {
            var all = new int[rank];
            for (int i = 0; i < rank; i++) all[i] = i;
            return all;
        }
        var n = new int[axes.Length];
        for (int i = 0; i < axes.Length; i++) n[i] = Shape.NormalizeAxis(axes[i], rank);
        Array.Sort(n);
        for (int i = 1; i < n.Length; i++)
            if (n[i] == n[i - 1]) throw new ArgumentException($"Axis {n[i]} is listed twice in [{string.Join(", ", axes)}].", nameof(axes));
        return n;
    }

    /// <summary>The target of a reshape (one -1 inferred), or an error naming the element counts.</summary>
    internal static Shape InferReshape(Shape from, int[] shape)
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

    /// <summary>A permutation of the axes made non-negative, or an error for a wrong length or a repeated axis.</summary>
    internal static int[] CheckPermutation(int[] perm, Shape shape)
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
}
