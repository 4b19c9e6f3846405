using Microsoft.ML.FunctionalDnn.Initializers;

namespace Microsoft.ML.FunctionalDnn.Layers;

/// <summary>
/// Transposed 2-D convolution, for upsampling (Keras's <c>layers.Conv2DTranspose</c>); kernel (kh,
/// kw, filters, in_channels). The output length per axis is Keras's: n·s + max(k − s, 0) for valid
/// padding and n·s for same, or (n − 1)·s + k + p (valid) and (n − 1)·s + k mod 2 + p (same) with an
/// <c>outputPadding</c> p in [0, strides).
/// </summary>
public sealed class Conv2DTranspose(int filters, int kernelSize, int strides = 1, Padding padding = Padding.Valid,
    ActivationFunction? activation = null, bool useBias = true, string? name = null, int? outputPadding = null)
    : ConvolutionLayer(padding, activation, useBias, allowsCausal: false, name)
{
    private Tensor _kernel = null!;

    /// <summary>Output channels.</summary>
    public int Filters { get; } = Positive(filters, nameof(filters));

    /// <summary>Square window size.</summary>
    public int KernelSize { get; } = Positive(kernelSize, nameof(kernelSize));

    /// <summary>Upsampling factor.</summary>
    public int Strides { get; } = Positive(strides, nameof(strides));

    /// <summary>Extra rows and columns at the end of the output, in [0, strides) (Keras's output_padding); null for Keras's default length.</summary>
    public int? OutputPadding { get; } = outputPadding is int p && (p < 0 || p >= strides)
        ? throw new ArgumentOutOfRangeException(nameof(outputPadding), $"Conv2DTranspose: outputPadding must be in [0, strides) = [0, {strides}); received {p}.")
        : outputPadding;

    /// <inheritdoc/>
    protected override IEnumerable<KeyValuePair<string, object?>> ConfigEntries() =>
        [new("filters", Filters), new("kernel_size", new[] { KernelSize, KernelSize }), new("strides", new[] { Strides, Strides }),
            new("output_padding", OutputPadding is int p ? new[] { p, p } : null), .. base.ConfigEntries()];

    /// <inheritdoc/>
    protected override void Build(TensorShape inputShape)
    {
        int channels = ConvWindow.RequireChannels(inputShape, Describe);
        _kernel = AddWeight("kernel", new Shape(KernelSize, KernelSize, Filters, channels), Initializer.GlorotUniform);
        AddBias(Filters);
    }

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        if (inputShape.Rank != 4) throw Error($"expects (batch, height, width, channels); received {inputShape}.");
        int? Length(int? n) => n is int v ? Ops.TransposedLength(v, KernelSize, Strides, Padding, OutputPadding) : null;
        return new TensorShape(inputShape[0], Length(inputShape[1]), Length(inputShape[2]), Filters);
    }

    /// <inheritdoc/>
    protected override Tensor Call(Tensor input, bool training) =>
        Finish(Ops.Conv2DTranspose(input, _kernel, (Strides, Strides), Padding, OutputPadding is int p ? (p, p) : null));
}
