namespace Microsoft.ML.FunctionalDnn;

public partial class Model
{
    /// <summary>Runs the graph on a batch for each input (in <see cref="Inputs"/> order).</summary>
    /// <returns>One tensor per output, in <see cref="Outputs"/> order.</returns>
    public IReadOnlyList<Tensor> Predict(IReadOnlyList<Tensor> inputs, bool training = false) => ApplyMany(inputs, training);

    /// <summary>Runs the graph with inputs given by name.</summary>
    /// <exception cref="ArgumentException">A name is unknown or an input is missing; the message lists the expected names.</exception>
    public IReadOnlyList<Tensor> Predict(IReadOnlyDictionary<string, Tensor> inputs, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var unknown = inputs.Keys.Where(k => !InputNames.Contains(k)).ToList();
        if (unknown.Count > 0)
            throw Error($"has no input named {string.Join(", ", unknown.Select(u => $"'{u}'"))}. Expected inputs: [{string.Join(", ", InputNames)}].");
        var missing = InputNames.Where(n => !inputs.ContainsKey(n)).ToList();
        if (missing.Count > 0)
            throw Error($"is missing input {string.Join(", ", missing.Select(m => $"'{m}'"))}. Expected inputs: [{string.Join(", ", InputNames)}].");
        return ApplyMany([.. InputNames.Select(n => inputs[n])], training);
    }

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

    private void CheckInputCount(int received)
    {
        if (received != Inputs.Count)
            throw Error($"expects {Inputs.Count} input{(Inputs.Count == 1 ? "" : "s")} [{string.Join(", ", InputNames)}]; received {received}.");
    }

    private void CheckInputShape(int index, TensorShape shape)
    {
        var expected = Inputs[index].Shape;
        bool ok = shape.Rank == expected.Rank;
        for (int d = 1; ok && d < shape.Rank; d++) ok = expected[d] is null || shape[d] is null || expected[d] == shape[d];
        if (!ok) throw Error($"input {index} ('{InputNames[index]}') expects shape {expected}; received {shape}.");
    }
}
