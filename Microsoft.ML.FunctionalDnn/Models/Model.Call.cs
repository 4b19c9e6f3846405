namespace Microsoft.ML.FunctionalDnn;

public partial class Model
{
    /// <summary>
    /// Runs the model for inference (Keras's <c>predict</c>), <paramref name="batchSize"/> samples at
    /// a time: one tensor per input in <see cref="Inputs"/> order in, one tensor per output in
    /// <see cref="Outputs"/> order out (samples on the first axis).
    /// </summary>
    public IReadOnlyList<Tensor> Predict(IReadOnlyList<Tensor> inputs, int batchSize = 32)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return PredictCore([.. inputs], batchSize);
    }

    /// <summary>Runs the model for inference with inputs given by name.</summary>
    /// <exception cref="ArgumentException">A name is unknown or an input is missing; the message lists the expected names.</exception>
    public IReadOnlyList<Tensor> Predict(IReadOnlyDictionary<string, Tensor> inputs, int batchSize = 32)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var unknown = inputs.Keys.Where(k => !InputNames.Contains(k)).ToList();
        if (unknown.Count > 0)
            throw Error($"has no input named {string.Join(", ", unknown.Select(u => $"'{u}'"))}. Expected inputs: [{string.Join(", ", InputNames)}].");
        var missing = InputNames.Where(n => !inputs.ContainsKey(n)).ToList();
        if (missing.Count > 0)
            throw Error($"is missing input {string.Join(", ", missing.Select(m => $"'{m}'"))}. Expected inputs: [{string.Join(", ", InputNames)}].");
        return PredictCore([.. InputNames.Select(n => inputs[n])], batchSize);
    }

    /// <summary>Runs a single-input model for inference.</summary>
    public IReadOnlyList<Tensor> Predict(Tensor input, int batchSize = 32)
    {
        ArgumentNullException.ThrowIfNull(input);
        return PredictCore([input], batchSize);
    }

    /// <summary>The model's outputs for one batch, in one pass (Keras's <c>predict_on_batch</c>).</summary>
    public IReadOnlyList<Tensor> PredictOnBatch(IReadOnlyList<Tensor> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return PredictCore([.. inputs], int.MaxValue);
    }

    /// <summary>The outputs by output name (as Keras returns them for a model with named outputs).</summary>
    public IReadOnlyDictionary<string, Tensor> PredictByName(IReadOnlyList<Tensor> inputs, int batchSize = 32)
    {
        var outputs = Predict(inputs, batchSize);
        return OutputNames.Select((n, i) => (n, outputs[i])).ToDictionary(p => p.n, p => p.Item2);
    }

    private Tensor[] PredictCore(Tensor[] inputs, int batchSize)
    {
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), $"batchSize must be positive; received {batchSize}.");
        for (int i = 0; i < inputs.Length; i++)
            if (inputs[i] is null) throw new ArgumentNullException(nameof(inputs), $"Predict: input {i} of {inputs.Length} is null.");
        PrepareForInputs(inputs);
        CheckInputCount(inputs.Length);
        int n = inputs[0].Shape[0];
        for (int i = 1; i < inputs.Length; i++)
            if (inputs[i].Shape[0] != n)
                throw Error($"all inputs need the same number of samples: '{InputNames[0]}' has {n}, '{InputNames[i]}' has {inputs[i].Shape[0]}.");
        CheckInputs(inputs, "", requireFinite: false);
        if (n == 0) return EmptyOutputs(inputs);
        Tensor[]? results = null;
        for (int start = 0; start < n; start += batchSize)
        {
            int count = (int)Math.Min(batchSize, (long)n - start);
            using var scope = TensorScope.Begin();
            using var noGrad = GradMode.NoGrad();
            var outs = ApplyMany([.. inputs.Select(t => t.SliceBatch(start, count))], training: false);
            results ??= [.. outs.Select(o => Tensor.Persistent(o.Shape.With(0, n), o.DType))];
            for (int o = 0; o < outs.Count; o++)
            {
                int row = outs[o].Size / Math.Max(1, count);
                if (outs[o].DType == DType.Float32) outs[o].Data.CopyTo(results[o].Data.Slice(start * row, count * row));
                else outs[o].IntData.CopyTo(results[o].IntData.Slice(start * row, count * row));
            }
        }
        return results!;
    }

    /// <summary>
    /// Outputs with 0 samples (as Keras's predict returns them), shaped by the symbolic pass so no
    /// layer runs on an empty batch; a shape the pass leaves open is taken from one all-zero sample.
    /// </summary>
    private Tensor[] EmptyOutputs(Tensor[] inputs)
    {
        var shapes = ComputeOutputShapes([.. inputs.Select(t => TensorShape.FromConcrete(t.Shape))]);
        if (shapes.All(s => s.IsFullyDefinedPerSample))
            return [.. shapes.Select((s, o) => Tensor.Persistent(new Shape([0, .. s.PerSample().Select(d => d!.Value)]), Outputs[o].DType))];
        using var scope = TensorScope.Begin();
        using var noGrad = GradMode.NoGrad();
        var outs = ApplyMany([.. inputs.Select(t => Tensor.Zeros(t.Shape.With(0, 1), t.DType))], training: false);
        return [.. outs.Select(o => Tensor.Persistent(o.Shape.With(0, 0), o.DType))];
    }

    /// <inheritdoc/>
    public override IReadOnlyList<TensorShape> ComputeOutputShapes(IReadOnlyList<TensorShape> inputShapes)
    {
        ArgumentNullException.ThrowIfNull(inputShapes);
        CheckInputCount(inputShapes.Count);
        var shapes = new Dictionary<SymbolicTensor, TensorShape>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < Inputs.Count; i++)
        {
            CheckInputShape(i, inputShapes[i]);
            shapes[Inputs[i]] = inputShapes[i];
        }
        foreach (var node in _nodes)
        {
            if (node.Inputs.Count == 0) continue;
            var outs = node.Layer.ComputeOutputShapes([.. node.Inputs.Select(t => shapes[t])]);
            for (int i = 0; i < outs.Count; i++) shapes[node.Outputs[i]] = outs[i];
        }
        return [.. Outputs.Select(t => shapes[t])];
    }

    /// <inheritdoc/>
    protected internal override IReadOnlyList<Tensor> Call(IReadOnlyList<Tensor> inputs, bool training) =>
        CallMasked(inputs, new Tensor?[inputs.Count], training).Outputs;

    /// <summary>Runs every node in order, carrying each tensor's mask (from Embedding(maskZero) to the recurrent layers after it).</summary>
    protected internal override (IReadOnlyList<Tensor> Outputs, Tensor? Mask) CallMasked(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?> masks, bool training)
    {
        CheckInputCount(inputs.Count);
        var values = new Dictionary<SymbolicTensor, Tensor>(ReferenceEqualityComparer.Instance);
        var tensorMasks = new Dictionary<SymbolicTensor, Tensor?>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < Inputs.Count; i++)
        {
            if (inputs[i].DType != Inputs[i].DType)
                throw Error($"input {i} ('{InputNames[i]}') must be {Inputs[i].DType}; received {inputs[i].DType} {inputs[i].Shape}.");
            values[Inputs[i]] = inputs[i];
            tensorMasks[Inputs[i]] = masks[i];
        }
        foreach (var node in _nodes)
        {
            if (node.Inputs.Count == 0) continue;
            var (outs, mask) = node.Layer.ApplyMasked([.. node.Inputs.Select(t => values[t])], [.. node.Inputs.Select(t => tensorMasks[t])], training);
            for (int i = 0; i < outs.Count; i++)
            {
                values[node.Outputs[i]] = outs[i];
                tensorMasks[node.Outputs[i]] = i == 0 ? mask : null;
            }
        }
        return ([.. Outputs.Select(t => values[t])], tensorMasks[Outputs[0]]);
    }

    /// <summary>
    /// A model checks only its inputs here: every node validates its own shapes when it runs, so a
    /// shape inference over the whole graph per batch would do that work twice.
    /// </summary>
    private protected override void ValidateConcreteShapes(IReadOnlyList<TensorShape> shapes)
    {
        CheckInputCount(shapes.Count);
        for (int i = 0; i < shapes.Count; i++) CheckInputShape(i, shapes[i]);
    }

    private void CheckInputCount(int received)
    {
        if (received != Inputs.Count)
            throw Error($"expects {Inputs.Count} input{(Inputs.Count == 1 ? "" : "s")} [{string.Join(", ", InputNames)}]; received {received}.");
    }

    private void CheckInputShape(int index, TensorShape shape)
    {
        var expected = Inputs[index].Shape;
        bool ok = shape.Rank == expected.Rank;
        for (int d = 1; ok && d < shape.Rank; d++) ok = expected[d] is null || shape[d] is null || expected[d] == shape[d];
        if (!ok) throw Error($"input {index} ('{InputNames[index]}') expects shape {expected}; received {shape}.");
    }
}
