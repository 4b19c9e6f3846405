namespace Microsoft.ML.FunctionalDnn.Callbacks;

/// <summary>Whether a monitored value should go down or up; Auto decides from its name as Keras does.</summary>
public enum MonitorMode
{
    /// <summary>Max for accuracy-like names (acc, auc, precision, recall), min otherwise.</summary>
    Auto,

    /// <summary>Lower is better.</summary>
    Min,

    /// <summary>Higher is better.</summary>
    Max,
}

/// <summary>Reads a monitored log value and decides what counts as an improvement (shared by EarlyStopping, ReduceLROnPlateau, ModelCheckpoint).</summary>
internal sealed class Monitor(string key, MonitorMode mode, float minDelta)
{
    internal string Key { get; } = key;

    internal bool Maximize { get; } = mode == MonitorMode.Max || (mode == MonitorMode.Auto &&
        (key.Contains("acc", StringComparison.Ordinal) || key.EndsWith("auc", StringComparison.Ordinal) || key.EndsWith("precision", StringComparison.Ordinal) || key.EndsWith("recall", StringComparison.Ordinal)));

    /// <summary>The worst possible value, to start from.</summary>
    internal float Worst => Maximize ? float.NegativeInfinity : float.PositiveInfinity;

    /// <summary>True when <paramref name="current"/> beats <paramref name="reference"/> by more than the minimum delta.</summary>
    internal bool Improves(float current, float reference) =>
        Maximize ? current - Math.Abs(minDelta) > reference : current + Math.Abs(minDelta) < reference;

    /// <exception cref="InvalidOperationException">The key is not in the logs; the message lists the keys that are.</exception>
    internal float Read(IReadOnlyDictionary<string, float> logs, string callback) =>
        logs.TryGetValue(Key, out float v) ? v
        : throw new InvalidOperationException($"{callback} monitors '{Key}', which is not in the logs. Available: [{string.Join(", ", logs.Keys)}]. (val_ keys need validation data or validationSplit.)");
}
