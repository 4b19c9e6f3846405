using Microsoft.ML.FunctionalDnn.Initializers;

namespace Microsoft.ML.FunctionalDnn.Layers;

/// <summary>2-D convolution over (batch, height, width, channels) (Keras's <c>layers.Conv2D</c>).</summary>
public sealed class Conv2D : ConvolutionLayer
{
    private Tensor _kernel = null!;

    /// <summary>Creates the layer with Keras's defaults (stride 1, valid padding, Glorot-uniform kernel, zero bias).</summary>
    public Conv2D(int filters, (int H, int W) kernelSize, (int H, int W)? strides = null, Padding padding = Padding.Valid,
        (int H, int W)? dilationRate = null, ActivationFunction? activation = null, bool useBias = true, string? name = null)
        : base(padding, activation, useBias, allowsCausal: false, name)
    {
        Filters = Positive(filters, nameof(filters));
        KernelSize = (Positive(kernelSize.H, nameof(kernelSize)), Positive(kernelSize.W, nameof(kernelSize)));
        Strides = strides ?? (1, 1);
        DilationRate = dilationRate ?? (1, 1);
        Positive(Math.Min(Strides.H, Strides.W), nameof(strides));
        Positive(Math.Min(DilationRate.H, DilationRate.W), nameof(dilationRate));
    }

    /// <summary>A square kernel.</summary>
    public Conv2D(int filters, int kernelSize, int strides = 1, Padding padding = Padding.Valid, ActivationFunction? activation = null, bool useBias = true, string? name = null)
        : this(filters, (kernelSize, kernelSize), (strides, strides), padding, null, activation, useBias, name)
    {
    }

    /// <summary>Output channels.</summary>
    public int Filters { get; }

    /// <summary>Window size.</summary>
    public (int H, int W) KernelSize { get; }

    /// <summary>Step between windows.</summary>
    public (int H, int W) Strides { get; }

    /// <summary>Spacing between the window's taps.</summary>
    public (int H, int W) DilationRate { get; }

    /// <inheritdoc/>
    protected override IEnumerable<KeyValuePair<string, object?>> ConfigEntries() =>
        [
            new("filters", Filters), new("kernel_size", new[] { KernelSize.H, KernelSize.W }), new("strides", new[] { Strides.H, Strides.W }),
            new("dilation_rate", new[] { DilationRate.H, DilationRate.W }), .. base.ConfigEntries(),
        ];

    /// <inheritdoc/>
    protected override void Build(TensorShape inputShape)
    {
        int channels = ConvWindow.RequireChannels(inputShape, Describe);
        _kernel = AddWeight("kernel", new Shape(KernelSize.H, KernelSize.W, channels, Filters), Initializer.GlorotUniform);
        AddBias(Filters);
    }

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape) =>
        Conv2DShape(inputShape, KernelSize, Strides, DilationRate, Padding, Filters, Describe);

    internal static TensorShape Conv2DShape(TensorShape x, (int H, int W) kernel, (int H, int W) strides, (int H, int W) dilation, Padding padding, int channels, string layer)
    {
        if (x.Rank != 4) throw new ArgumentException($"{layer}: expects (batch, height, width, channels); received {x}.");
        return new TensorShape(x[0],
            ConvWindow.OutputLength(x[1], kernel.H, strides.H, dilation.H, padding, layer, "height"),
            ConvWindow.OutputLength(x[2], kernel.W, strides.W, dilation.W, padding, layer, "width"),
            channels);
    }

    /// <inheritdoc/>
    protected override Tensor Call(Tensor input, bool training) => FinishConvolved(Ops.Conv2DWithBias(input, _kernel, Bias, ReluInOp, Strides, Padding, DilationRate));
}
