using Microsoft.ML.FunctionalDnn.Initializers;

namespace Microsoft.ML.FunctionalDnn.Layers;

/// <summary>Depthwise 2-D convolution: each channel gets its own <see cref="DepthwiseConvolutionLayer.DepthMultiplier"/> filters (Keras's <c>layers.DepthwiseConv2D</c>).</summary>
public sealed class DepthwiseConv2D(int kernelSize, int strides = 1, Padding padding = Padding.Valid, int depthMultiplier = 1,
    ActivationFunction? activation = null, bool useBias = true, string? name = null)
    : DepthwiseConvolutionLayer(2, kernelSize, strides, padding, depthMultiplier, activation, useBias, name)
{
    private Tensor _kernel = null!;

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
