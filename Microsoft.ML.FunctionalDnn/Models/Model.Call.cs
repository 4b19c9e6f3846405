using Microsoft.ML.FunctionalDnn.Layers;

namespace Microsoft.ML.FunctionalDnn;

public partial class Model
{
    /// <inheritdoc/>
    public override IReadOnlyList<TensorShape> ComputeOutputShapes(IReadOnlyList<TensorShape> inputShapes)
    {
        ArgumentNullException.ThrowIfNull(inputShapes);
        CheckInputCount(inputShapes.Count);
        var shapes = new Dictionary<SymbolicTensor, TensorShape>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < Inputs.Count; i++)
        {
            CheckInputShape(i, inputShapes[i]);
            shapes[Inputs[i]] = inputShapes[i];
        }
        foreach (var node in _nodes)
        {
            if (node.Inputs.Count == 0) continue;
            var outs = node.Layer.ComputeOutputShapes([.. node.Inputs.Select(t => shapes[t])]);
            for (int i = 0; i < outs.Count; i++) shapes[node.Outputs[i]] = outs[i];
        }
        return [.. Outputs.Select(t => shapes[t])];
    }

    /// <inheritdoc/>
    protected internal override IReadOnlyList<Tensor> Call(IReadOnlyList<Tensor> inputs, bool training) =>
        CallMasked(inputs, new Tensor?[inputs.Count], training).Outputs;

    /// <summary>Runs every node in order, carrying each tensor's mask (from Embedding(maskZero) to the recurrent layers after it).</summary>
    protected internal override (IReadOnlyList<Tensor> Outputs, Tensor? Mask) CallMasked(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?> masks, bool training)
    {
        CheckInputCount(inputs.Count);
        var values = new Dictionary<SymbolicTensor, Tensor>(ReferenceEqualityComparer.Instance);
        var tensorMasks = new Dictionary<SymbolicTensor, Tensor?>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < Inputs.Count; i++)
        {
            if (inputs[i].DType != Inputs[i].DType)
                throw Error($"input {i} ('{InputNames[i]}') must be {Inputs[i].DType}; received {inputs[i].DType} {inputs[i].Shape}.");
            values[Inputs[i]] = inputs[i];
            tensorMasks[Inputs[i]] = masks[i];
        }
        foreach (var node in _nodes)
        {
            if (node.Inputs.Count == 0) continue;
            var (outs, mask) = node.Layer.ApplyMasked([.. node.Inputs.Select(t => values[t])], [.. node.Inputs.Select(t => tensorMasks[t])], training);
            for (int i = 0; i < outs.Count; i++)
            {
                values[node.Outputs[i]] = outs[i];
                tensorMasks[node.Outputs[i]] = i == 0 ? mask : null;
            }
        }
        return ([.. Outputs.Select(t => values[t])], tensorMasks[Outputs[0]]);
    }

    /// <summary>
    /// A model checks only its inputs here: every node validates its own shapes when it runs, so a
    /// shape inference over the whole graph per batch would do that work twice.
    /// </summary>
    private protected override void ValidateConcreteShapes(IReadOnlyList<TensorShape> shapes)
    {
        CheckInputCount(shapes.Count);
        for (int i = 0; i < shapes.Count; i++) CheckInputShape(i, shapes[i]);
    }

    /// <summary>
    /// Readies the model for concrete inputs before a batched call (Predict): a Sequential waiting
    /// for its input shape builds its graph from them, and their count must match the inputs'.
    /// </summary>
    internal void PrepareToCall(IReadOnlyList<Tensor> inputs)
    {
        PrepareForInputs(inputs);
        CheckInputCount(inputs.Count);
    }

    private void CheckInputCount(int received)
    {
        if (received != Inputs.Count)
            throw Error($"expects {Inputs.Count} input{(Inputs.Count == 1 ? "" : "s")} [{string.Join(", ", InputNames)}]; received {received}.");
    }

    /// <summary>Checks that <paramref name="shape"/> fits input <paramref name="index"/> (unknown dimensions fit anything).</summary>
    internal void CheckInputShape(int index, TensorShape shape)
    {
        var expected = Inputs[index].Shape;
        bool ok = shape.Rank == expected.Rank;
        for (int d = 1; ok && d < shape.Rank; d++) ok = expected[d] is null || shape[d] is null || expected[d] == shape[d];
        if (!ok) throw Error($"input {index} ('{InputNames[index]}') expects shape {expected}; received {shape}.");
    }

    /// <summary>The Embeddings that read <paramref name="input"/> as it is: directly, or as an input of a nested model.</summary>
    internal IEnumerable<Embedding> EmbeddingsFedBy(SymbolicTensor input)
    {
        foreach (var node in _nodes)
            for (int j = 0; j < node.Inputs.Count; j++)
            {
                if (!ReferenceEquals(node.Inputs[j], input)) continue;
                if (node.Layer is Embedding embedding) yield return embedding;
                else if (node.Layer is Model nested && j < nested.Inputs.Count)
                    foreach (var inner in nested.EmbeddingsFedBy(nested.Inputs[j])) yield return inner;
            }
    }
}
