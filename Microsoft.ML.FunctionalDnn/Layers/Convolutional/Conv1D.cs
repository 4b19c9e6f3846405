namespace Microsoft.ML.FunctionalDnn;

/// <summary>1-D convolution over (batch, steps, channels) (Keras's <c>layers.Conv1D</c>); padding may be causal.</summary>
public sealed class Conv1D : Layer
{
    private Tensor _kernel = null!;
    private Tensor? _bias;

    /// <summary>Creates the layer with Keras's defaults (stride 1, valid padding, Glorot-uniform kernel, zero bias).</summary>
    public Conv1D(int filters, int kernelSize, int strides = 1, Padding padding = Padding.Valid, int dilationRate = 1,
        ActivationFunction? activation = null, bool useBias = true, string? name = null) : base(name)
    {
        if (filters <= 0 || kernelSize <= 0 || strides <= 0 || dilationRate <= 0)
            throw new ArgumentOutOfRangeException(nameof(filters), $"Conv1D needs positive filters, kernel size, strides and dilation; received {filters}, {kernelSize}, {strides}, {dilationRate}.");
        (Filters, KernelSize, Strides, Padding, DilationRate, UseBias) = (filters, kernelSize, strides, padding, dilationRate, useBias);
        ActivationFunction = activation ?? Activations.Linear;
    }

    /// <summary>Output channels.</summary>
    public int Filters { get; }

    /// <summary>Window length.</summary>
    public int KernelSize { get; }

    /// <summary>Step between windows.</summary>
    public int Strides { get; }

    /// <summary>Valid, same or causal.</summary>
    public Padding Padding { get; }

    /// <summary>Spacing between the window's taps.</summary>
    public int DilationRate { get; }

    /// <summary>Applied after the convolution and bias.</summary>
    public ActivationFunction ActivationFunction { get; }

    /// <summary>Whether a bias is added.</summary>
    public bool UseBias { get; }

    /// <inheritdoc/>
    protected override IEnumerable<KeyValuePair<string, object?>> ConfigEntries() =>
        [
            new("filters", Filters),
            new("kernel_size", new[] { KernelSize }),
            new("strides", new[] { Strides }),
            new("padding", PaddingName(Padding)),
            new("dilation_rate", new[] { DilationRate }),
            new("activation", ActivationFunction.Name),
            new("use_bias", UseBias),
        ];

    /// <inheritdoc/>
    protected override void Build(TensorShape inputShape)
    {
        int channels = ConvWindow.RequireChannels(inputShape, Describe);
        _kernel = AddWeight("kernel", new Shape(KernelSize, channels, Filters), Initializer.GlorotUniform);
        if (UseBias) _bias = AddWeight("bias", new Shape(Filters), Initializer.Zeros);
    }

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        if (inputShape.Rank != 3) throw Error($"expects (batch, steps, channels); received {inputShape}.");
        int? steps = ConvWindow.OutputLength(inputShape[1], KernelSize, Strides, DilationRate, Padding, Describe, "length (steps)");
        return new TensorShape(inputShape[0], steps, Filters);
    }

    /// <inheritdoc/>
    protected override Tensor Call(Tensor input, bool training)
    {
        var y = Ops.Conv1D(input, _kernel, Strides, Padding, DilationRate);
        if (_bias is not null) y = Ops.Add(y, _bias);
        return ActivationFunction.Invoke(y);
    }
}
