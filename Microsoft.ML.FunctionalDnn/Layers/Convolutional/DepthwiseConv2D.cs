namespace Microsoft.ML.FunctionalDnn;

/// <summary>Depthwise 2-D convolution: each channel gets its own <see cref="DepthMultiplier"/> filters (Keras's <c>layers.DepthwiseConv2D</c>).</summary>
public sealed class DepthwiseConv2D(int kernelSize, int strides = 1, Padding padding = Padding.Valid, int depthMultiplier = 1,
    ActivationFunction? activation = null, bool useBias = true, string? name = null)
    : ConvolutionLayer(padding, activation, useBias, allowsCausal: false, name)
{
    private Tensor _kernel = null!;

    /// <summary>Square window size.</summary>
    public int KernelSize { get; } = Positive(kernelSize, nameof(kernelSize));

    /// <summary>Step between windows.</summary>
    public int Strides { get; } = Positive(strides, nameof(strides));

    /// <summary>Filters per input channel.</summary>
    public int DepthMultiplier { get; } = Positive(depthMultiplier, nameof(depthMultiplier));

    /// <inheritdoc/>
    protected override IEnumerable<KeyValuePair<string, object?>> ConfigEntries() =>
        [new("kernel_size", new[] { KernelSize, KernelSize }), new("strides", new[] { Strides, Strides }), new("depth_multiplier", DepthMultiplier), .. base.ConfigEntries()];

    /// <inheritdoc/>
    protected override void Build(TensorShape inputShape)
    {
        int channels = ConvWindow.RequireChannels(inputShape, Describe);
        _kernel = AddWeight("depthwise_kernel", new Shape(KernelSize, KernelSize, channels, DepthMultiplier), Initializer.GlorotUniform);
        AddBias(channels * DepthMultiplier);
    }

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape) =>
        Conv2D.Conv2DShape(inputShape, (KernelSize, KernelSize), (Strides, Strides), (1, 1), Padding,
            ConvWindow.RequireChannels(inputShape, Describe) * DepthMultiplier, Describe);

    /// <inheritdoc/>
    protected override Tensor Call(Tensor input, bool training) => Finish(Ops.DepthwiseConv2D(input, _kernel, (Strides, Strides), Padding));
}
