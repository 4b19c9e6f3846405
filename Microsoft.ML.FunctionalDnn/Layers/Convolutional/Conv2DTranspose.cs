namespace Microsoft.ML.FunctionalDnn;

/// <summary>Transposed 2-D convolution, for upsampling (Keras's <c>layers.Conv2DTranspose</c>); kernel (kh, kw, filters, in_channels).</summary>
public sealed class Conv2DTranspose(int filters, int kernelSize, int strides = 1, Padding padding = Padding.Valid,
    ActivationFunction? activation = null, bool useBias = true, string? name = null)
    : ConvolutionLayer(padding, activation, useBias, allowsCausal: false, name)
{
    private Tensor _kernel = null!;

    /// <summary>Output channels.</summary>
    public int Filters { get; } = Positive(filters, nameof(filters));

    /// <summary>Square window size.</summary>
    public int KernelSize { get; } = Positive(kernelSize, nameof(kernelSize));

    /// <summary>Upsampling factor.</summary>
    public int Strides { get; } = Positive(strides, nameof(strides));

    /// <inheritdoc/>
    protected override IEnumerable<KeyValuePair<string, object?>> ConfigEntries() =>
        [new("filters", Filters), new("kernel_size", new[] { KernelSize, KernelSize }), new("strides", new[] { Strides, Strides }), .. base.ConfigEntries()];

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
        int? Length(int? n) => n is int v ? Ops.TransposedLength(v, KernelSize, Strides, Padding) : null;
        return new TensorShape(inputShape[0], Length(inputShape[1]), Length(inputShape[2]), Filters);
    }

    /// <inheritdoc/>
    protected override Tensor Call(Tensor input, bool training) => Finish(Ops.Conv2DTranspose(input, _kernel, (Strides, Strides), Padding));
}
