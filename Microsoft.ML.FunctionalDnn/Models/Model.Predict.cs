using Microsoft.ML.FunctionalDnn.Callbacks;

namespace Microsoft.ML.FunctionalDnn;

/// <summary>Keras's <c>predict</c> forms on the model; each forwards to its <see cref="Trainer"/>.</summary>
public partial class Model
{
    /// <summary>
    /// Runs the model for inference (Keras's <c>predict</c>), <paramref name="batchSize"/> samples at
    /// a time: one tensor per input in <see cref="Inputs"/> order in, one tensor per output in
    /// <see cref="Outputs"/> order out (samples on the first axis).
    /// </summary>
    /// <param name="inputs">One tensor per input, in model order.</param>
    /// <param name="batchSize">Samples per forward pass.</param>
    /// <param name="callbacks">
    /// Callbacks that get Keras's predict hooks: <see cref="Callback.OnPredictBegin"/>, then per batch
    /// <see cref="Callback.OnPredictBatchBegin"/> and
    /// <see cref="Callback.OnPredictBatchEnd(int, IReadOnlyList{Tensor}, IReadOnlyDictionary{string, float})"/>
    /// with the batch's outputs, then <see cref="Callback.OnPredictEnd"/>.
    /// </param>
    public IReadOnlyList<Tensor> Predict(IReadOnlyList<Tensor> inputs, int batchSize = 32, IReadOnlyList<Callback>? callbacks = null) =>
        Trainer.Predict(inputs, batchSize, callbacks);

    /// <summary>Runs the model for inference with inputs given by name (see <see cref="Predict(IReadOnlyList{Tensor}, int, IReadOnlyList{Callback})"/>).</summary>
    /// <exception cref="ArgumentException">A name is unknown or an input is missing; the message lists the expected names.</exception>
    public IReadOnlyList<Tensor> Predict(IReadOnlyDictionary<string, Tensor> inputs, int batchSize = 32, IReadOnlyList<Callback>? callbacks = null) =>
        Trainer.Predict(inputs, batchSize, callbacks);

    /// <summary>Runs a single-input model for inference (see <see cref="Predict(IReadOnlyList{Tensor}, int, IReadOnlyList{Callback})"/>).</summary>
    public IReadOnlyList<Tensor> Predict(Tensor input, int batchSize = 32, IReadOnlyList<Callback>? callbacks = null) =>
        Trainer.Predict([input ?? throw new ArgumentNullException(nameof(input))], batchSize, callbacks);

    /// <summary>The model's outputs for one batch, in one pass (Keras's <c>predict_on_batch</c>).</summary>
    public IReadOnlyList<Tensor> PredictOnBatch(IReadOnlyList<Tensor> inputs) => Trainer.Predict(inputs, int.MaxValue, null);

    /// <summary>The outputs by output name (as Keras returns them for a model with named outputs).</summary>
    public IReadOnlyDictionary<string, Tensor> PredictByName(IReadOnlyList<Tensor> inputs, int batchSize = 32)
    {
        var outputs = Predict(inputs, batchSize);
        return OutputNames.Select((n, i) => (n, outputs[i])).ToDictionary(p => p.n, p => p.Item2);
    }
}
