using Microsoft.ML.FunctionalDnn.Initializers;

namespace Microsoft.ML.FunctionalDnn.Layers;

/// <summary>Depthwise separable 1-D convolution (Keras's <c>layers.SeparableConv1D</c>): per-channel convolution over steps, then a pointwise mix into <see cref="Filters"/>.</summary>
public sealed class SeparableConv1D(int filters, int kernelSize, int strides = 1, Padding padding = Padding.Valid, int depthMultiplier = 1,
    ActivationFunction? activation = null, bool useBias = true, string? name = null)
    : DepthwiseConvolutionLayer(1, kernelSize, strides, padding, depthMultiplier, activation, useBias, name)
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
        _depthwise = AddWeight("depthwise_kernel", new Shape(KernelSize, channels, DepthMultiplier), Initializer.GlorotUniform);
        _pointwise = AddWeight("pointwise_kernel", new Shape(1, channels * DepthMultiplier, Filters), Initializer.GlorotUniform);
        AddBias(Filters);
    }

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        if (inputShape.Rank != 3) throw Error($"expects (batch, steps, channels); received {inputShape}.");
        return new TensorShape(inputShape[0], ConvWindow.OutputLength(inputShape[1], KernelSize, Strides, 1, Padding, Describe, "length (steps)"), Filters);
    }

    /// <inheritdoc/>
    protected override Tensor Call(Tensor input, bool training)
    {
        // Steps become the width of a height-1 image for the depthwise op.
        int n = input.Shape[0], c = input.Shape[2];
        var x4 = Ops.Reshape(input, n, 1, input.Shape[1], c);
        var k4 = Ops.Reshape(_depthwise, 1, KernelSize, c, DepthMultiplier);
        var d = Ops.DepthwiseConv2D(x4, k4, (1, Strides), Padding);
        return FinishConvolved(Ops.Conv1DWithBias(Ops.Reshape(d, n, d.Shape[2], d.Shape[3]), _pointwise, Bias, ReluInOp));
    }
}
