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
    public static Tensor ExpandDims(Tensor x, int axis) => Backend.Current.ExpandDims(x, axis);

    /// <summary>Removes size-1 axes: the given one, or all of them when <paramref name="axis"/> is null.</summary>
    public static Tensor Squeeze(Tensor x, int? axis = null) => Backend.Current.Squeeze(x, axis);

    /// <summary>Repeats <paramref name="x"/> along size-1 and missing leading axes to <paramref name="shape"/>.</summary>
    public static Tensor BroadcastTo(Tensor x, Shape shape) => Backend.Current.BroadcastTo(x, shape);

    /// <summary>Converts between float32 and int32 (float to int truncates toward zero). Not differentiable.</summary>
    public static Tensor Cast(Tensor x, DType dtype) => Backend.Current.Cast(x, dtype);
}
