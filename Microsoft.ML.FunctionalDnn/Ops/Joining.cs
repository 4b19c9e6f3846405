using Microsoft.ML.FunctionalDnn.Backends;

namespace Microsoft.ML.FunctionalDnn;

public static partial class Ops
{
    /// <summary>Joins tensors along <paramref name="axis"/>; all other dimensions must match.</summary>
    public static Tensor Concatenate(IReadOnlyList<Tensor> tensors, int axis = -1) => Backend.Current.Concatenate(tensors, axis);

    /// <summary>Stacks equally shaped tensors along a new axis.</summary>
    public static Tensor Stack(IReadOnlyList<Tensor> tensors, int axis = 0) => Backend.Current.Stack(tensors, axis);

    /// <summary>The elements [<paramref name="start"/>, <paramref name="start"/> + <paramref name="length"/>) along <paramref name="axis"/>.</summary>
    public static Tensor Slice(Tensor x, int axis, int start, int length) => Backend.Current.Slice(x, axis, start, length);

    /// <summary>Splits along <paramref name="axis"/> into pieces of the given sizes (they must add up to the axis length).</summary>
    public static Tensor[] Split(Tensor x, int[] sizes, int axis = -1) => Backend.Current.Split(x, sizes, axis);

    /// <summary>Splits along <paramref name="axis"/> into <paramref name="count"/> equal pieces.</summary>
    public static Tensor[] Split(Tensor x, int count, int axis = -1)
    {
        ArgumentNullException.ThrowIfNull(x);
        int a = x.Shape.NormalizeAxis(axis);
        if (count <= 0 || x.Shape[a] % count != 0)
            throw new ArgumentException($"Cannot split axis {axis} of {x.Shape} (length {x.Shape[a]}) into {count} equal pieces.", nameof(count));
        return Split(x, Enumerable.Repeat(x.Shape[a] / count, count).ToArray(), a);
    }
}
