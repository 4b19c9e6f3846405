using Microsoft.ML.FunctionalDnn.Layers;

namespace Microsoft.ML.FunctionalDnn;

/// <summary>
/// Keras's functional vocabulary as static methods: <c>using static Microsoft.ML.FunctionalDnn.Keras;</c>
/// lets C# read like the Python — <c>var x = Input([64]);</c>, <c>Concatenate([a, b])</c>.
/// </summary>
public static partial class Keras
{
    /// <summary>
    /// A graph input (Keras's <c>keras.Input</c>): <paramref name="shape"/> leaves out the batch axis
    /// and uses null for sizes that vary, e.g. <c>Input([null], DType.Int32, "posts")</c> for
    /// token-id sequences of any length.
    /// </summary>
    public static SymbolicTensor Input(int?[] shape, DType dtype = DType.Float32, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return new InputLayer(TensorShape.WithBatch(shape), dtype, name).Output;
    }

    /// <summary>Joins tensors along <paramref name="axis"/> (Keras's <c>layers.concatenate</c>).</summary>
    public static SymbolicTensor Concatenate(IReadOnlyList<SymbolicTensor> inputs, int axis = -1, string? name = null) =>
        new Concatenate(axis, name).Apply(inputs);

    /// <summary>Element-wise sum (Keras's <c>layers.add</c>).</summary>
    public static SymbolicTensor Add(IReadOnlyList<SymbolicTensor> inputs, string? name = null) => new Add(name).Apply(inputs);

    /// <summary>Element-wise difference of two tensors (Keras's <c>layers.subtract</c>).</summary>
    public static SymbolicTensor Subtract(IReadOnlyList<SymbolicTensor> inputs, string? name = null) => new Subtract(name).Apply(inputs);

    /// <summary>Element-wise product (Keras's <c>layers.multiply</c>).</summary>
    public static SymbolicTensor Multiply(IReadOnlyList<SymbolicTensor> inputs, string? name = null) => new Multiply(name).Apply(inputs);

    /// <summary>Element-wise mean (Keras's <c>layers.average</c>).</summary>
    public static SymbolicTensor Average(IReadOnlyList<SymbolicTensor> inputs, string? name = null) => new Average(name).Apply(inputs);

    /// <summary>Element-wise maximum (Keras's <c>layers.maximum</c>).</summary>
    public static SymbolicTensor Maximum(IReadOnlyList<SymbolicTensor> inputs, string? name = null) => new Maximum(name).Apply(inputs);

    /// <summary>Element-wise minimum (Keras's <c>layers.minimum</c>).</summary>
    public static SymbolicTensor Minimum(IReadOnlyList<SymbolicTensor> inputs, string? name = null) => new Minimum(name).Apply(inputs);

    /// <summary>Dot product of two tensors along <paramref name="axes"/> (Keras's <c>layers.dot</c>); cosine similarity with <paramref name="normalize"/>.</summary>
    public static SymbolicTensor Dot(IReadOnlyList<SymbolicTensor> inputs, int axes, bool normalize = false, string? name = null) =>
        new Dot(axes, normalize, name).Apply(inputs);
}
