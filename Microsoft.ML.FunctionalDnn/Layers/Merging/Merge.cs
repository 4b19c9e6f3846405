namespace Microsoft.ML.FunctionalDnn.Layers;

/// <summary>
/// The base of the element-wise merge layers (Add, Subtract, Multiply, Average, Maximum,
/// Minimum): two or more inputs of one shape (size-1 axes broadcast), combined pairwise.
/// </summary>
public abstract class Merge(string? name) : Layer(name)
{
    /// <summary>The fewest inputs the layer takes.</summary>
    protected virtual int MinInputs => 2;

    /// <summary>The most inputs the layer takes.</summary>
    protected virtual int MaxInputs => int.MaxValue;

    /// <summary>Combines two tensors.</summary>
    protected abstract Tensor Combine(Tensor a, Tensor b);

    /// <summary>Turns the pairwise combination of all inputs into the output (Average divides).</summary>
    protected virtual Tensor Finish(Tensor combined, int count) => combined;

    /// <summary>True for Maximum and Minimum, which have no identity element: as in Keras 3, a masked input's values are replaced by the other side's before combining.</summary>
    private protected virtual bool SubstitutesMaskedValues => false;

    /// <inheritdoc/>
    protected override void ValidateInputs(IReadOnlyList<SymbolicTensor> inputs)
    {
        CheckCount(inputs.Count);
        for (int i = 1; i < inputs.Count; i++)
        {
            if (TryBroadcast(inputs[0].Shape, inputs[i].Shape) is null)
                throw Error($"inputs must have the same shape (or size 1 where they differ). Input 0 from '{inputs[0].Layer.Name}' has shape {inputs[0].Shape}; input {i} from '{inputs[i].Layer.Name}' has shape {inputs[i].Shape}.");
        }
    }

    /// <inheritdoc/>
    public override IReadOnlyList<TensorShape> ComputeOutputShapes(IReadOnlyList<TensorShape> inputShapes)
    {
        CheckCount(inputShapes.Count);
        var shape = inputShapes[0];
        for (int i = 1; i < inputShapes.Count; i++)
            shape = TryBroadcast(shape, inputShapes[i]) ?? throw Error($"inputs have incompatible shapes {inputShapes[0]} and {inputShapes[i]}.");
        return [shape];
    }

    private void CheckCount(int count)
    {
        if (count < MinInputs || count > MaxInputs)
            throw Error(MinInputs == MaxInputs
                ? $"expects exactly {MinInputs} inputs; received {count}."
                : $"expects a list of at least {MinInputs} inputs; received {count}.");
    }

    private static TensorShape? TryBroadcast(TensorShape a, TensorShape b)
    {
        if (a.Rank != b.Rank) return null;
        var dims = new int?[a.Rank];
        for (int i = 0; i < a.Rank; i++)
        {
            int? x = a[i], y = b[i];
            if (x == y || y == 1) dims[i] = x;
            else if (x == 1) dims[i] = y;
            else if (x is null || y is null) dims[i] = x ?? y;
            else return null;
        }
        return new TensorShape(dims);
    }

    /// <inheritdoc/>
    protected internal override (IReadOnlyList<Tensor> Outputs, Tensor? Mask) CallMasked(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?> masks, bool training) =>
        (SubstitutesMaskedValues && masks.Any(m => m is not null) ? [CombineMasked(inputs, masks)] : Call(inputs, training), OrMasks(masks));

    /// <summary>
    /// Keras 3's merge for operations without an identity element: where one side is masked it takes
    /// the other side's value, so a masked step never wins a maximum or minimum.
    /// </summary>
    private Tensor CombineMasked(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?> masks)
    {
        CheckCount(inputs.Count);
        var output = inputs[0];
        var outputKeep = masks[0] is { } m0 ? Ops.MaskIndicator(m0, output, Describe) : null;
        for (int i = 1; i < inputs.Count; i++)
        {
            var x = inputs[i];
            var keep = masks[i] is { } m ? Ops.MaskIndicator(m, x, Describe) : null;
            if (keep is not null) x = Ops.Where(keep, x, output);
            if (outputKeep is not null) output = Ops.Where(outputKeep, output, x);
            outputKeep = keep is not null && outputKeep is not null ? Ops.Maximum(outputKeep, keep) : null;
            output = Combine(output, x);
        }
        return Finish(output, inputs.Count);
    }

    /// <summary>Keras 3's merge mask: none when any input has none, otherwise a step is kept when any input keeps it (the OR of the masks).</summary>
    private static Tensor? OrMasks(IReadOnlyList<Tensor?> masks)
    {
        if (masks.Count == 0 || masks.Any(m => m is null)) return null;
        var combined = masks[0]!;
        for (int i = 1; i < masks.Count; i++) combined = Ops.Maximum(combined, masks[i]!);
        return combined;
    }

    /// <inheritdoc/>
    protected internal override IReadOnlyList<Tensor> Call(IReadOnlyList<Tensor> inputs, bool training)
    {
        CheckCount(inputs.Count);
        var result = inputs[0];
        for (int i = 1; i < inputs.Count; i++) result = Combine(result, inputs[i]);
        return [Finish(result, inputs.Count)];
    }
}

/// <summary>Element-wise sum of its inputs.</summary>
public sealed class Add(string? name = null) : Merge(name)
{
    /// <inheritdoc/>
    protected override Tensor Combine(Tensor a, Tensor b) => Ops.Add(a, b);
}

/// <summary>The first input minus the second.</summary>
public sealed class Subtract(string? name = null) : Merge(name)
{
    /// <inheritdoc/>
    protected override int MaxInputs => 2;

    /// <inheritdoc/>
    protected override Tensor Combine(Tensor a, Tensor b) => Ops.Subtract(a, b);
}

/// <summary>Element-wise product of its inputs.</summary>
public sealed class Multiply(string? name = null) : Merge(name)
{
    /// <inheritdoc/>
    protected override Tensor Combine(Tensor a, Tensor b) => Ops.Multiply(a, b);
}

/// <summary>Element-wise mean of its inputs.</summary>
public sealed class Average(string? name = null) : Merge(name)
{
    /// <inheritdoc/>
    protected override Tensor Combine(Tensor a, Tensor b) => Ops.Add(a, b);

    /// <inheritdoc/>
    protected override Tensor Finish(Tensor combined, int count) => Ops.Multiply(combined, Tensor.Scalar(1f / count));
}

/// <summary>Element-wise maximum of its inputs.</summary>
public sealed class Maximum(string? name = null) : Merge(name)
{
    private protected override bool SubstitutesMaskedValues => true;

    /// <inheritdoc/>
    protected override Tensor Combine(Tensor a, Tensor b) => Ops.Maximum(a, b);
}

/// <summary>Element-wise minimum of its inputs.</summary>
public sealed class Minimum(string? name = null) : Merge(name)
{
    private protected override bool SubstitutesMaskedValues => true;

    /// <inheritdoc/>
    protected override Tensor Combine(Tensor a, Tensor b) => Ops.Minimum(a, b);
}
