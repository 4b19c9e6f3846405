using Microsoft.ML.FunctionalDnn.Backends;
using Microsoft.ML.FunctionalDnn.Initializers;

namespace Microsoft.ML.FunctionalDnn.Layers;

/// <summary>
/// Turns int32 ids into dense vectors by table lookup: (batch, …) ids give (batch, …, outputDim).
/// Keras's argument order: <paramref name="inputDim"/> is the vocabulary size (ids 0…inputDim-1),
/// <paramref name="outputDim"/> the vector size. The gradient touches only the rows looked up.
/// </summary>
public sealed class Embedding(int inputDim, int outputDim, bool maskZero = false, Initializer? embeddingsInitializer = null, string? name = null) : Layer(name)
{
    private Tensor _embeddings = null!;

    /// <summary>The vocabulary size.</summary>
    public int InputDim { get; } = inputDim > 0 ? inputDim : throw new ArgumentOutOfRangeException(nameof(inputDim), $"Embedding needs a positive vocabulary size (inputDim); received {inputDim}.");

    /// <summary>The vector size.</summary>
    public int OutputDim { get; } = outputDim > 0 ? outputDim : throw new ArgumentOutOfRangeException(nameof(outputDim), $"Embedding needs a positive vector size (outputDim); received {outputDim}.");

    /// <summary>Whether id 0 is padding: the layer then emits a mask, and recurrent layers after it skip those steps.</summary>
    public bool MaskZero { get; } = maskZero;

    /// <summary>Fills the table (Keras's default: uniform ±0.05).</summary>
    public Initializer EmbeddingsInitializer { get; } = embeddingsInitializer ?? Initializer.RandomUniform();

    /// <inheritdoc/>
    protected override IEnumerable<KeyValuePair<string, object?>> ConfigEntries() =>
        [
            new("input_dim", InputDim),
            new("output_dim", OutputDim),
            new("mask_zero", MaskZero),
            new("embeddings_initializer", EmbeddingsInitializer.Name),
        ];

    /// <inheritdoc/>
    protected override void Build(TensorShape inputShape) =>
        _embeddings = AddWeight("embeddings", new Shape(InputDim, OutputDim), EmbeddingsInitializer);

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape) => new([.. inputShape, OutputDim]);

    /// <inheritdoc/>
    protected internal override (IReadOnlyList<Tensor> Outputs, Tensor? Mask) CallMasked(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?> masks, bool training)
    {
        var outputs = Call(inputs, training);
        if (!MaskZero) return (outputs, null);
        return (outputs, Backend.Current.NotEqualZero(inputs[0]));
    }

    /// <inheritdoc/>
    protected override Tensor Call(Tensor input, bool training)
    {
        if (input.DType != DType.Int32)
            throw Error($"expects int32 token ids; received {input.DType} {input.Shape}. Declare the input with Input(shape, DType.Int32).");
        CheckIds(input, inputName: null);
        return Backend.Current.TakeRowsUnchecked(_embeddings, input);
    }

    /// <summary>
    /// Refuses ids outside 0…<see cref="InputDim"/>-1, naming this layer, the input (when known),
    /// the sample, the id and the allowed range; <paramref name="inputName"/> reads like
    /// <c>input 'tokens'</c>. The check runs as ops, so only one scalar comes to the host; the ids
    /// are copied there to find the offending position only when there is one.
    /// </summary>
    internal void CheckIds(Tensor ids, string? inputName)
    {
        if (ids.Size == 0 || Ops.Min(Ops.InRange(ids, 0, InputDim)).Item() == 1) return;
        ThrowOutOfVocabulary(ids, inputName);
    }

    private void ThrowOutOfVocabulary(Tensor ids, string? inputName)
    {
        var data = ids.ToIntArray();
        int perSample = Math.Max(1, ids.Rank == 0 ? 1 : ids.Size / Math.Max(1, ids.Shape[0]));
        int i = 0;
        while ((uint)data[i] < (uint)InputDim) i++;
        string where = inputName is null ? "" : $" of {inputName}";
        throw Error($"id {data[i]} in sample {i / perSample}{where} (position {i % perSample} of its {perSample} ids) is outside the vocabulary: "
            + $"allowed ids are 0…{InputDim - 1} (inputDim {InputDim}). Raise inputDim or map unknown tokens to a reserved id.");
    }
}
