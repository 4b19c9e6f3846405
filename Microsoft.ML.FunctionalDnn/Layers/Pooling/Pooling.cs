namespace Microsoft.ML.FunctionalDnn;

/// <summary>Max pooling over steps (Keras's <c>layers.MaxPooling1D</c>); the stride defaults to the pool size.</summary>
public sealed class MaxPooling1D(int poolSize = 2, int? strides = null, Padding padding = Padding.Valid, string? name = null) : Layer(name)
{
    /// <summary>Window length.</summary>
    public int PoolSize { get; } = poolSize > 0 ? poolSize : throw new ArgumentOutOfRangeException(nameof(poolSize));

    /// <summary>Step between windows.</summary>
    public int Strides { get; } = strides ?? poolSize;

    /// <summary>Valid or same.</summary>
    public Padding Padding { get; } = padding;

    /// <inheritdoc/>
    protected override IEnumerable<KeyValuePair<string, object?>> ConfigEntries() =>
        [
            new("pool_size", new[] { PoolSize }),
            new("strides", new[] { Strides }),
            new("padding", PaddingName(Padding)),
        ];

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape) => Pool1DShape(inputShape, PoolSize, Strides, Padding, Describe);

    /// <inheritdoc/>
    protected override Tensor Call(Tensor input, bool training) => Ops.MaxPool1D(input, PoolSize, Strides, Padding);

    internal static TensorShape Pool1DShape(TensorShape x, int pool, int stride, Padding padding, string layer)
    {
        if (x.Rank != 3) throw new ArgumentException($"{layer}: expects (batch, steps, channels); received {x}.");
        return new TensorShape(x[0], ConvWindow.OutputLength(x[1], pool, stride, 1, padding, layer, "length (steps)"), x[2]);
    }
}

/// <summary>Average pooling over steps (Keras's <c>layers.AveragePooling1D</c>).</summary>
public sealed class AveragePooling1D(int poolSize = 2, int? strides = null, Padding padding = Padding.Valid, string? name = null) : Layer(name)
{
    /// <summary>Window length.</summary>
    public int PoolSize { get; } = poolSize > 0 ? poolSize : throw new ArgumentOutOfRangeException(nameof(poolSize));

    /// <summary>Step between windows.</summary>
    public int Strides { get; } = strides ?? poolSize;

    /// <summary>Valid or same.</summary>
    public Padding Padding { get; } = padding;

    /// <inheritdoc/>
    protected override IEnumerable<KeyValuePair<string, object?>> ConfigEntries() =>
        [
            new("pool_size", new[] { PoolSize }),
            new("strides", new[] { Strides }),
            new("padding", PaddingName(Padding)),
        ];

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape) => MaxPooling1D.Pool1DShape(inputShape, PoolSize, Strides, Padding, Describe);

    /// <inheritdoc/>
    protected override Tensor Call(Tensor input, bool training) => Ops.AveragePool1D(input, PoolSize, Strides, Padding);
}

/// <summary>2-D max pooling (Keras's <c>layers.MaxPooling2D</c>); strides default to the pool size.</summary>
public sealed class MaxPooling2D(int poolSize = 2, int? strides = null, Padding padding = Padding.Valid, string? name = null) : Layer(name)
{
    /// <summary>Square window size.</summary>
    public int PoolSize { get; } = poolSize > 0 ? poolSize : throw new ArgumentOutOfRangeException(nameof(poolSize));

    /// <summary>Step between windows.</summary>
    public int Strides { get; } = strides ?? poolSize;

    /// <summary>Valid or same.</summary>
    public Padding Padding { get; } = padding;

    /// <inheritdoc/>
    protected override IEnumerable<KeyValuePair<string, object?>> ConfigEntries() =>
        [
            new("pool_size", new[] { PoolSize, PoolSize }),
            new("strides", new[] { Strides, Strides }),
            new("padding", PaddingName(Padding)),
        ];

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape) =>
        Conv2D.Conv2DShape(inputShape, (PoolSize, PoolSize), (Strides, Strides), (1, 1), Padding, ConvWindow.RequireChannels(inputShape, Describe), Describe);

    /// <inheritdoc/>
    protected override Tensor Call(Tensor input, bool training) => Ops.MaxPool2D(input, (PoolSize, PoolSize), (Strides, Strides), Padding);
}

/// <summary>2-D average pooling (Keras's <c>layers.AveragePooling2D</c>).</summary>
public sealed class AveragePooling2D(int poolSize = 2, int? strides = null, Padding padding = Padding.Valid, string? name = null) : Layer(name)
{
    /// <summary>Square window size.</summary>
    public int PoolSize { get; } = poolSize > 0 ? poolSize : throw new ArgumentOutOfRangeException(nameof(poolSize));

    /// <summary>Step between windows.</summary>
    public int Strides { get; } = strides ?? poolSize;

    /// <summary>Valid or same.</summary>
    public Padding Padding { get; } = padding;

    /// <inheritdoc/>
    protected override IEnumerable<KeyValuePair<string, object?>> ConfigEntries() =>
        [
            new("pool_size", new[] { PoolSize, PoolSize }),
            new("strides", new[] { Strides, Strides }),
            new("padding", PaddingName(Padding)),
        ];

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape) =>
        Conv2D.Conv2DShape(inputShape, (PoolSize, PoolSize), (Strides, Strides), (1, 1), Padding, ConvWindow.RequireChannels(inputShape, Describe), Describe);

    /// <inheritdoc/>
    protected override Tensor Call(Tensor input, bool training) => Ops.AveragePool2D(input, (PoolSize, PoolSize), (Strides, Strides), Padding);
}
