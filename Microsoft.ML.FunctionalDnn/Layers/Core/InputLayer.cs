namespace Microsoft.ML.FunctionalDnn.Layers;

/// <summary>The source of a graph input; made by <see cref="Keras.Input"/>, shown first in summaries.</summary>
public sealed class InputLayer : Layer
{
    internal InputLayer(TensorShape shape, DType dtype, string? name) : base(name)
    {
        InputShape = shape;
        InputDType = dtype;
        _ = ApplyNoInputs();
    }

    /// <summary>The shape of a batch, batch axis first (unknown).</summary>
    public TensorShape InputShape { get; }

    /// <summary>The type the input accepts.</summary>
    public DType InputDType { get; }

    /// <summary>The symbolic tensor this layer feeds into the graph.</summary>
    public SymbolicTensor Output => InboundNodes[0].Outputs[0];

    /// <inheritdoc/>
    protected override IEnumerable<KeyValuePair<string, object?>> ConfigEntries() =>
        [
            new("batch_shape", InputShape.ToArray()),
            new("dtype", InputDType == DType.Float32 ? "float32" : "int32"),
        ];

    private IReadOnlyList<SymbolicTensor> ApplyNoInputs()
    {
        EnsureBuilt([]);
        var node = new Node(this, 0, [], n => [new SymbolicTensor(InputShape, InputDType, this, 0, 0)]);
        AddNode(node);
        return node.Outputs;
    }

    /// <inheritdoc/>
    protected override void Build(IReadOnlyList<TensorShape> inputShapes)
    {
    }

    /// <inheritdoc/>
    protected internal override IReadOnlyList<Tensor> Call(IReadOnlyList<Tensor> inputs, bool training) => inputs;
}
