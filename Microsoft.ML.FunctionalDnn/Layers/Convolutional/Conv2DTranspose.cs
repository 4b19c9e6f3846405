namespace Microsoft.ML.FunctionalDnn;

/// <summary>Transposed 2-D convolution, for upsampling (Keras's <c>layers.Conv2DTranspose</c>); kernel (kh, kw, filters, in_channels).</summary>
public sealed class Conv2DTranspose(int filters, int kernelSize, int strides = 1, Padding padding = Padding.Valid,
    ActivationFunction? activation = null, bool useBias = true, string? name = null) : Layer(name)
{
    private Tensor _kernel = null!;
    private Tensor? _bias;

    /// <summary>Output channels.</summary>
    public int Filters { get; } = filters > 0 ? filters : throw new ArgumentOutOfRangeException(nameof(filters));

    /// <summary>Square window size.</summary>
    public int KernelSize { get; } = kernelSize > 0 ? kernelSize : throw new ArgumentOutOfRangeException(nameof(kernelSize));

    /// <summary>Upsampling factor.</summary>
    public int Strides { get; } = strides > 0 ? strides : throw new ArgumentOutOfRangeException(nameof(strides));

    /// <summary>Valid or same.</summary>
    public Padding Padding { get; } = padding == Padding.Causal ? throw new ArgumentException("Conv2DTranspose supports valid or same padding.", nameof(padding)) : padding;

    /// <summary>Applied last.</summary>
    public ActivationFunction ActivationFunction { get; } = activation ?? Activations.Linear;

    /// <summary>Whether a bias is added.</summary>
    public bool UseBias { get; } = useBias;

    /// <inheritdoc/>
    protected override IEnumerable<KeyValuePair<string, object?>> ConfigEntries() =>
        [
            new("filters", Filters),
            new("kernel_size", new[] { KernelSize, KernelSize }),
            new("strides", new[] { Strides, Strides }),
            new("padding", PaddingName(Padding)),
            new("activation", ActivationFunction.Name),
            new("use_bias", UseBias),
        ];

    /// <inheritdoc/>
    protected override void Build(TensorShape inputShape)
    {
        int channels = ConvWindow.RequireChannels(inputShape, Describe);
        _kernel = AddWeight("kernel", new Shape(KernelSize, KernelSize, Filters, channels), Initializer.GlorotUniform);
        if (UseBias) _bias = AddWeight("bias", new Shape(Filters), Initializer.Zeros);
    }

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        if (inputShape.Rank != 4) throw Error($"expects (batch, height, width, channels); received {inputShape}.");
        int? Length(int? n) => n is int v ? Ops.TransposedLength(v, KernelSize, Strides, Padding) : null;
        return new TensorShape(inputShape[0], Length(inputShape[1]), Length(inputShape[2]), Filters);
    }

    /// <inheritdoc/>
    protected override Tensor Call(Tensor input, bool training)
    {
        var y = Ops.Conv2DTranspose(input, _kernel, (Strides, Strides), Padding);
        if (_bias is not null) y = Ops.Add(y, _bias);
        return ActivationFunction.Invoke(y);
    }
}
