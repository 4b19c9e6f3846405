using System.Globalization;
using System.Text.RegularExpressions;

namespace Microsoft.ML.FunctionalDnn.Callbacks;

/// <summary>
/// Saves the model (or only its weights, as safetensors) at the end of epochs (Keras's
/// ModelCheckpoint). The path may hold Keras-style placeholders: <c>{epoch:02d}</c> (counted from
/// 1) and any log value such as <c>{val_loss:.4f}</c>. With <paramref name="saveBestOnly"/>, a file
/// is written only when the monitored value improves.
/// </summary>
public sealed partial class ModelCheckpoint(string filepath, string monitor = "val_loss", bool saveBestOnly = false, bool saveWeightsOnly = false,
    MonitorMode mode = MonitorMode.Auto) : Callback
{
    private readonly Monitor _monitor = new(monitor, mode, 0);
    private float _best;

    /// <summary>The files written, in order.</summary>
    public List<string> Saved { get; } = [];

    /// <inheritdoc/>
    public override void OnTrainBegin(IReadOnlyDictionary<string, float> logs) => _best = _monitor.Worst;

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, float> logs)
    {
        ArgumentNullException.ThrowIfNull(logs);
        if (saveBestOnly)
        {
            float current = _monitor.Read(logs, nameof(ModelCheckpoint));
            if (!_monitor.Improves(current, _best)) return;
            _best = current;
        }
        string path = Format(filepath, epoch, logs);
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        if (saveWeightsOnly) Model.SaveWeights(path);
        else Model.Save(path);
        Saved.Add(path);
    }

    /// <summary>Fills <c>{epoch:02d}</c> and <c>{key:.Nf}</c> placeholders.</summary>
    internal static string Format(string template, int epoch, IReadOnlyDictionary<string, float> logs) =>
        Placeholder().Replace(template, m =>
        {
            string key = m.Groups["key"].Value, format = m.Groups["format"].Value;
            double value = key == "epoch" ? epoch + 1
                : logs.TryGetValue(key, out float v) ? v
                : throw new InvalidOperationException($"ModelCheckpoint: the path template uses {{{key}}}, which is not in the logs. Available: epoch, {string.Join(", ", logs.Keys)}.");
            return format switch
            {
                "" => key == "epoch" ? ((int)value).ToString(CultureInfo.InvariantCulture) : value.ToString(CultureInfo.InvariantCulture),
                _ when format.EndsWith('d') => ((int)value).ToString("D" + format.TrimEnd('d').TrimStart('0').PadLeft(1, '0'), CultureInfo.InvariantCulture),
                _ when format.StartsWith('.') && format.EndsWith('f') => value.ToString("F" + format[1..^1], CultureInfo.InvariantCulture),
                _ => throw new InvalidOperationException($"ModelCheckpoint: unsupported format '{format}' in {{{key}:{format}}}; use 02d or .4f style."),
            };
        });

    [GeneratedRegex(@"\{(?<key>[A-Za-z_][A-Za-z0-9_]*)(?::(?<format>[^}]*))?\}")]
    private static partial Regex Placeholder();
}
