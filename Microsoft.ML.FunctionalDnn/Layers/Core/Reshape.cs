namespace Microsoft.ML.FunctionalDnn.Layers;

/// <summary>Reshapes each sample to <see cref="TargetShape"/> (batch axis left out; one entry may be -1).</summary>
public sealed class Reshape(int[] targetShape, string? name = null) : Layer(name)
{
    /// <summary>The per-sample shape.</summary>
    public IReadOnlyList<int> TargetShape { get; } = targetShape ?? throw new ArgumentNullException(nameof(targetShape));

    /// <inheritdoc/>
    protected override IEnumerable<KeyValuePair<string, object?>> ConfigEntries() =>
        [
            new("target_shape", TargetShape.ToArray()),
        ];

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        int? size = 1;
        foreach (var d in inputShape.PerSample()) size = size is int s && d is int v ? s * v : null;
        int known = TargetShape.Where(d => d != -1).Aggregate(1, (a, b) => a * b);
        var dims = TargetShape.Select(d => d == -1 ? (size is int s ? s / Math.Max(known, 1) : (int?)null) : d).ToArray();
        if (size is int total && (TargetShape.Count(d => d == -1) > 1 || (TargetShape.Contains(-1) ? total % Math.Max(known, 1) != 0 : total != known)))
            throw Error($"cannot reshape samples of shape ({string.Join(", ", inputShape.PerSample())}) ({total} values) to ({string.Join(", ", TargetShape)}).");
        return new TensorShape([inputShape[0], .. dims]);
    }

    /// <inheritdoc/>
    protected override Tensor Call(Tensor input, bool training) => Ops.Reshape(input, [input.Shape[0], .. TargetShape]);
}
