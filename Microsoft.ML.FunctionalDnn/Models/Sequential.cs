namespace Microsoft.ML.FunctionalDnn;

/// <summary>
/// A plain stack of single-input, single-output layers (Keras's <c>Sequential</c>): a functional
/// model whose graph is the chain Input → layer 1 → layer 2 → …, built as layers are added.
/// </summary>
public sealed class Sequential : Model
{
    private readonly SymbolicTensor _input;
    private readonly List<(Layer Layer, SymbolicTensor Output)> _stack = [];

    /// <summary>An empty stack for inputs of <paramref name="inputShape"/> (batch axis left out).</summary>
    public Sequential(int?[] inputShape, DType dtype = DType.Float32, string? name = null) : base(name)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        _input = Keras.Input(inputShape, dtype);
        SetGraph([_input], [_input]);
    }

    /// <summary>A stack of <paramref name="layers"/> for inputs of <paramref name="inputShape"/>.</summary>
    public Sequential(IEnumerable<Layer> layers, int?[] inputShape, DType dtype = DType.Float32, string? name = null)
        : this(inputShape, dtype, name)
    {
        ArgumentNullException.ThrowIfNull(layers);
        foreach (var layer in layers) Add(layer);
    }

    /// <inheritdoc/>
    protected override string DefaultNameBase => "sequential";

    /// <inheritdoc/>
    public override string ClassName => "Sequential";

    private protected override bool HideInputsInSummary => true;

    /// <summary>Appends a layer on top of the stack.</summary>
    /// <exception cref="ArgumentException">The layer returns several outputs, or its input shape does not fit (named in the message).</exception>
    public void Add(Layer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var previous = _stack.Count == 0 ? _input : _stack[^1].Output;
        var outputs = layer.ApplyMany([previous]);
        if (outputs.Count != 1)
            throw new ArgumentException($"Sequential '{Name}': {layer.Describe} returns {outputs.Count} outputs; a Sequential model needs one output per layer. Use the functional API.", nameof(layer));
        _stack.Add((layer, outputs[0]));
        SetGraph([_input], [outputs[0]]);
    }

    /// <summary>Removes the top layer.</summary>
    /// <exception cref="InvalidOperationException">The stack is empty.</exception>
    public void Pop()
    {
        if (_stack.Count == 0) throw new InvalidOperationException($"Sequential '{Name}' has no layers to pop.");
        _stack.RemoveAt(_stack.Count - 1);
        SetGraph([_input], [_stack.Count > 0 ? _stack[^1].Output : _input]);
    }

    /// <summary>The stacked layers, bottom first (the Input layer not included).</summary>
    public IReadOnlyList<Layer> StackedLayers => [.. _stack.Select(s => s.Layer)];
}
