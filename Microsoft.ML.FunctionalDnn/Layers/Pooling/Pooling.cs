namespace Microsoft.ML.FunctionalDnn.Layers;

/// <summary>The base of the 1-D pooling layers: a window of <see cref="PoolSize"/> steps every <see cref="Strides"/> steps (the pool size by default).</summary>
public abstract class Pooling1DLayer(int poolSize, int? strides, Padding padding, string? name) : Layer(name)
{
    /// <summary>Window length.</summary>
    public int PoolSize { get; } = poolSize > 0 ? poolSize : throw new ArgumentOutOfRangeException(nameof(poolSize), $"The pool size must be positive; received {poolSize}.");

    /// <summary>Step between windows.</summary>
    public int Strides { get; } = (strides ?? poolSize) > 0 ? strides ?? poolSize : throw new ArgumentOutOfRangeException(nameof(strides));

    /// <summary>Valid or same.</summary>
    public Padding Padding { get; } = padding == Padding.Causal ? throw new ArgumentException("Pooling supports valid or same padding.", nameof(padding)) : padding;

    /// <summary>Pools one batch.</summary>
    private protected abstract Tensor Pool(Tensor x);

    /// <inheritdoc/>
    protected override IEnumerable<KeyValuePair<string, object?>> ConfigEntries() =>
        [new("pool_size", new[] { PoolSize }), new("strides", new[] { Strides }), new("padding", PaddingName(Padding))];

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        if (inputShape.Rank != 3) throw Error($"expects (batch, steps, channels); received {inputShape}.");
        return new TensorShape(inputShape[0], ConvWindow.OutputLength(inputShape[1], PoolSize, Strides, 1, Padding, Describe, "length (steps)"), inputShape[2]);
    }

    /// <inheritdoc/>
    protected override Tensor Call(Tensor input, bool training) => Pool(input);
}

/// <summary>The base of the 2-D pooling layers: square windows of <see cref="PoolSize"/> every <see cref="Strides"/> pixels (the pool size by default).</summary>
public abstract class Pooling2DLayer(int poolSize, int? strides, Padding padding, string? name) : Layer(name)
{
    /// <summary>Square window size.</summary>
    public int PoolSize { get; } = poolSize > 0 ? poolSize : throw new ArgumentOutOfRangeException(nameof(poolSize), $"The pool size must be positive; received {poolSize}.");

    /// <summary>Step between windows.</summary>
    public int Strides { get; } = (strides ?? poolSize) > 0 ? strides ?? poolSize : throw new ArgumentOutOfRangeException(nameof(strides));

    /// <summary>Valid or same.</summary>
    public Padding Padding { get; } = padding == Padding.Causal ? throw new ArgumentException("Pooling supports valid or same padding.", nameof(padding)) : padding;

    /// <summary>Pools one batch.</summary>
    private protected abstract Tensor Pool(Tensor x);

    /// <inheritdoc/>
    protected override IEnumerable<KeyValuePair<string, object?>> ConfigEntries() =>
        [new("pool_size", new[] { PoolSize, PoolSize }), new("strides", new[] { Strides, Strides }), new("padding", PaddingName(Padding))];

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape) =>
        Conv2D.Conv2DShape(inputShape, (PoolSize, PoolSize), (Strides, Strides), (1, 1), Padding, ConvWindow.RequireChannels(inputShape, Describe), Describe);

    /// <inheritdoc/>
    protected override Tensor Call(Tensor input, bool training) => Pool(input);
}

/// <summary>Max pooling over steps (Keras's <c>layers.MaxPooling1D</c>).</summary>
public sealed class MaxPooling1D(int poolSize = 2, int? strides = null, Padding padding = Padding.Valid, string? name = null)
    : Pooling1DLayer(poolSize, strides, padding, name)
{
    private protected override Tensor Pool(Tensor x) => Ops.MaxPool1D(x, PoolSize, Strides, Padding);
}

/// <summary>Average pooling over steps (Keras's <c>layers.AveragePooling1D</c>).</summary>
public sealed class AveragePooling1D(int poolSize = 2, int? strides = null, Padding padding = Padding.Valid, string? name = null)
    : Pooling1DLayer(poolSize, strides, padding, name)
{
    private protected override Tensor Pool(Tensor x) => Ops.AveragePool1D(x, PoolSize, Strides, Padding);
}

/// <summary>2-D max pooling (Keras's <c>layers.MaxPooling2D</c>).</summary>
public sealed class MaxPooling2D(int poolSize = 2, int? strides = null, Padding padding = Padding.Valid, string? name = null)
    : Pooling2DLayer(poolSize, strides, padding, name)
{
    private protected override Tensor Pool(Tensor x) => Ops.MaxPool2D(x, (PoolSize, PoolSize), (Strides, Strides), Padding);
}

/// <summary>2-D average pooling (Keras's <c>layers.AveragePooling2D</c>).</summary>
public sealed class AveragePooling2D(int poolSize = 2, int? strides = null, Padding padding = Padding.Valid, string? name = null)
    : Pooling2DLayer(poolSize, strides, padding, name)
{
    private protected override Tensor Pool(Tensor x) => Ops.AveragePool2D(x, (PoolSize, PoolSize), (Strides, Strides), Padding);
}
