namespace Microsoft.ML.FunctionalDnn.Layers;

/// <summary>Joins its inputs along <see cref="Axis"/>; every other axis must match.</summary>
public sealed class Concatenate(int axis = -1, string? name = null) : Layer(name)
{
    /// <summary>The axis joined along (negative counts from the end; 0 is the batch axis and not allowed).</summary>
    public int Axis { get; } = axis;

    /// <inheritdoc/>
    protected override void ValidateInputs(IReadOnlyList<SymbolicTensor> inputs)
    {
        if (inputs.Count < 2) throw Error($"expects a list of at least 2 inputs; received {inputs.Count}.");
        for (int i = 1; i < inputs.Count; i++)
        {
            if (Mismatch(inputs[0].Shape, inputs[i].Shape) is string why)
                throw Error($"{why} Input 0 from '{inputs[0].Layer.Name}' has shape {inputs[0].Shape}; input {i} from '{inputs[i].Layer.Name}' has shape {inputs[i].Shape}.");
        }
    }

    /// <summary>Why two shapes cannot be joined along the axis, or null when they can.</summary>
    private string? Mismatch(TensorShape a, TensorShape b)
    {
        if (a.Rank != b.Rank) return $"inputs must have the same rank to be concatenated on axis {Axis}.";
        int ax = Shape.NormalizeAxis(Axis, a.Rank);
        if (ax == 0) return "cannot concatenate along the batch axis (0).";
        for (int d = 0; d < a.Rank; d++)
            if (d != ax && a[d] is int x && b[d] is int y && x != y)
                return $"all axes but the concatenation axis ({Axis}) must match, and axis {d} differs ({x} vs {y}).";
        return null;
    }

    /// <inheritdoc/>
    protected override IEnumerable<KeyValuePair<string, object?>> ConfigEntries() =>
        [
            new("axis", Axis),
        ];

    /// <inheritdoc/>
    public override IReadOnlyList<TensorShape> ComputeOutputShapes(IReadOnlyList<TensorShape> inputShapes)
    {
        if (inputShapes.Count < 2) throw Error($"expects a list of at least 2 inputs; received {inputShapes.Count}.");
        for (int i = 1; i < inputShapes.Count; i++)
            if (Mismatch(inputShapes[0], inputShapes[i]) is string why) throw Error($"{why} Shapes {inputShapes[0]} and {inputShapes[i]}.");
        int ax = Shape.NormalizeAxis(Axis, inputShapes[0].Rank);
        int? total = 0;
        foreach (var s in inputShapes) total = total is int t && s[ax] is int v ? t + v : null;
        return [inputShapes[0].With(ax, total)];
    }

    /// <inheritdoc/>
    protected internal override (IReadOnlyList<Tensor> Outputs, Tensor? Mask) CallMasked(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?> masks, bool training) =>
        (Call(inputs, training), ConcatenateMasks(inputs, masks));

    /// <summary>
    /// Keras 3's concatenation mask: an input without a mask counts as all kept; along the feature
    /// (last) axis a step is kept when any input keeps it, along another axis the masks are joined
    /// like the inputs.
    /// </summary>
    private Tensor? ConcatenateMasks(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?> masks)
    {
        if (masks.All(m => m is null)) return null;
        int rank = inputs[0].Shape.Rank, ax = Shape.NormalizeAxis(Axis, rank);
        var full = inputs.Select((x, i) => masks[i] ?? Tensor.Ones(new Shape([.. x.Shape.ToArray()[..^1]]))).ToList();
        if (ax < rank - 1) return Ops.Concatenate(full, ax);
        var combined = full[0];
        for (int i = 1; i < full.Count; i++) combined = Ops.Maximum(combined, full[i]);
        return combined;
    }

    /// <inheritdoc/>
    protected internal override IReadOnlyList<Tensor> Call(IReadOnlyList<Tensor> inputs, bool training) => [Ops.Concatenate(inputs, Axis)];
}
