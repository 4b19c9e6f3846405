namespace Microsoft.ML.FunctionalDnn;

/// <summary>
/// Depthwise separable 2-D convolution (Keras's <c>layers.SeparableConv2D</c>): a depthwise
/// convolution per channel, then a 1×1 pointwise convolution mixing channels into
/// <see cref="Filters"/>. Weights: depthwise_kernel, pointwise_kernel, bias.
/// </summary>
public sealed class SeparableConv2D(int filters, int kernelSize, int strides = 1, Padding padding = Padding.Valid, int depthMultiplier = 1,
    ActivationFunction? activation = null, bool useBias = true, string? name = null) : Layer(name)
{
    private Tensor _depthwise = null!, _pointwise = null!;
    private Tensor? _bias;

    /// <summary>Output channels.</summary>
    public int Filters { get; } = filters > 0 ? filters : throw new ArgumentOutOfRangeException(nameof(filters));

    /// <summary>Square window size.</summary>
    public int KernelSize { get; } = kernelSize > 0 ? kernelSize : throw new ArgumentOutOfRangeException(nameof(kernelSize));

    /// <summary>Step between windows.</summary>
    public int Strides { get; } = strides > 0 ? strides : throw new ArgumentOutOfRangeException(nameof(strides));

    /// <summary>Valid or same.</summary>
    public Padding Padding { get; } = padding;

    /// <summary>Depthwise filters per input channel.</summary>
    public int DepthMultiplier { get; } = depthMultiplier > 0 ? depthMultiplier : throw new ArgumentOutOfRangeException(nameof(depthMultiplier));

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
            new("depth_multiplier", DepthMultiplier),
            new("activation", ActivationFunction.Name),
            new("use_bias", UseBias),
        ];

    /// <inheritdoc/>
    protected override void Build(TensorShape inputShape)
    {
        int channels = ConvWindow.RequireChannels(inputShape, Describe);
        _depthwise = AddWeight("depthwise_kernel", new Shape(KernelSize, KernelSize, channels, DepthMultiplier), Initializer.GlorotUniform);
        _pointwise = AddWeight("pointwise_kernel", new Shape(1, 1, channels * DepthMultiplier, Filters), Initializer.GlorotUniform);
        if (UseBias) _bias = AddWeight("bias", new Shape(Filters), Initializer.Zeros);
    }

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape) =>
        Conv2D.Conv2DShape(inputShape, (KernelSize, KernelSize), (Strides, Strides), (1, 1), Padding, Filters, Describe);

    /// <inheritdoc/>
    protected override Tensor Call(Tensor input, bool training)
    {
        var y = Ops.Conv2D(Ops.DepthwiseConv2D(input, _depthwise, (Strides, Strides), Padding), _pointwise);
        if (_bias is not null) y = Ops.Add(y, _bias);
        return ActivationFunction.Invoke(y);
    }
}
