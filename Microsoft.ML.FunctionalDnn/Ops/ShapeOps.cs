using Microsoft.ML.FunctionalDnn.Backends;
using Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

namespace Microsoft.ML.FunctionalDnn;

public static partial class Ops
{
    /// <summary>The same elements under a new shape (a view, no copy); one dimension may be -1.</summary>
    public static Tensor Reshape(Tensor x, params int[] shape) => Backend.Current.Reshape(x, shape);

    /// <summary>Reorders the axes: output axis i is input axis <paramref name="perm"/>[i]; reverses them when omitted.</summary>
    public static Tensor Transpose(Tensor x, params int[]? perm) => Backend.Current.Transpose(x, perm);

    /// <summary>Inserts a size-1 axis at <paramref name="axis"/> (negative counts from the end of the result).</summary>
    public static Tensor ExpandDims(Tensor x, int axis)
    {
        ArgumentNullException.ThrowIfNull(x);
        int a = Shape.NormalizeAxis(axis, x.Rank + 1);
        var dims = new List<int>(x.Shape);
        dims.Insert(a, 1);
        return Reshape(x, [.. dims]);
    }

    /// <summary>Removes size-1 axes: the given one, or all of them when <paramref name="axis"/> is null.</summary>
    public static Tensor Squeeze(Tensor x, int? axis = null)
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

    /// <summary>Repeats <paramref name="x"/> along size-1 and missing leading axes to <paramref name="shape"/>.</summary>
    public static Tensor BroadcastTo(Tensor x, Shape shape) => Backend.Current.BroadcastTo(x, shape);

    /// <summary>Converts between float32 and int32 (float to int truncates toward zero). Not differentiable.</summary>
    public static Tensor Cast(Tensor x, DType dtype) => Backend.Current.Cast(x, dtype);
}
