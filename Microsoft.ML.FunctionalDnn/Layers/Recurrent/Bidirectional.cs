namespace Microsoft.ML.FunctionalDnn.Layers;

/// <summary>How <see cref="Bidirectional"/> combines its two directions.</summary>
public enum MergeMode
{
    /// <summary>Concatenate on the last axis (Keras's default).</summary>
    Concat,

    /// <summary>Element-wise sum.</summary>
    Sum,

    /// <summary>Element-wise product.</summary>
    Mul,

    /// <summary>Element-wise mean.</summary>
    Ave,
}

/// <summary>
/// Runs a recurrent layer forwards and a copy of it backwards over the sequence and merges the two
/// (Keras's <c>layers.Bidirectional</c>). The backward output sequence is put back in time order
/// before merging. With a mask and <c>returnSequences</c>, masked steps output zeros in both
/// directions, as in Keras (a lone masked recurrent layer repeats its previous output instead).
/// </summary>
public sealed class Bidirectional : Layer
{
    /// <summary>Wraps <paramref name="layer"/>; a second layer of the same configuration runs backwards.</summary>
    public Bidirectional(RecurrentLayer layer, MergeMode mergeMode = MergeMode.Concat, string? name = null)
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (layer.ReturnState) throw new ArgumentException("Bidirectional does not support returnState yet; use two recurrent layers with the functional API.", nameof(layer));
        Forward = layer;
        Backward = layer.Reversed($"backward_{layer.Name}");
        MergeMode = mergeMode;
    }

    /// <summary>The forward layer.</summary>
    public RecurrentLayer Forward { get; }

    /// <summary>The backward copy.</summary>
    public RecurrentLayer Backward { get; }

    /// <summary>How the directions combine.</summary>
    public MergeMode MergeMode { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<LayerWeight> Weights => [.. Forward.Weights, .. Backward.Weights];

    /// <inheritdoc/>
    protected override IEnumerable<KeyValuePair<string, object?>> ConfigEntries() =>
        [
            new("layer", new Dictionary<string, object?> { ["class_name"] = Forward.ClassName, ["config"] = Forward.GetConfig() }),
            new("merge_mode", MergeMode.ToString().ToLowerInvariant()),
        ];

    /// <inheritdoc/>
    protected override void Build(TensorShape inputShape)
    {
        Forward.EnsureBuilt([inputShape]);
        Backward.EnsureBuilt([inputShape]);
    }

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        var one = Forward.ComputeOutputShapes([inputShape])[0];
        return MergeMode == MergeMode.Concat ? one.With(-1, one[-1] * 2) : one;
    }

    /// <inheritdoc/>
    protected override Tensor Call(Tensor input, bool training) => CallMasked([input], [null], training).Outputs[0];

    /// <inheritdoc/>
    protected internal override (IReadOnlyList<Tensor> Outputs, Tensor? Mask) CallMasked(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?> masks, bool training)
    {
        var (forward, mask) = Forward.ApplyMasked(inputs, masks, training);
        var b = Backward.ApplyMasked(inputs, masks, training).Outputs[0];
        var f = forward[0];
        // The backward layer returns its sequence in processing order; flip it back to time order.
        if (Forward.ReturnSequences) b = RecurrentLayer.ReverseSteps(b);
        var merged = MergeMode switch
        {
            MergeMode.Concat => Ops.Concatenate([f, b], -1),
            MergeMode.Sum => Ops.Add(f, b),
            MergeMode.Mul => Ops.Multiply(f, b),
            _ => Ops.Multiply(Ops.Add(f, b), Tensor.Scalar(0.5f)),
        };
        // Keras sets zero_output_for_mask = return_sequences on both wrapped layers: masked steps of a
        // returned sequence are zeros in each direction (and pass no gradient), not the previous output.
        if (Forward.ReturnSequences && masks[0] is { } inputMask)
            merged = Ops.Where(Ops.MaskIndicator(inputMask, merged, Describe), merged, Tensor.Scalar(0));
        return ([merged], mask);
    }
}
