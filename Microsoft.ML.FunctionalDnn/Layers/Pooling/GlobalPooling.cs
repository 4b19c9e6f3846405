namespace Microsoft.ML.FunctionalDnn.Layers;

/// <summary>The base of the global pooling layers: (batch, spatial…, channels) to (batch, channels).</summary>
public abstract class GlobalPooling(int spatialRank, bool max, string? name) : Layer(name)
{
    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        if (inputShape.Rank != spatialRank + 2) throw Error($"expects a rank-{spatialRank + 2} input (batch, {(spatialRank == 1 ? "steps" : "height, width")}, channels); received {inputShape}.");
        return new TensorShape(inputShape[0], inputShape[-1]);
    }

    /// <inheritdoc/>
    protected override Tensor Call(Tensor input, bool training) => max ? Ops.GlobalMaxPool(input) : Ops.GlobalAveragePool(input);
}

/// <summary>
/// Maximum over steps (Keras's <c>layers.GlobalMaxPooling1D</c>). As in Keras 3, a mask from an
/// earlier layer is ignored (every step counts) and not passed on.
/// </summary>
public sealed class GlobalMaxPooling1D(string? name = null) : GlobalPooling(1, true, name);

/// <summary>
/// Mean over steps (Keras's <c>layers.GlobalAveragePooling1D</c>). After a mask (for example from
/// <c>Embedding(maskZero: true)</c>) only the unmasked steps are averaged, Σ x·m / Σ m, as in Keras 3;
/// the mask is not passed on.
/// </summary>
public sealed class GlobalAveragePooling1D(string? name = null) : GlobalPooling(1, false, name)
{
    /// <inheritdoc/>
    protected internal override (IReadOnlyList<Tensor> Outputs, Tensor? Mask) CallMasked(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?> masks, bool training) =>
        masks[0] is { } mask ? ([Ops.GlobalAveragePool(inputs[0], mask)], null) : base.CallMasked(inputs, masks, training);
}

/// <summary>Maximum over height and width (Keras's <c>layers.GlobalMaxPooling2D</c>).</summary>
public sealed class GlobalMaxPooling2D(string? name = null) : GlobalPooling(2, true, name);

/// <summary>Mean over height and width (Keras's <c>layers.GlobalAveragePooling2D</c>).</summary>
public sealed class GlobalAveragePooling2D(string? name = null) : GlobalPooling(2, false, name);
