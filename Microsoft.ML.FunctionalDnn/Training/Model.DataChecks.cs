using System.Numerics.Tensors;

namespace Microsoft.ML.FunctionalDnn;

/// <summary>
/// Checks on in-memory data, run once before Fit, Evaluate, TrainOnBatch or Predict touches the
/// model, so a bad sample in a late batch cannot leave half-trained weights or a half-updated
/// optimizer behind. Each check is one pass over the data; the training step repeats none of it.
/// </summary>
public partial class Model
{
    /// <summary>Refuses a call with no samples (Keras refuses empty data too, if less clearly).</summary>
    private void RequireSamples(Tensor[] inputs, string call)
    {
        if (inputs[0].Shape[0] == 0)
            throw Error($"{call} received 0 samples (input '{InputNames[0]}' has shape {inputs[0].Shape}); it needs at least one.");
    }

    /// <summary>
    /// Inputs, targets and sample weights before any step: input types and shapes, ids that feed an
    /// Embedding within its vocabulary, sparse labels as class indices, and, with
    /// <paramref name="requireFinite"/>, no NaN or infinity in float data.
    /// </summary>
    private void CheckData(Tensor[] inputs, Tensor[] targets, Tensor? sampleWeight, string what, bool requireFinite)
    {
        CheckInputs(inputs, what, requireFinite);
        var losses = Compiled.Losses;
        for (int o = 0; o < targets.Length; o++)
        {
            if (requireFinite) RequireFinite(targets[o], $"{what}target '{OutputNames[o]}'");
            if (losses[o] is SparseCategoricalCrossentropy && Outputs[o].Shape[-1] is int classes)
            {
                try
                {
                    SparseCategoricalCrossentropy.CheckLabels(targets[o], classes);
                }
                catch (ArgumentException e)
                {
                    throw Error($"{what}target '{OutputNames[o]}': {e.Message}");
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
            if (input.DType != Inputs[i].DType)
                throw Error($"{what}input {i} ('{InputNames[i]}') must be {Inputs[i].DType}; received {input.DType} {input.Shape}.");
            CheckInputShape(i, TensorShape.FromConcrete(input.Shape, keepBatch: true));
            if (requireFinite) RequireFinite(input, $"{what}input '{InputNames[i]}'");
            foreach (var embedding in EmbeddingsFedBy(Inputs[i]))
                embedding.CheckIds(input, $"{what}input '{InputNames[i]}'");
        }
    }

    /// <summary>The Embeddings that read <paramref name="input"/> as it is: directly, or as an input of a nested model.</summary>
    private IEnumerable<Embedding> EmbeddingsFedBy(SymbolicTensor input)
    {
        foreach (var node in _nodes)
            for (int j = 0; j < node.Inputs.Count; j++)
            {
                if (!ReferenceEquals(node.Inputs[j], input)) continue;
                if (node.Layer is Embedding embedding) yield return embedding;
                else if (node.Layer is Model nested && j < nested.Inputs.Count)
                    foreach (var inner in nested.EmbeddingsFedBy(nested.Inputs[j])) yield return inner;
            }
    }

    private void RequireFinite(Tensor tensor, string what)
    {
        if (tensor.DType != DType.Float32) return;
        var data = tensor.Data;
        if (TensorPrimitives.IsFiniteAll(data)) return;
        int i = 0;
        while (float.IsFinite(data[i])) i++;
        int perSample = tensor.Rank == 0 ? 1 : Math.Max(1, tensor.Size / Math.Max(1, tensor.Shape[0]));
        throw Error($"{what} holds {data[i]} in sample {i / perSample} (position {i % perSample} of its {perSample} values); training needs finite numbers. Clean or impute the data first.");
    }
}
