using Microsoft.ML.FunctionalDnn.Initializers;

namespace Microsoft.ML.FunctionalDnn.Layers;

/// <summary>
/// What every convolution layer shares: padding, the activation, the optional bias (zeros, sized
/// by the output channels) and the final step y = activation(conv + bias).
/// </summary>
public abstract class ConvolutionLayer : Layer
{
    private protected ConvolutionLayer(Padding padding, ActivationFunction? activation, bool useBias, bool allowsCausal, string? name) : base(name)
    {
        if (padding == Padding.Causal && !allowsCausal)
            throw new ArgumentException($"{GetType().Name}: causal padding exists only for Conv1D.", nameof(padding));
        Padding = padding;
        ActivationFunction = activation ?? Activations.Linear;
        UseBias = useBias;
    }

    /// <summary>Valid, same (or, for Conv1D, causal).</summary>
    public Padding Padding { get; }

    /// <summary>Applied after the convolution and bias.</summary>
    public ActivationFunction ActivationFunction { get; }

    /// <summary>Whether a bias is added.</summary>
    public bool UseBias { get; }

    private Tensor? _bias;

    /// <summary>Creates the bias, when there is one, for <paramref name="channels"/> output channels.</summary>
    private protected void AddBias(int channels)
    {
        if (UseBias) _bias = AddWeight("bias", new Shape(channels), Initializer.Zeros);
    }

    /// <summary>The bias a convolution op adds itself (null: none), for <see cref="FinishConvolved"/>.</summary>
    private protected Tensor? Bias => _bias;

    /// <summary>Whether the convolution op applies the activation itself (a ReLU), for <see cref="FinishConvolved"/>.</summary>
    private protected bool ReluInOp => ReferenceEquals(ActivationFunction, Activations.Relu);

    /// <summary>The activation after a convolution op that added <see cref="Bias"/> itself and applied the ReLU when <see cref="ReluInOp"/>.</summary>
    private protected Tensor FinishConvolved(Tensor convolved) => ReluInOp ? convolved : ActivationFunction.Invoke(convolved);

    /// <summary>activation(<paramref name="convolved"/> + bias), for ops without a bias of their own; a ReLU is applied with the bias in one op.</summary>
    private protected Tensor Finish(Tensor convolved)
    {
        if (_bias is null) return ActivationFunction.Invoke(convolved);
        if (ReferenceEquals(ActivationFunction, Activations.Relu)) return Ops.BiasAdd(convolved, _bias, relu: true);
        return ActivationFunction.Invoke(Ops.BiasAdd(convolved, _bias));
    }

    /// <summary>Checks that a size argument is positive, naming it.</summary>
    private protected static int Positive(int value, string name) =>
        value > 0 ? value : throw new ArgumentOutOfRangeException(name, $"{name} must be positive; received {value}.");

    /// <inheritdoc/>
    protected override IEnumerable<KeyValuePair<string, object?>> ConfigEntries() =>
        [new("padding", PaddingName(Padding)), new("activation", ActivationFunction.Name), new("use_bias", UseBias)];
}
