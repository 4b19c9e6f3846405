using Microsoft.ML.FunctionalDnn.Callbacks;

namespace Microsoft.ML.FunctionalDnn;

/// <summary>
/// Predict: inputs checked once, then batches through <see cref="PredictStep"/>, with Keras's
/// predict hooks; each batch's outputs are copied into one host buffer per output, which becomes the
/// returned tensor.
/// </summary>
internal sealed partial class Trainer
{
    /// <summary>Predict with inputs given by name (see <see cref="Model.Predict(IReadOnlyDictionary{string, Tensor}, int, IReadOnlyList{Callback})"/>).</summary>
    internal Tensor[] Predict(IReadOnlyDictionary<string, Tensor> inputs, int batchSize, IReadOnlyList<Callback>? callbacks)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var names = Model.InputNames;
        var unknown = inputs.Keys.Where(k => !names.Contains(k)).ToList();
        if (unknown.Count > 0)
            throw Error($"has no input named {string.Join(", ", unknown.Select(u => $"'{u}'"))}. Expected inputs: [{string.Join(", ", names)}].");
        var missing = names.Where(n => !inputs.ContainsKey(n)).ToList();
        if (missing.Count > 0)
            throw Error($"is missing input {string.Join(", ", missing.Select(m => $"'{m}'"))}. Expected inputs: [{string.Join(", ", names)}].");
        return PredictCore([.. names.Select(n => inputs[n])], batchSize, callbacks);
    }

    /// <summary>Predict with one tensor per input, in model order.</summary>
    internal Tensor[] Predict(IReadOnlyList<Tensor> inputs, int batchSize, IReadOnlyList<Callback>? callbacks)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return PredictCore([.. inputs], batchSize, callbacks);
    }

    private Tensor[] PredictCore(Tensor[] inputs, int batchSize, IReadOnlyList<Callback>? callbacks)
    {
        RequirePositiveBatchSize(batchSize);
        for (int i = 0; i < inputs.Length; i++)
            if (inputs[i] is null) throw new ArgumentNullException(nameof(inputs), $"Predict: input {i} of {inputs.Length} is null.");
        Model.PrepareToCall(inputs);
        int n = inputs[0].Shape[0];
        for (int i = 1; i < inputs.Length; i++)
            if (inputs[i].Shape[0] != n)
                throw Error($"all inputs need the same number of samples: '{Model.InputNames[0]}' has {n}, '{Model.InputNames[i]}' has {inputs[i].Shape[0]}.");
        CheckInputs(inputs, "", requireFinite: false);
        var hooks = callbacks?.ToList() ?? [];
        foreach (var c in hooks) c.Model = Model;
        var empty = new Dictionary<string, float>();
        foreach (var c in hooks) c.OnPredictBegin(empty);
        var results = n == 0 ? EmptyOutputs(inputs) : PredictBatches(inputs, batchSize, hooks, empty);
        foreach (var c in hooks) c.OnPredictEnd(empty);
        return results;
    }

    private Tensor[] PredictBatches(Tensor[] inputs, int batchSize, List<Callback> hooks, Dictionary<string, float> empty)
    {
        int n = inputs[0].Shape[0];
        OutputBuffer[]? buffers = null;
        int batch = 0;
        for (int start = 0; start < n; start += batchSize, batch++)
        {
            foreach (var c in hooks) c.OnPredictBatchBegin(batch, empty);
            int count = (int)Math.Min(batchSize, (long)n - start);
            using var scope = TensorScope.Begin();
            var outputs = PredictStep([.. inputs.Select(t => t.SliceBatch(start, count))]);
            buffers ??= [.. outputs.Select(o => new OutputBuffer(o.Shape.With(0, n), o.DType))];
            for (int o = 0; o < outputs.Count; o++) buffers[o].Write(outputs[o], start);
            foreach (var c in hooks) c.OnPredictBatchEnd(batch, outputs, empty);
        }
        return [.. buffers!.Select(b => b.ToTensor())];
    }

    /// <summary>
    /// Outputs with 0 samples (as Keras's predict returns them), shaped by the symbolic pass so no
    /// layer runs on an empty batch; a shape the pass leaves open is taken from one all-zero sample.
    /// </summary>
    private Tensor[] EmptyOutputs(Tensor[] inputs)
    {
        var shapes = Model.ComputeOutputShapes([.. inputs.Select(t => TensorShape.FromConcrete(t.Shape))]);
        if (shapes.All(s => s.IsFullyDefinedPerSample))
            return [.. shapes.Select((s, o) => new OutputBuffer(new Shape([0, .. s.PerSample().Select(d => d!.Value)]), Model.Outputs[o].DType).ToTensor())];
        using var scope = TensorScope.Begin();
        var outputs = PredictStep([.. inputs.Select(t => Tensor.Zeros(t.Shape.With(0, 1), t.DType))]);
        return [.. outputs.Select(o => new OutputBuffer(o.Shape.With(0, 0), o.DType).ToTensor())];
    }

    /// <summary>One output of Predict gathered on the host, batch by batch, then made one tensor (outside any scope).</summary>
    private sealed class OutputBuffer(Shape shape, DType dtype)
    {
        private readonly float[]? _floats = dtype == DType.Float32 ? new float[shape.Size] : null;
        private readonly int[]? _ints = dtype == DType.Int32 ? new int[shape.Size] : null;
        private readonly int _row = shape.SizeOf(1, shape.Rank);

        /// <summary>Copies a batch's rows to rows <paramref name="start"/>… of the buffer.</summary>
        internal void Write(Tensor batch, int start)
        {
            int length = batch.Shape[0] * _row;
            if (_floats is not null) batch.CopyTo(_floats.AsSpan(start * _row, length));
            else batch.CopyTo(_ints.AsSpan(start * _row, length));
        }

        internal Tensor ToTensor() => _floats is not null ? Tensor.FromOwnedArray(_floats, shape) : Tensor.FromOwnedArray(_ints!, shape);
    }
}
