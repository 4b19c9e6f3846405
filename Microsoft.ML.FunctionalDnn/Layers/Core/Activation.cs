namespace Microsoft.ML.FunctionalDnn.Layers;

/// <summary>Applies an activation function (Keras's <c>layers.Activation</c>).</summary>
/// <param name="activation">The function, or its Keras name.</param>
/// <param name="name">The layer name; automatic when null.</param>
public sealed class Activation(ActivationFunction activation, string? name = null) : Layer(name)
{
    /// <summary>The function applied.</summary>
    public ActivationFunction Function { get; } = activation ?? throw new ArgumentNullException(nameof(activation));

    /// <inheritdoc/>
    protected override bool PropagatesMask => true;

    /// <inheritdoc/>
    protected override IEnumerable<KeyValuePair<string, object?>> ConfigEntries() =>
        [
            new("activation", Function.Name),
        ];

    /// <inheritdoc/>
    protected override Tensor Call(Tensor input, bool training) => Function.Invoke(input);
}
