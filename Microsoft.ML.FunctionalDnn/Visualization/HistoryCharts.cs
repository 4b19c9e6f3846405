using OxyPlot;
using Microsoft.ML.FunctionalDnn.Callbacks;

namespace Microsoft.ML.FunctionalDnn.Visualization;

/// <summary>
/// A History's training curves as chart panels: one per metric (<c>loss</c>, <c>&lt;output&gt;_loss</c>,
/// <c>&lt;output&gt;_accuracy</c> …), the training values solid and the validation values (<c>val_</c>
/// keys) dashed on the same axes, epochs counted from 1.
/// </summary>
internal static class HistoryCharts
{
    /// <summary>The metrics drawn: every key without <c>val_</c>, then those logged for validation only.</summary>
    internal static IReadOnlyList<string> Metrics(History history, IReadOnlyCollection<string>? metrics)
    {
        var keys = history.Values.Keys;
        var names = metrics?.ToList() ?? [.. keys.Where(k => !k.StartsWith("val_", StringComparison.Ordinal))
            .Concat(keys.Where(k => k.StartsWith("val_", StringComparison.Ordinal)).Select(k => k[4..])).Distinct()];
        foreach (var name in names)
            if (!history.Values.ContainsKey(name) && !history.Values.ContainsKey("val_" + name))
                throw new ArgumentException($"History has no '{name}' (nor 'val_{name}'). Keys: [{string.Join(", ", keys)}].", nameof(metrics));
        return names;
    }

    internal static IReadOnlyList<PlotModel> Panels(History history, IReadOnlyCollection<string>? metrics)
    {
        if (history.Epochs.Count == 0)
            throw new InvalidOperationException("The History has no epoch yet: plot it after Fit has run at least one epoch.");
        return [.. Metrics(history, metrics).Select(name => Panel(history, name))];
    }

    private static PlotModel Panel(History history, string name)
    {
        var panel = Charts.Panel(name, "epoch", null, wholeNumbersOnX: true);
        var epochs = history.Epochs;
        bool both = history.Values.ContainsKey(name) && history.Values.ContainsKey("val_" + name);
        // A key first logged in a later Fit (or validated on some epochs only) covers the last epochs.
        IEnumerable<DataPoint> Points(List<float> values) =>
            values.Select((v, i) => new DataPoint(epochs[epochs.Count - values.Count + i] + 1, v));
        if (history.Values.TryGetValue(name, out var training))
            panel.Series.Add(Charts.Line("training", Charts.Training, LineStyle.Solid, Points(training)));
        if (history.Values.TryGetValue("val_" + name, out var validation))
            panel.Series.Add(Charts.Line("validation", Charts.Validation, LineStyle.Dash, Points(validation)));
        if (both) Charts.Legend(panel);
        return panel;
    }
}
