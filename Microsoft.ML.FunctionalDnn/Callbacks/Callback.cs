namespace Microsoft.ML.FunctionalDnn;

/// <summary>
/// Hooks into Fit, Evaluate and Predict, as Keras's <c>keras.callbacks.Callback</c>. Logs carry
/// Keras's keys: <c>loss</c>, <c>&lt;output&gt;_loss</c>, metric names and their <c>val_</c> forms.
/// Set <see cref="Model.StopTraining"/> to end Fit after the current epoch.
/// </summary>
public abstract class Callback
{
    /// <summary>The model being trained, set before training begins.</summary>
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

    /// <summary>Before prediction.</summary>
    public virtual void OnPredictBegin(IReadOnlyDictionary<string, float> logs)
    {
    }

    /// <summary>After prediction.</summary>
    public virtual void OnPredictEnd(IReadOnlyDictionary<string, float> logs)
    {
    }

    /// <summary>Before prediction batch <paramref name="batch"/>.</summary>
    public virtual void OnPredictBatchBegin(int batch, IReadOnlyDictionary<string, float> logs)
    {
    }

    /// <summary>After prediction batch <paramref name="batch"/>.</summary>
    public virtual void OnPredictBatchEnd(int batch, IReadOnlyDictionary<string, float> logs)
    {
    }
}
