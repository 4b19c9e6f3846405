namespace Microsoft.ML.FunctionalDnn.Layers;

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

    /// <summary>Calls the layer on symbolic tensors and returns every output (an Lstm with <c>returnState</c> returns the sequence and its states).</summary>
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
        return ApplyMasked(inputs, new Tensor?[inputs.Count], training).Outputs;
    }

    /// <summary>Runs the layer with the masks of its inputs (null where none); returns the outputs and the first output's mask.</summary>
    internal (IReadOnlyList<Tensor> Outputs, Tensor? Mask) ApplyMasked(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?> masks, bool training)
    {
        if (inputs.Count == 0) throw Error("was called with no inputs.");
        PrepareForInputs(inputs);
        var shapes = inputs.Select(t => TensorShape.FromConcrete(t.Shape)).ToArray();
        EnsureBuilt(shapes);
        ValidateConcreteShapes(inputs.Select(t => TensorShape.FromConcrete(t.Shape, keepBatch: true)).ToArray());
        return CallMasked(inputs, masks, training);
    }

    /// <summary>A chance to set up from the first concrete inputs, dtype included (a Sequential model without an input shape builds its graph).</summary>
    private protected virtual void PrepareForInputs(IReadOnlyList<Tensor> inputs)
    {
    }

    /// <summary>
    /// Checks the shapes of a concrete call before it runs, so shape errors (a window longer than the
    /// actual sequence …) are reported with this layer's name. The default runs the shape inference.
    /// </summary>
    private protected virtual void ValidateConcreteShapes(IReadOnlyList<TensorShape> shapes) => ComputeOutputShapes(shapes);

    /// <summary>
    /// Whether the layer passes its first input's mask on unchanged (Dense, Dropout, activations,
    /// normalization: layers that keep the steps axis). Other layers drop masks unless they override
    /// <see cref="CallMasked"/>.
    /// </summary>
    protected virtual bool PropagatesMask => false;

    /// <summary>
    /// The math with Keras-style masks: a (batch, steps) tensor per input marking real steps (null
    /// for none). Returns the outputs and the mask of the first output. Layers that make masks
    /// (Embedding with maskZero), use them (recurrent layers) or merge them override this.
    /// </summary>
    protected internal virtual (IReadOnlyList<Tensor> Outputs, Tensor? Mask) CallMasked(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?> masks, bool training) =>
        (Call(inputs, training), PropagatesMask ? masks[0] : null);

    /// <summary>The element-wise AND of the masks that are present (null when none is).</summary>
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
