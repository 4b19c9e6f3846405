namespace Microsoft.ML.FunctionalDnn.Layers;

/// <summary>Repeats a (batch, features) input <see cref="N"/> times: (batch, n, features).</summary>
public sealed class RepeatVector(int n, string? name = null) : Layer(name)
{
    /// <summary>How many copies.</summary>
    public int N { get; } = n > 0 ? n : throw new ArgumentOutOfRangeException(nameof(n));

    /// <inheritdoc/>
    protected override IEnumerable<KeyValuePair<string, object?>> ConfigEntries() =>
        [
            new("n", N),
        ];

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape) =>
        inputShape.Rank == 2 ? new TensorShape(inputShape[0], N, inputShape[1]) : throw Error($"expects (batch, features); received {inputShape}.");

    /// <inheritdoc/>
    protected override Tensor Call(Tensor input, bool training) =>
        Ops.BroadcastTo(Ops.ExpandDims(input, 1), new Shape(input.Shape[0], N, input.Shape[1]));
}
