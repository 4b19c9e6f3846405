namespace Microsoft.ML.FunctionalDnn.Callbacks;

/// <summary>
/// Multiplies the learning rate by <paramref name="factor"/> when the monitored value has not
/// improved for <paramref name="patience"/> epochs (Keras's ReduceLROnPlateau), never below
/// <paramref name="minLr"/>, then waits <paramref name="cooldown"/> epochs before counting again.
/// </summary>
public sealed class ReduceLROnPlateau(string monitor = "val_loss", float factor = 0.1f, int patience = 10, MonitorMode mode = MonitorMode.Auto,
    float minDelta = 1e-4f, int cooldown = 0, float minLr = 0) : Callback
{
    private readonly Monitor _monitor = new(monitor, mode, minDelta);
    private readonly float _factor = factor < 1 ? factor : throw new ArgumentOutOfRangeException(nameof(factor), $"ReduceLROnPlateau needs a factor below 1; received {factor}.");
    private float _best;
    private int _wait, _cooldownLeft;

    /// <inheritdoc/>
    public override void OnTrainBegin(IReadOnlyDictionary<string, float> logs)
    {
        _best = _monitor.Worst;
        _wait = 0;
        _cooldownLeft = 0;
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, float> logs)
    {
        float current = _monitor.Read(logs, nameof(ReduceLROnPlateau));
        var optimizer = Model.Optimizer!;
        if (_cooldownLeft > 0) _cooldownLeft--;
        if (_monitor.Improves(current, _best))
        {
            _best = current;
            _wait = 0;
            return;
        }
        if (_cooldownLeft > 0) return;
        if (++_wait < patience) return;
        float old = optimizer.LearningRate;
        if (old > minLr)
        {
            optimizer.LearningRate = Math.Max(old * _factor, minLr);
            _cooldownLeft = cooldown;
            _wait = 0;
        }
    }
}
