using Microsoft.ML.FunctionalDnn.Initializers;

namespace Microsoft.ML.FunctionalDnn.Layers;

/// <summary>1-D convolution over (batch, steps, channels) (Keras's <c>layers.Conv1D</c>); padding may be causal.</summary>
public sealed class Conv1D(int filters, int kernelSize, int strides = 1, Padding padding = Padding.Valid, int dilationRate = 1,
    ActivationFunction? activation = null, bool useBias = true, string? name = null)
    : ConvolutionLayer(padding, activation, useBias, allowsCausal: true, name)
{
    private Tensor _kernel = null!;

    /// <summary>Output channels.</summary>
    public int Filters { get; } = Positive(filters, nameof(filters));

    /// <summary>Window length.</summary>
    public int KernelSize { get; } = Positive(kernelSize, nameof(kernelSize));

    /// <summary>Step between windows.</summary>
    public int Strides { get; } = Positive(strides, nameof(strides));

    /// <summary>Spacing between the window's taps.</summary>
    public int DilationRate { get; } = Positive(dilationRate, nameof(dilationRate));

    /// <inheritdoc/>
    protected override IEnumerable<KeyValuePair<string, object?>> ConfigEntries() =>
        [new("filters", Filters), new("kernel_size", new[] { KernelSize }), new("strides", new[] { Strides }), new("dilation_rate", new[] { DilationRate }), .. base.ConfigEntries()];

    /// <inheritdoc/>
    protected override void Build(TensorShape inputShape)
    {
        int channels = ConvWindow.RequireChannels(inputShape, Describe);
        _kernel = AddWeight("kernel", new Shape(KernelSize, channels, Filters), Initializer.GlorotUniform);
        AddBias(Filters);
    }

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        if (inputShape.Rank != 3) throw Error($"expects (batch, steps, channels); received {inputShape}.");
        int? steps = ConvWindow.OutputLength(inputShape[1], KernelSize, Strides, DilationRate, Padding, Describe, "length (steps)");
        return new TensorShape(inputShape[0], steps, Filters);
    }

    /// <inheritdoc/>
    protected override Tensor Call(Tensor input, bool training) => FinishConvolved(Ops.Conv1DWithBias(input, _kernel, Bias, ReluInOp, Strides, Padding, DilationRate));
}
