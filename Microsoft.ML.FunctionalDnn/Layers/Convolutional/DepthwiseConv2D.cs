namespace Microsoft.ML.FunctionalDnn;

/// <summary>Depthwise 2-D convolution: each channel gets its own <see cref="DepthMultiplier"/> filters (Keras's <c>layers.DepthwiseConv2D</c>).</summary>
public sealed class DepthwiseConv2D(int kernelSize, int strides = 1, Padding padding = Padding.Valid, int depthMultiplier = 1,
    ActivationFunction? activation = null, bool useBias = true, string? name = null) : Layer(name)
{
    private Tensor _kernel = null!;
    private Tensor? _bias;

    /// <summary>Square window size.</summary>
    public int KernelSize { get; } = kernelSize > 0 ? kernelSize : throw new ArgumentOutOfRangeException(nameof(kernelSize));

    /// <summary>Step between windows.</summary>
    public int Strides { get; } = strides > 0 ? strides : throw new ArgumentOutOfRangeException(nameof(strides));

    /// <summary>Valid or same.</summary>
    public Padding Padding { get; } = padding;

    /// <summary>Filters per input channel.</summary>
    public int DepthMultiplier { get; } = depthMultiplier > 0 ? depthMultiplier : throw new ArgumentOutOfRangeException(nameof(depthMultiplier));

    /// <summary>Applied last.</summary>
    public ActivationFunction ActivationFunction { get; } = activation ?? Activations.Linear;

    /// <summary>Whether a bias is added.</summary>
    public bool UseBias { get; } = useBias;

    /// <inheritdoc/>
    protected override IEnumerable<KeyValuePair<string, object?>> ConfigEntries() =>
        [
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
        _kernel = AddWeight("depthwise_kernel", new Shape(KernelSize, KernelSize, channels, DepthMultiplier), Initializer.GlorotUniform);
        if (UseBias) _bias = AddWeight("bias", new Shape(channels * DepthMultiplier), Initializer.Zeros);
    }

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape) =>
        Conv2D.Conv2DShape(inputShape, (KernelSize, KernelSize), (Strides, Strides), (1, 1), Padding,
            ConvWindow.RequireChannels(inputShape, Describe) * DepthMultiplier, Describe);

    /// <inheritdoc/>
    protected override Tensor Call(Tensor input, bool training)
    {
        var y = Ops.DepthwiseConv2D(input, _kernel, (Strides, Strides), Padding);
        if (_bias is not null) y = Ops.Add(y, _bias);
        return ActivationFunction.Invoke(y);
    }
}
