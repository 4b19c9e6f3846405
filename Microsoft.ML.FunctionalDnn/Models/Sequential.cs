using Microsoft.ML.FunctionalDnn.Layers;

namespace Microsoft.ML.FunctionalDnn;

/// <summary>
/// A plain stack of single-input, single-output layers (Keras's <c>Sequential</c>): a functional
/// model whose graph is the chain Input → layer 1 → layer 2 → …. Give the input shape to the
/// constructor, or add an <c>Input(...)</c> first, as in Keras 3; or add only layers, and the
/// model is built from the shape of the first batch it is called on (Keras's deferred build).
/// </summary>
public sealed class Sequential : Model
{
    private readonly List<Layer> _layers = [];
    private readonly List<SymbolicTensor> _outputs = [];
    private SymbolicTensor? _input;

    /// <summary>An empty stack; add an <c>Input(...)</c> or layers.</summary>
    public Sequential(string? name = null) : base(name)
    {
    }

    /// <summary>An empty stack for inputs of <paramref name="inputShape"/> (batch axis left out).</summary>
    public Sequential(int?[] inputShape, DType dtype = DType.Float32, string? name = null) : base(name)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        Add(Keras.Input(inputShape, dtype));
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

    /// <summary>True once the input shape is known and the graph exists.</summary>
    public bool IsGraphBuilt => _input is not null;

    /// <summary>The stacked layers, bottom first (the Input layer not included).</summary>
    public IReadOnlyList<Layer> StackedLayers => _layers;

    /// <summary>Sets the input (Keras 3's <c>model.add(keras.Input(shape))</c>); it must come before any call.</summary>
    public void Add(SymbolicTensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (_input is not null) throw new InvalidOperationException($"Sequential '{Name}' already has an input of shape {_input.Shape}.");
        if (input.Layer is not InputLayer) throw new ArgumentException($"Sequential '{Name}': only an Input(...) can be added as a tensor; {input.Reference} comes from {input.Layer.Describe}.", nameof(input));
        _input = input;
        foreach (var layer in _layers) Chain(layer);
        Rewire();
    }

    /// <summary>Appends a layer on top of the stack.</summary>
    /// <exception cref="ArgumentException">The layer returns several outputs, or its input shape does not fit (named in the message).</exception>
    public void Add(Layer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        _layers.Add(layer);
        if (_input is null) return;
        try
        {
            Chain(layer);
        }
        catch
        {
            _layers.RemoveAt(_layers.Count - 1);
            throw;
        }
        Rewire();
    }

    /// <summary>Removes the top layer.</summary>
    /// <exception cref="InvalidOperationException">The stack is empty.</exception>
    public void Pop()
    {
        if (_layers.Count == 0) throw new InvalidOperationException($"Sequential '{Name}' has no layers to pop.");
        _layers.RemoveAt(_layers.Count - 1);
        if (_outputs.Count > _layers.Count) _outputs.RemoveAt(_outputs.Count - 1);
        if (_input is not null) Rewire();
    }

    private void Chain(Layer layer)
    {
        var previous = _outputs.Count == 0 ? _input! : _outputs[^1];
        var outputs = layer.ApplyMany([previous]);
        if (outputs.Count != 1)
            throw new ArgumentException($"Sequential '{Name}': {layer.Describe} returns {outputs.Count} outputs; a Sequential model needs one output per layer. Use the functional API.", nameof(layer));
        _outputs.Add(outputs[0]);
    }

    private void Rewire() => SetGraph([_input!], [_outputs.Count > 0 ? _outputs[^1] : _input!]);

    /// <summary>Builds the graph from the first batch when no input shape was given.</summary>
    private protected override void PrepareForInputs(IReadOnlyList<Tensor> inputs)
    {
        if (_input is null && inputs.Count == 1)
            Add(Keras.Input([.. inputs[0].Shape.Skip(1).Select(d => (int?)d)], inputs[0].DType));
    }

    /// <inheritdoc/>
    public override IReadOnlyList<TensorShape> ComputeOutputShapes(IReadOnlyList<TensorShape> inputShapes)
    {
        ArgumentNullException.ThrowIfNull(inputShapes);
        if (_input is null && inputShapes.Count == 1) Add(Keras.Input(inputShapes[0].PerSample()));
        return base.ComputeOutputShapes(inputShapes);
    }

    /// <summary>Throws until the input shape is known, as Keras does for an unbuilt model.</summary>
    internal override void RequireGraph()
    {
        if (_input is null)
            throw new InvalidOperationException($"Sequential '{Name}' has not been built yet: its input shape is unknown. Add an Input(...) first, pass inputShape to the constructor, or call the model on a batch.");
    }
}
