using Microsoft.ML.FunctionalDnn.Layers;

namespace Microsoft.ML.FunctionalDnn;

/// <summary>
/// A tensor in a graph being built (Keras's KerasTensor): it has a shape and a type but no values,
/// and remembers which call of which layer produced it (<see cref="Layer"/>,
/// <see cref="NodeIndex"/>, <see cref="TensorIndex"/>). Passing it to <see cref="Layer.Apply(SymbolicTensor)"/>
/// records another call; passing graph inputs and outputs to <see cref="Model"/> makes a model.
/// </summary>
public sealed class SymbolicTensor
{
    internal SymbolicTensor(TensorShape shape, DType dtype, Layer layer, int nodeIndex, int tensorIndex)
    {
        Shape = shape;
        DType = dtype;
        Layer = layer;
        NodeIndex = nodeIndex;
        TensorIndex = tensorIndex;
    }

    /// <summary>The shape, batch axis first (usually unknown).</summary>
    public TensorShape Shape { get; }

    /// <summary>The element type.</summary>
    public DType DType { get; }

    /// <summary>The layer whose call produced this tensor.</summary>
    public Layer Layer { get; }

    /// <summary>Which call of <see cref="Layer"/> (0 for the first).</summary>
    public int NodeIndex { get; }

    /// <summary>Which output of that call (0 unless the layer returns several, like an Lstm with states).</summary>
    public int TensorIndex { get; }

    /// <summary>The node (call) that produced this tensor.</summary>
    internal Node Node => Layer.InboundNodes[NodeIndex];

    /// <summary>Keras's reference text, <c>layer[node][tensor]</c>, used in summaries and errors.</summary>
    public string Reference => $"{Layer.Name}[{NodeIndex}][{TensorIndex}]";

    /// <inheritdoc/>
    public override string ToString() => $"<SymbolicTensor shape={Shape}, dtype={(DType == DType.Float32 ? "float32" : "int32")}, name={Reference}>";
}
