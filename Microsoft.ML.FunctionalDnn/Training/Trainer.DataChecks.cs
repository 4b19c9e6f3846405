using System.Buffers;
using System.Numerics.Tensors;
using Microsoft.ML.FunctionalDnn.Losses;

namespace Microsoft.ML.FunctionalDnn;

/// <summary>
/// Checks on in-memory data, run once before Fit, Evaluate, TrainOnBatch or Predict touches the
/// model, so a bad sample in a late batch cannot leave half-trained weights or a half-updated
/// optimizer behind. Each check is one pass over the data; the training step repeats none of it.
/// </summary>
internal sealed partial class Trainer
{
    /// <summary>Elements copied to the host at a time by the finite check, so it never holds a second copy of the data.</summary>
    private const int FiniteCheckChunk = 1 << 16;

    /// <summary>Elements a device-side finite check reduces at a time (its temporary is this large).</summary>
    private const int DeviceFiniteCheckChunk = 1 << 22;

    /// <summary>
    /// <paramref name="x"/> and <paramref name="y"/> in model order, targets shaped for the losses,
    /// and every check of <see cref="CheckData"/> passed; <paramref name="call"/> and
    /// <paramref name="what"/> (<c>"validation "</c>) name the data in errors.
    /// </summary>
    private (Tensor[] Inputs, Tensor[] Targets) CheckedData(DataSpec x, DataSpec y, Tensor? sampleWeight, string call, bool requireFinite, string what = "")
    {
        var inputs = x.Resolve(Model.InputNames, $"{what}input");
        var targets = PrepareTargets(y.Resolve(Model.OutputNames, $"{what}target"));
        CheckSampleCounts(inputs, targets, sampleWeight);
        RequireSamples(inputs, call);
        CheckData(inputs, targets, sampleWeight, what, requireFinite);
        return (inputs, targets);
    }

    /// <summary>Refuses a call with no samples (Keras refuses empty data too, if less clearly).</summary>
    private void RequireSamples(Tensor[] inputs, string call)
    {
        if (inputs[0].Shape[0] == 0)
            throw Error($"{call} received 0 samples (input '{Model.InputNames[0]}' has shape {inputs[0].Shape}); it needs at least one.");
    }

    private void CheckSampleCounts(Tensor[] inputs, Tensor[] targets, Tensor? sampleWeight)
    {
        int n = inputs[0].Shape[0];
        if (targets[0].Shape[0] != n)
            throw new ArgumentException($"Model '{Model.Name}': the inputs have {n} samples but the targets have {targets[0].Shape[0]}.");
        if (sampleWeight is not null && sampleWeight.Size != n)
            throw new ArgumentException($"Model '{Model.Name}': sampleWeight needs one value per sample ({n}); received {sampleWeight.Shape}.");
    }

    /// <summary>Targets of rank one less than a single-unit output, such as (n,) labels for a (None, 1) sigmoid, get the missing axis, as Keras does.</summary>
    private Tensor[] PrepareTargets(Tensor[] targets)
    {
        var result = new Tensor[targets.Length];
        for (int o = 0; o < targets.Length; o++)
        {
            var t = targets[o];
            var output = Model.Outputs[o].Shape;
            bool sparse = Compiled.Losses[o] is SparseCategoricalCrossentropy;
            if (!sparse && t.Rank == output.Rank - 1 && output[-1] == 1) t = t.Reshape([.. t.Shape, 1]);
            if (!sparse && t.DType == DType.Int32) t = Ops.Cast(t, DType.Float32);
            if (!sparse && t.Rank == output.Rank)
                for (int d = 1; d < t.Rank; d++)
                    if (output[d] is int size && size != t.Shape[d])
                        throw new ArgumentException($"The target for output '{Model.OutputNames[o]}' has shape {t.Shape}, but the output has shape {output}: dimension {d} is {t.Shape[d]}, expected {size}.");
            result[o] = t;
        }
        return result;
    }

    /// <summary>
    /// Inputs, targets and sample weights before any step: input types and shapes, ids that feed an
    /// Embedding within its vocabulary, sparse labels as class indices, and, with
    /// <paramref name="requireFinite"/>, no NaN or infinity in float data.
    /// </summary>
    private void CheckData(Tensor[] inputs, Tensor[] targets, Tensor? sampleWeight, string what, bool requireFinite)
    {
        // The checks' temporaries (slices, range masks, their reductions) end here.
        using var scope = TensorScope.Begin();
        CheckInputs(inputs, what, requireFinite);
        var losses = Compiled.Losses;
        for (int o = 0; o < targets.Length; o++)
        {
            if (requireFinite) RequireFinite(targets[o], $"{what}target '{Model.OutputNames[o]}'");
            if (losses[o] is SparseCategoricalCrossentropy && Model.Outputs[o].Shape[-1] is int classes)
            {
                try
                {
                    SparseCategoricalCrossentropy.CheckLabels(targets[o], classes);
                }
                catch (ArgumentException e)
                {
                    throw Error($"{what}target '{Model.OutputNames[o]}': {e.Message}");
                }
            }
        }
        if (requireFinite && sampleWeight is not null) RequireFinite(sampleWeight, $"{what}sampleWeight");
    }

    /// <summary>Input types and shapes, Embedding ids, and (optionally) finite floats, naming the input and the sample.</summary>
    private void CheckInputs(Tensor[] inputs, string what, bool requireFinite)
    {
        for (int i = 0; i < inputs.Length; i++)
        {
            var input = inputs[i];
            var expected = Model.Inputs[i];
            if (input.DType != expected.DType)
                throw Error($"{what}input {i} ('{Model.InputNames[i]}') must be {expected.DType}; received {input.DType} {input.Shape}.");
            Model.CheckInputShape(i, TensorShape.FromConcrete(input.Shape, keepBatch: true));
            if (requireFinite) RequireFinite(input, $"{what}input '{Model.InputNames[i]}'");
            foreach (var embedding in Model.EmbeddingsFedBy(expected))
                embedding.CheckIds(input, $"{what}input '{Model.InputNames[i]}'");
        }
    }

    /// <summary>Refuses NaN and infinity in a float tensor, naming the sample; read in chunks of whole samples.</summary>
    private void RequireFinite(Tensor tensor, string what)
    {
        if (tensor.DType != DType.Float32 || tensor.Size == 0) return;
        if (tensor.Rank == 0)
        {
            float value = tensor.Item();
            if (!float.IsFinite(value)) throw NotFinite(what, value, 0, 0, 1);
            return;
        }
        int rows = tensor.Shape[0], perSample = tensor.Size / rows;
        if (!tensor.IsManaged)
        {
            // Data on another backend's device is reduced there first: x - x is 0 where x is
            // finite and NaN where it is not, so one scalar per chunk comes to the host, and the
            // data itself only for a chunk that holds a bad value (to name the sample).
            int deviceRows = Math.Max(1, DeviceFiniteCheckChunk / perSample);
            for (int start = 0; start < rows; start += deviceRows)
            {
                int count = Math.Min(deviceRows, rows - start);
                using var scope = TensorScope.Begin();
                using var noGrad = GradMode.NoGrad();
                var chunk = tensor.SliceBatch(start, count);
                if (Ops.Sum(Ops.Subtract(chunk, chunk)).Item() != 0) RequireFiniteOnHost(chunk, what, start);
            }
            return;
        }
        RequireFiniteOnHost(tensor, what, 0);
    }

    /// <summary>The finite check on host copies of <paramref name="tensor"/>'s rows, a chunk at a time; <paramref name="firstSample"/> numbers its first row in errors.</summary>
    private void RequireFiniteOnHost(Tensor tensor, string what, int firstSample)
    {
        int rows = tensor.Shape[0], perSample = tensor.Size / rows;
        int chunkRows = Math.Max(1, FiniteCheckChunk / perSample);
        var buffer = ArrayPool<float>.Shared.Rent(Math.Min(rows, chunkRows) * perSample);
        try
        {
            for (int start = 0; start < rows; start += chunkRows)
            {
                int count = Math.Min(chunkRows, rows - start);
                var values = buffer.AsSpan(0, count * perSample);
                tensor.SliceBatch(start, count).CopyTo(values);
                if (TensorPrimitives.IsFiniteAll(values)) continue;
                int i = 0;
                while (float.IsFinite(values[i])) i++;
                throw NotFinite(what, values[i], firstSample + start + i / perSample, i % perSample, perSample);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    private ArgumentException NotFinite(string what, float value, int sample, int position, int perSample) =>
        Error($"{what} holds {value} in sample {sample} (position {position} of its {perSample} values); training needs finite numbers. Clean or impute the data first.");
}
