namespace Microsoft.ML.FunctionalDnn;

public abstract partial class Layer
{
    /// <summary>Calls the layer on a symbolic tensor, recording the call in the graph.</summary>
    /// <returns>The symbolic output.</returns>
    public SymbolicTensor Apply(SymbolicTensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return Single(ApplyMany([input]));
    }

    /// <summary>Calls a multi-input layer (merge layers, nested models) on symbolic tensors.</summary>
    public SymbolicTensor Apply(IReadOnlyList<SymbolicTensor> inputs) => Single(ApplyMany(inputs));

    /// <summary>Calls the layer on symbolic tensors and returns every output (an LSTM with <c>returnState</c> returns the sequence and its states).</summary>
    public IReadOnlyList<SymbolicTensor> ApplyMany(IReadOnlyList<SymbolicTensor> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count == 0) throw Error("was called with no inputs.");
        ValidateInputs(inputs);
        var shapes = inputs.Select(t => t.Shape).ToArray();
        EnsureBuilt(shapes);
        var outputShapes = ComputeOutputShapes(shapes);
        var dtype = OutputDType([.. inputs.Select(t => t.DType)]);
        var node = new Node(this, _inboundNodes.Count, [.. inputs],
            n => [.. outputShapes.Select((s, i) => new SymbolicTensor(s, dtype, this, n.Index, i))]);
        AddNode(node);
        return node.Outputs;
    }

    /// <summary>Calls the layer on a concrete tensor and computes its output now.</summary>
    /// <param name="input">A batch, batch axis first.</param>
    /// <param name="training">Training behaviour (dropout active, batch statistics).</param>
    public Tensor Apply(Tensor input, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        return Single(ApplyMany([input], training));
    }

    /// <summary>Calls a multi-input layer on concrete tensors.</summary>
    public Tensor Apply(IReadOnlyList<Tensor> inputs, bool training = false) => Single(ApplyMany(inputs, training));

    /// <summary>Calls the layer on concrete tensors and returns every output.</summary>
    public IReadOnlyList<Tensor> ApplyMany(IReadOnlyList<Tensor> inputs, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count == 0) throw Error("was called with no inputs.");
        var shapes = inputs.Select(t => TensorShape.FromConcrete(t.Shape)).ToArray();
        EnsureBuilt(shapes);
        // Shape errors (a window longer than the actual sequence …) are reported with this layer's name.
        ComputeOutputShapes(inputs.Select(t => TensorShape.FromConcrete(t.Shape, keepBatch: true)).ToArray());
        return Call(inputs, training);
    }

    /// <summary>
    /// Checks symbolic inputs before the call is recorded; merge layers override it to name the
    /// layers the mismatched inputs came from.
    /// </summary>
    protected virtual void ValidateInputs(IReadOnlyList<SymbolicTensor> inputs)
    {
    }

    internal void AddNode(Node node) => _inboundNodes.Add(node);

    private T Single<T>(IReadOnlyList<T> outputs) =>
        outputs.Count == 1 ? outputs[0] : throw Error($"returns {outputs.Count} outputs; use ApplyMany to receive all of them.");
}
