using System.Numerics.Tensors;
using Microsoft.ML.FunctionalDnn.Backends;
using Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

namespace Microsoft.ML.FunctionalDnn;

public static partial class Ops
{
    /// <summary>
    /// Picks slices of <paramref name="x"/> along <paramref name="axis"/> by int32
    /// <paramref name="indices"/> (any shape): the result has shape
    /// x.shape[:axis] + indices.shape + x.shape[axis+1:]. With axis 0 on a (vocabulary, dim) table
    /// this is an embedding lookup; its gradient adds into the gathered rows only.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside the axis (names the index and its position).</exception>
    public static Tensor Take(Tensor x, Tensor indices, int axis = 0) => Backend.Current.Take(x, indices, axis);

    /// <summary>One-hot float32 encoding of int32 <paramref name="indices"/>: shape indices.shape + (depth,). Out-of-range ids give all-zero rows, as in Keras.</summary>
    public static Tensor OneHot(Tensor indices, int depth) => Backend.Current.OneHot(indices, depth);

    /// <summary>
    /// Element-wise choice with broadcasting: <paramref name="a"/> where <paramref name="condition"/>
    /// is non-zero, else <paramref name="b"/>. The gradient flows to the chosen side only.
    /// </summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b) => Backend.Current.Where(condition, a, b);
}
