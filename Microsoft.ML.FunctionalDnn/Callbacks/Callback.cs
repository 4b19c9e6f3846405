namespace Microsoft.ML.FunctionalDnn.Callbacks;

/// <summary>
/// Hooks into Fit, Evaluate and Predict, as Keras's <c>keras.callbacks.Callback</c>. Logs carry
/// Keras's keys: <c>loss</c>, <c>&lt;output&gt;_loss</c>, metric names and their <c>val_</c> forms.
/// Set <see cref="Model.StopTraining"/> to end Fit after the current batch.
/// </summary>
public abstract class Callback
{
    /// <summary>The model being trained, evaluated or run, set before the first hook of the call.</summary>
    public Model Model { get; internal set; } = null!;

    /// <summary>Fit's parameters (Keras's <c>callback.params</c>), set before training begins.</summary>
    public TrainingParams? Params { get; internal set; }

    /// <summary>Before the first epoch.</summary>
    public virtual void OnTrainBegin(IReadOnlyDictionary<string, float> logs)
    {
    }

    /// <summary>After the last epoch; logs are the last epoch's.</summary>
    public virtual void OnTrainEnd(IReadOnlyDictionary<string, float> logs)
    {
    }

    /// <summary>Before epoch <paramref name="epoch"/> (counted from 0).</summary>
    public virtual void OnEpochBegin(int epoch, IReadOnlyDictionary<string, float> logs)
    {
    }

    /// <summary>After epoch <paramref name="epoch"/>, with its training and validation results.</summary>
    public virtual void OnEpochEnd(int epoch, IReadOnlyDictionary<string, float> logs)
    {
    }

    /// <summary>Before training batch <paramref name="batch"/> of the epoch.</summary>
    public virtual void OnTrainBatchBegin(int batch, IReadOnlyDictionary<string, float> logs)
    {
    }

    /// <summary>After training batch <paramref name="batch"/>, with the running averages of the epoch so far.</summary>
    public virtual void OnTrainBatchEnd(int batch, IReadOnlyDictionary<string, float> logs)
    {
    }

    /// <summary>Before evaluation (also the validation at the end of each epoch).</summary>
    public virtual void OnTestBegin(IReadOnlyDictionary<string, float> logs)
    {
    }

    /// <summary>After evaluation, with its results.</summary>
    public virtual void OnTestEnd(IReadOnlyDictionary<string, float> logs)
    {
    }

    /// <summary>Before evaluation batch <paramref name="batch"/>.</summary>
    public virtual void OnTestBatchBegin(int batch, IReadOnlyDictionary<string, float> logs)
    {
    }

    /// <summary>After evaluation batch <paramref name="batch"/>.</summary>
    public virtual void OnTestBatchEnd(int batch, IReadOnlyDictionary<string, float> logs)
    {
    }

    /// <summary>Before prediction (a Predict given this callback); the logs are empty.</summary>
    public virtual void OnPredictBegin(IReadOnlyDictionary<string, float> logs)
    {
    }

    /// <summary>After prediction; the logs are empty.</summary>
    public virtual void OnPredictEnd(IReadOnlyDictionary<string, float> logs)
    {
    }

    /// <summary>Before prediction batch <paramref name="batch"/>; the logs are empty.</summary>
    public virtual void OnPredictBatchBegin(int batch, IReadOnlyDictionary<string, float> logs)
    {
    }

    /// <summary>
    /// After prediction batch <paramref name="batch"/>, when the batch's outputs are not needed. Predict
    /// calls <see cref="OnPredictBatchEnd(int, IReadOnlyList{Tensor}, IReadOnlyDictionary{string, float})"/>,
    /// whose default calls this one.
    /// </summary>
    public virtual void OnPredictBatchEnd(int batch, IReadOnlyDictionary<string, float> logs)
    {
    }

    /// <summary>
    /// After prediction batch <paramref name="batch"/>, with its <paramref name="outputs"/>, one tensor
    /// per model output (the batch's rows only). Keras passes them as <c>logs["outputs"]</c>; logs here
    /// hold numbers, so the outputs come as their own argument and <paramref name="logs"/> is empty.
    /// The tensors live in the batch's <see cref="TensorScope"/>: read them (<see cref="Tensor.ToArray"/>)
    /// or <see cref="Tensor.Clone"/> them to keep them past the call. The default calls
    /// <see cref="OnPredictBatchEnd(int, IReadOnlyDictionary{string, float})"/>.
    /// </summary>
    public virtual void OnPredictBatchEnd(int batch, IReadOnlyList<Tensor> outputs, IReadOnlyDictionary<string, float> logs) =>
        OnPredictBatchEnd(batch, logs);
}
