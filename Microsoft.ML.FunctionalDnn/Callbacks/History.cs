using Microsoft.ML.FunctionalDnn.Visualization;

namespace Microsoft.ML.FunctionalDnn.Callbacks;

/// <summary>What Fit returns (Keras's History): per epoch, every log value under Keras's key names; in a notebook, its curves.</summary>
[TypeFormatterSource(typeof(NotebookFormatterSource), PreferredMimeTypes = ["text/html"])]
public sealed class History : Callback
{
    private readonly Dictionary<string, List<float>> _values = [];
    private readonly List<int> _epochs = [];

    /// <summary>The epochs recorded (counted from 0; later Fits continue the count with initialEpoch).</summary>
    public IReadOnlyList<int> Epochs => _epochs;

    /// <summary>Every key with its value per epoch: <c>loss</c>, <c>val_loss</c>, <c>income_acc</c> ….</summary>
    public IReadOnlyDictionary<string, List<float>> Values => _values;

    /// <summary>The values of one key per epoch.</summary>
    /// <exception cref="KeyNotFoundException">The key was never logged; the message lists the keys that were.</exception>
    public IReadOnlyList<float> this[string key] =>
        _values.TryGetValue(key, out var v) ? v : throw new KeyNotFoundException($"History has no '{key}'. Keys: [{string.Join(", ", _values.Keys)}].");

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, float> logs)
    {
        ArgumentNullException.ThrowIfNull(logs);
        _epochs.Add(epoch);
        foreach (var (key, value) in logs)
        {
            if (!_values.TryGetValue(key, out var list)) _values[key] = list = [];
            list.Add(value);
        }
    }

    /// <summary>
    /// Writes the training curves (drawn with OxyPlot): one panel per metric, training solid and validation
    /// dashed on the same axes — what Keras users draw with matplotlib from <c>history.history</c>.
    /// </summary>
    /// <param name="path">The file to write: <c>.svg</c>, or <c>.png</c> with the Microsoft.ML.FunctionalDnn.Plotting package referenced.</param>
    /// <param name="metrics">The metrics to draw (without <c>val_</c>); null draws every one logged.</param>
    /// <param name="panelWidth">The width of one panel in pixels (panels go in rows of up to three).</param>
    /// <param name="panelHeight">The height of one panel in pixels.</param>
    /// <returns>The file written: its full path (it converts to the path string), and in a notebook the picture.</returns>
    /// <exception cref="ArgumentException">A metric that was never logged (the message lists the keys), or a path that is not .svg or .png.</exception>
    /// <exception cref="InvalidOperationException">No epoch was recorded, or PNG without the Plotting package.</exception>
    public PlotFile Plot(string path = "history.svg", IReadOnlyCollection<string>? metrics = null, int panelWidth = 400, int panelHeight = 300)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Charts.CheckSize(panelWidth, panelHeight);
        return Charts.Write(path, HistoryCharts.Panels(this, metrics), panelWidth, panelHeight);
    }

    /// <summary>The training curves as an SVG document (see <see cref="Plot"/>).</summary>
    public string ToSvg(IReadOnlyCollection<string>? metrics = null, int panelWidth = 400, int panelHeight = 300)
    {
        Charts.CheckSize(panelWidth, panelHeight);
        return Charts.Svg(HistoryCharts.Panels(this, metrics), panelWidth, panelHeight);
    }
}
