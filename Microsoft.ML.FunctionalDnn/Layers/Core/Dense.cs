using Microsoft.ML.FunctionalDnn.Initializers;

namespace Microsoft.ML.FunctionalDnn.Layers;

/// <summary>
/// A densely connected layer: activation(x · kernel + bias) on the last axis; works on any rank
/// (a sequence gets the same weights at every step).
/// </summary>
public sealed class Dense : Layer
{
    private Tensor _kernel = null!;
    private Tensor? _bias;

    /// <summary>Creates the layer with Keras's defaults (Glorot-uniform kernel, zero bias).</summary>
    public Dense(int units, ActivationFunction? activation = null, bool useBias = true,
        Initializer? kernelInitializer = null, Initializer? biasInitializer = null, string? name = null) : base(name)
    {
        if (units <= 0) throw new ArgumentOutOfRangeException(nameof(units), $"Dense needs a positive number of units; received {units}.");
        Units = units;
        ActivationFunction = activation ?? Activations.Linear;
        UseBias = useBias;
        KernelInitializer = kernelInitializer ?? Initializer.GlorotUniform;
        BiasInitializer = biasInitializer ?? Initializer.Zeros;
    }

    /// <summary>The size of the last output axis.</summary>
    public int Units { get; }

    /// <summary>Applied after the affine map.</summary>
    public ActivationFunction ActivationFunction { get; }

    /// <summary>Whether a bias is added.</summary>
    public bool UseBias { get; }

    /// <summary>Fills the kernel.</summary>
    public Initializer KernelInitializer { get; }

    /// <summary>Fills the bias.</summary>
    public Initializer BiasInitializer { get; }

    /// <inheritdoc/>
    protected override bool PropagatesMask => true;

    /// <inheritdoc/>
    protected override IEnumerable<KeyValuePair<string, object?>> ConfigEntries() =>
        [
            new("units", Units),
            new("activation", ActivationFunction.Name),
            new("use_bias", UseBias),
            new("kernel_initializer", KernelInitializer.Name),
            new("bias_initializer", BiasInitializer.Name),
        ];

    /// <inheritdoc/>
    protected override void Build(TensorShape inputShape)
    {
        int inputDim = inputShape[-1] ?? throw Error($"the last axis of the input must be known to size the kernel; received {inputShape}.");
        _kernel = AddWeight("kernel", new Shape(inputDim, Units), KernelInitializer);
        if (UseBias) _bias = AddWeight("bias", new Shape(Units), BiasInitializer);
    }

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        if (inputShape.Rank < 2) throw Error($"expects an input of rank 2 or more (batch, …, features); received {inputShape}.");
        if (inputShape[-1] is int d && d != _kernel.Shape[0])
            throw Error($"was built for inputs with {_kernel.Shape[0]} features on the last axis; received {inputShape}.");
        return inputShape.With(-1, Units);
    }

    /// <inheritdoc/>
    /// <remarks>A ReLU is applied with the bias in one op.</remarks>
    protected override Tensor Call(Tensor input, bool training) =>
        _bias is not null && ReferenceEquals(ActivationFunction, Activations.Relu)
            ? Ops.BiasAdd(Ops.Dense(input, _kernel, null), _bias, relu: true)
            : ActivationFunction.Invoke(Ops.Dense(input, _kernel, _bias));
}
