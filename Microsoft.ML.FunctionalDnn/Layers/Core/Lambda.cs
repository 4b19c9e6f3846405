namespace Microsoft.ML.FunctionalDnn.Layers;

/// <summary>
/// Wraps a C# function of tensors as a layer (Keras's <c>layers.Lambda</c>). The output shape comes
/// from <c>outputShape</c> when given, otherwise from running the function on zeros (twice, with
/// unknown sizes set to 2 and 3: axes whose size changes between the two stay unknown).
/// </summary>
public sealed class Lambda : Layer
{
    private readonly Func<IReadOnlyList<Tensor>, Tensor> _function;
    private readonly Func<IReadOnlyList<TensorShape>, TensorShape>? _outputShape;

    /// <summary>A layer applying <paramref name="function"/> to one input. A <paramref name="functionName"/> makes it savable: loading then takes the function from <c>customObjects</c> under that name.</summary>
    public Lambda(Func<Tensor, Tensor> function, Func<TensorShape, TensorShape>? outputShape = null, string? name = null, string? functionName = null) : base(name)
    {
        FunctionName = functionName;
        ArgumentNullException.ThrowIfNull(function);
        _function = xs => function(xs[0]);
        SingleInputFunction = function;
        _outputShape = outputShape is null ? null : shapes => outputShape(shapes[0]);
    }

    /// <summary>A layer applying <paramref name="function"/> to a list of inputs; see the single-input constructor for <paramref name="functionName"/>.</summary>
    public Lambda(Func<IReadOnlyList<Tensor>, Tensor> function, Func<IReadOnlyList<TensorShape>, TensorShape>? outputShape = null, string? name = null, string? functionName = null) : base(name)
    {
        FunctionName = functionName;
        _function = function ?? throw new ArgumentNullException(nameof(function));
        _outputShape = outputShape;
    }

    /// <summary>The function of a single-input Lambda (what loading takes from customObjects), for copies of a model in memory.</summary>
    internal Func<Tensor, Tensor>? SingleInputFunction { get; }

    /// <summary>The name the function is saved under (null: the layer cannot be saved).</summary>
    public string? FunctionName { get; }

    /// <inheritdoc/>
    protected override IEnumerable<KeyValuePair<string, object?>> ConfigEntries() => [new("function", FunctionName)];

    /// <inheritdoc/>
    public override IReadOnlyList<TensorShape> ComputeOutputShapes(IReadOnlyList<TensorShape> inputShapes)
    {
        ArgumentNullException.ThrowIfNull(inputShapes);
        if (_outputShape is not null) return [_outputShape(inputShapes)];
        var a = Probe(inputShapes, 2);
        var b = Probe(inputShapes, 3);
        if (a.Rank != b.Rank) throw Error("the output rank depends on the input sizes; pass outputShape.");
        var dims = new int?[a.Rank];
        for (int i = 0; i < dims.Length; i++) dims[i] = i == 0 ? inputShapes[0][0] : a[i] == b[i] ? a[i] : null;
        return [new TensorShape(dims)];
    }

    private Shape Probe(IReadOnlyList<TensorShape> shapes, int unknown)
    {
        using (GradMode.NoGrad())
        {
            var zeros = shapes.Select((s, i) => Tensor.Zeros(new Shape([.. s.Select(d => d ?? unknown)]))).ToArray();
            try
            {
                return _function(zeros).Shape;
            }
            catch (ArgumentException e)
            {
                throw Error($"could not infer the output shape by running the function on zeros of shape(s) {string.Join(", ", zeros.Select(z => z.Shape))}: {e.Message} Pass outputShape.");
            }
        }
    }

    /// <inheritdoc/>
    protected internal override IReadOnlyList<Tensor> Call(IReadOnlyList<Tensor> inputs, bool training) => [_function(inputs)];
}
