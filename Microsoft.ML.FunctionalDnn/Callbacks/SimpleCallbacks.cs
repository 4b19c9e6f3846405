using System.Globalization;

namespace Microsoft.ML.FunctionalDnn.Callbacks;

/// <summary>Sets the learning rate at the start of every epoch from <c>schedule(epoch, currentRate)</c> (Keras's LearningRateScheduler).</summary>
public sealed class LearningRateScheduler(Func<int, float, float> schedule) : Callback
{
    /// <inheritdoc/>
    public override void OnEpochBegin(int epoch, IReadOnlyDictionary<string, float> logs)
    {
        var optimizer = Model.Optimizer ?? throw new InvalidOperationException("LearningRateScheduler needs a compiled model.");
        optimizer.LearningRate = schedule(epoch, optimizer.LearningRate);
    }
}

/// <summary>Stops training at the first batch whose loss is NaN or infinite (Keras's TerminateOnNaN).</summary>
public sealed class TerminateOnNaN : Callback
{
    /// <summary>The batch at which training was stopped, or null.</summary>
    public int? StoppedAtBatch { get; private set; }

    /// <inheritdoc/>
    public override void OnTrainBegin(IReadOnlyDictionary<string, float> logs) => StoppedAtBatch = null;

    /// <inheritdoc/>
    public override void OnTrainBatchEnd(int batch, IReadOnlyDictionary<string, float> logs)
    {
        ArgumentNullException.ThrowIfNull(logs);
        if (logs.TryGetValue("loss", out float loss) && !float.IsFinite(loss))
        {
            StoppedAtBatch ??= batch;
            Model.StopTraining = true;
        }
    }
}

/// <summary>Writes one CSV row per epoch — the epoch, then every log value in key order (Keras's CsvLogger).</summary>
public sealed class CsvLogger(string filename, char separator = ',', bool append = false) : Callback, IDisposable
{
    private StreamWriter? _writer;
    private string[]? _keys;

    /// <inheritdoc/>
    public override void OnTrainBegin(IReadOnlyDictionary<string, float> logs)
    {
        bool exists = append && File.Exists(filename) && new FileInfo(filename).Length > 0;
        _writer = new StreamWriter(filename, append);
        _keys = null;
        if (exists) _keys = File.ReadLines(filename).First().Split(separator).Skip(1).ToArray();
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, float> logs)
    {
        ArgumentNullException.ThrowIfNull(logs);
        if (_writer is null) return;
        if (_keys is null)
        {
            _keys = [.. logs.Keys.Order(StringComparer.Ordinal)];
            _writer.WriteLine(string.Join(separator, ["epoch", .. _keys]));
        }
        var values = _keys.Select(k => logs.TryGetValue(k, out float v) ? v.ToString("R", CultureInfo.InvariantCulture) : "");
        _writer.WriteLine(string.Join(separator, [epoch.ToString(CultureInfo.InvariantCulture), .. values]));
        _writer.Flush();
    }

    /// <inheritdoc/>
    public override void OnTrainEnd(IReadOnlyDictionary<string, float> logs) => Dispose();

    /// <summary>Closes the file (also done when training ends).</summary>
    public void Dispose()
    {
        _writer?.Dispose();
        _writer = null;
    }
}

/// <summary>A callback from delegates, for quick hooks (Keras's LambdaCallback).</summary>
public sealed class LambdaCallback(
    Action<int, IReadOnlyDictionary<string, float>>? onEpochBegin = null,
    Action<int, IReadOnlyDictionary<string, float>>? onEpochEnd = null,
    Action<int, IReadOnlyDictionary<string, float>>? onBatchBegin = null,
    Action<int, IReadOnlyDictionary<string, float>>? onBatchEnd = null,
    Action<IReadOnlyDictionary<string, float>>? onTrainBegin = null,
    Action<IReadOnlyDictionary<string, float>>? onTrainEnd = null) : Callback
{
    /// <inheritdoc/>
    public override void OnEpochBegin(int epoch, IReadOnlyDictionary<string, float> logs) => onEpochBegin?.Invoke(epoch, logs);

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, float> logs) => onEpochEnd?.Invoke(epoch, logs);

    /// <inheritdoc/>
    public override void OnTrainBatchBegin(int batch, IReadOnlyDictionary<string, float> logs) => onBatchBegin?.Invoke(batch, logs);

    /// <inheritdoc/>
    public override void OnTrainBatchEnd(int batch, IReadOnlyDictionary<string, float> logs) => onBatchEnd?.Invoke(batch, logs);

    /// <inheritdoc/>
    public override void OnTrainBegin(IReadOnlyDictionary<string, float> logs) => onTrainBegin?.Invoke(logs);

    /// <inheritdoc/>
    public override void OnTrainEnd(IReadOnlyDictionary<string, float> logs) => onTrainEnd?.Invoke(logs);
}
