using Microsoft.ML.FunctionalDnn.Initializers;

namespace Microsoft.ML.FunctionalDnn.Layers;

/// <summary>
/// Depthwise separable 2-D convolution (Keras's <c>layers.SeparableConv2D</c>): a depthwise
/// convolution per channel, then a 1×1 pointwise convolution mixing channels into
/// <see cref="Filters"/>. Weights: depthwise_kernel, pointwise_kernel, bias.
/// </summary>
public sealed class SeparableConv2D(int filters, int kernelSize, int strides = 1, Padding padding = Padding.Valid, int depthMultiplier = 1,
    ActivationFunction? activation = null, bool useBias = true, string? name = null)
    : DepthwiseConvolutionLayer(2, kernelSize, strides, padding, depthMultiplier, activation, useBias, name)
{
    private Tensor _depthwise = null!, _pointwise = null!;

    /// <summary>Output channels.</summary>
    public int Filters { get; } = Positive(filters, nameof(filters));

    /// <inheritdoc/>
    protected override IEnumerable<KeyValuePair<string, object?>> ConfigEntries() => [new("filters", Filters), .. base.ConfigEntries()];

    /// <inheritdoc/>
    protected override void Build(TensorShape inputShape)
    {
        int channels = ConvWindow.RequireChannels(inputShape, Describe);
        _depthwise = AddWeight("depthwise_kernel", new Shape(KernelSize, KernelSize, channels, DepthMultiplier), Initializer.GlorotUniform);
        _pointwise = AddWeight("pointwise_kernel", new Shape(1, 1, channels * DepthMultiplier, Filters), Initializer.GlorotUniform);
        AddBias(Filters);
    }

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape) =>
        Conv2D.Conv2DShape(inputShape, (KernelSize, KernelSize), (Strides, Strides), (1, 1), Padding, Filters, Describe);

    /// <inheritdoc/>
    protected override Tensor Call(Tensor input, bool training) =>
        FinishConvolved(Ops.Conv2DWithBias(Ops.DepthwiseConv2D(input, _depthwise, (Strides, Strides), Padding), _pointwise, Bias, ReluInOp));
}
