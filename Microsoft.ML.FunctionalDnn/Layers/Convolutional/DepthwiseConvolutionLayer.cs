namespace Microsoft.ML.FunctionalDnn.Layers;

/// <summary>
/// What the depthwise family shares (DepthwiseConv2D, SeparableConv1D, SeparableConv2D): a square
/// window, a stride, and the number of filters per input channel.
/// </summary>
public abstract class DepthwiseConvolutionLayer : ConvolutionLayer
{
    private readonly int _spatialRank;

    private protected DepthwiseConvolutionLayer(int spatialRank, int kernelSize, int strides, Padding padding, int depthMultiplier,
        ActivationFunction? activation, bool useBias, string? name)
        : base(padding, activation, useBias, allowsCausal: false, name)
    {
        _spatialRank = spatialRank;
        KernelSize = Positive(kernelSize, nameof(kernelSize));
        Strides = Positive(strides, nameof(strides));
        DepthMultiplier = Positive(depthMultiplier, nameof(depthMultiplier));
    }

    /// <summary>Window size (the same along every spatial axis).</summary>
    public int KernelSize { get; }

    /// <summary>Step between windows.</summary>
    public int Strides { get; }

    /// <summary>Depthwise filters per input channel.</summary>
    public int DepthMultiplier { get; }

    /// <inheritdoc/>
    protected override IEnumerable<KeyValuePair<string, object?>> ConfigEntries() =>
        [
            new("kernel_size", Enumerable.Repeat(KernelSize, _spatialRank).ToArray()),
            new("strides", Enumerable.Repeat(Strides, _spatialRank).ToArray()),
            new("depth_multiplier", DepthMultiplier),
            .. base.ConfigEntries(),
        ];
}
