namespace Microsoft.ML.FunctionalDnn.Layers;

/// <summary>Reorders the per-sample axes; <see cref="Dims"/> counts from 1 as in Keras (<c>Permute((2, 1))</c> swaps the two axes after the batch).</summary>
public sealed class Permute(int[] dims, string? name = null) : Layer(name)
{
    /// <summary>The new order of axes 1…n.</summary>
    public IReadOnlyList<int> Dims { get; } = dims ?? throw new ArgumentNullException(nameof(dims));

    /// <inheritdoc/>
    protected override IEnumerable<KeyValuePair<string, object?>> ConfigEntries() =>
        [
            new("dims", Dims.ToArray()),
        ];

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        if (Dims.Count != inputShape.Rank - 1 || !Dims.Order().SequenceEqual(Enumerable.Range(1, Dims.Count)))
            throw Error($"dims must be a permutation of 1…{inputShape.Rank - 1} for an input of shape {inputShape}; received ({string.Join(", ", Dims)}).");
        return new TensorShape([inputShape[0], .. Dims.Select(d => inputShape[d])]);
    }

    /// <inheritdoc/>
    protected override Tensor Call(Tensor input, bool training) => Ops.Transpose(input, [0, .. Dims]);
}
