namespace Microsoft.ML.FunctionalDnn.Callbacks;

/// <summary>
/// Stops training when the monitored value stops improving (Keras's EarlyStopping): after
/// <paramref name="patience"/> epochs without an improvement of more than
/// <paramref name="minDelta"/>, optionally putting back the weights of the best epoch.
/// </summary>
public sealed class EarlyStopping(string monitor = "val_loss", float minDelta = 0, int patience = 0, MonitorMode mode = MonitorMode.Auto,
    float? baseline = null, bool restoreBestWeights = false, int startFromEpoch = 0) : Callback
{
    private readonly Monitor _monitor = new(monitor, mode, minDelta);
    private float[][]? _bestWeights;
    private int _wait;

    /// <summary>The best value seen.</summary>
    public float Best { get; private set; }

    /// <summary>The epoch of the best value.</summary>
    public int BestEpoch { get; private set; }

    /// <summary>The epoch training stopped at (0 if it ran to the end).</summary>
    public int StoppedEpoch { get; private set; }

    /// <inheritdoc/>
    public override void OnTrainBegin(IReadOnlyDictionary<string, float> logs)
    {
        _wait = 0;
        // Like Keras, the baseline does not seed the best value: it only decides whether an improvement resets the patience.
        Best = _monitor.Worst;
        BestEpoch = 0;
        StoppedEpoch = 0;
        _bestWeights = null;
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, float> logs)
    {
        if (epoch < startFromEpoch) return;
        float current = _monitor.Read(logs, nameof(EarlyStopping));
        if (restoreBestWeights && _bestWeights is null) _bestWeights = Model.GetWeights();
        _wait++;
        if (_monitor.Improves(current, Best))
        {
            Best = current;
            BestEpoch = epoch;
            if (restoreBestWeights) _bestWeights = Model.GetWeights();
            if (baseline is null || _monitor.Improves(current, baseline.Value)) _wait = 0;
            return;
        }
        if (_wait >= patience && epoch > 0)
        {
            StoppedEpoch = epoch;
            Model.StopTraining = true;
            if (restoreBestWeights && _bestWeights is not null) Model.SetWeights(_bestWeights);
        }
    }
}
