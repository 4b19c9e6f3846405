using Microsoft.ML.FunctionalDnn.Initializers;

namespace Microsoft.ML.FunctionalDnn.Layers;

/// <summary>
/// Layer normalization over the last axis (Keras's <c>layers.LayerNormalization</c>): each sample's
/// features are normalized by their own mean and variance, then scaled by gamma and shifted by beta.
/// </summary>
public sealed class LayerNormalization(float epsilon = 1e-3f, bool center = true, bool scale = true, string? name = null) : Layer(name)
{
    private Tensor? _gamma, _beta;

    /// <summary>Added to the variance before the square root.</summary>
    public float Epsilon { get; } = epsilon > 0 ? epsilon : throw new ArgumentOutOfRangeException(nameof(epsilon));

    /// <summary>Whether beta is added.</summary>
    public bool Center { get; } = center;

    /// <summary>Whether gamma multiplies.</summary>
    public bool Scale { get; } = scale;

    /// <inheritdoc/>
    protected override bool PropagatesMask => true;

    /// <inheritdoc/>
    protected override IEnumerable<KeyValuePair<string, object?>> ConfigEntries() =>
        [
            new("axis", -1),
            new("epsilon", Epsilon),
            new("center", Center),
            new("scale", Scale),
        ];

    /// <inheritdoc/>
    protected override void Build(TensorShape inputShape)
    {
        int features = inputShape[-1] ?? throw Error($"the last axis of the input must be known; received {inputShape}.");
        if (Scale) _gamma = AddWeight("gamma", new Shape(features), Initializer.Ones);
        if (Center) _beta = AddWeight("beta", new Shape(features), Initializer.Zeros);
    }

    /// <inheritdoc/>
    protected override Tensor Call(Tensor input, bool training) => Ops.LayerNorm(input, _gamma, _beta, Epsilon);
}
