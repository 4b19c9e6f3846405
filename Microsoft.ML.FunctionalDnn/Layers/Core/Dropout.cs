namespace Microsoft.ML.FunctionalDnn.Layers;

/// <summary>
/// During training, zeroes a fraction <see cref="Rate"/> of the inputs and scales the rest by
/// 1 / (1 - rate); at inference it passes inputs through. The mask comes from the layer's own
/// seeded generator.
/// </summary>
public sealed class Dropout : Layer
{
    /// <summary>Creates the layer; <paramref name="rate"/> must be in [0, 1).</summary>
    public Dropout(float rate, string? name = null) : base(name)
    {
        if (!(rate >= 0 && rate < 1)) throw new ArgumentOutOfRangeException(nameof(rate), $"Dropout rate must be in [0, 1); received {rate}.");
        Rate = rate;
    }

    /// <summary>The fraction dropped in training.</summary>
    public float Rate { get; }

    /// <inheritdoc/>
    protected override bool PropagatesMask => true;

    /// <inheritdoc/>
    protected override IEnumerable<KeyValuePair<string, object?>> ConfigEntries() =>
        [
            new("rate", Rate),
        ];

    /// <inheritdoc/>
    protected override Tensor Call(Tensor input, bool training) => training ? Ops.Dropout(input, Rate, Random) : input;
}
