using Microsoft.ML.FunctionalDnn.Layers;

namespace Microsoft.ML.FunctionalDnn;

/// <summary>One call of a layer in a graph: the symbolic tensors it read and the ones it produced.</summary>
internal sealed class Node
{
    internal Node(Layer layer, int index, IReadOnlyList<SymbolicTensor> inputs, Func<Node, IReadOnlyList<SymbolicTensor>> makeOutputs)
    {
        Layer = layer;
        Index = index;
        Inputs = inputs;
        Outputs = makeOutputs(this);
    }

    internal Layer Layer { get; }

    /// <summary>The position of this call in <see cref="Layer.InboundNodes"/>.</summary>
    internal int Index { get; }

    internal IReadOnlyList<SymbolicTensor> Inputs { get; }

    internal IReadOnlyList<SymbolicTensor> Outputs { get; }
}
