using System.Globalization;
using System.Text;
using Microsoft.ML.FunctionalDnn.Callbacks;

namespace Microsoft.ML.FunctionalDnn.Visualization;

/// <summary>
/// Training curves as a self-contained SVG: one panel per metric (<c>loss</c>,
/// <c>&lt;output&gt;_loss</c>, <c>&lt;output&gt;_accuracy</c> …), the training values solid and the
/// validation values (<c>val_</c> keys) dashed on the same axes, epochs counted from 1.
/// </summary>
internal static class HistoryPlot
{
    private const double PanelWidth = 340, PanelHeight = 244, Left = 58, Right = 14, Top = 44, Bottom = 40;
    private const string TrainColour = "#2874a6", ValidationColour = "#ca6f1e";

    internal static string ToSvg(History history, IReadOnlyCollection<string>? metrics)
    {
        var names = metrics?.ToList() ?? [.. history.Values.Keys.Where(k => !k.StartsWith("val_", StringComparison.Ordinal))
            .Concat(history.Values.Keys.Where(k => k.StartsWith("val_", StringComparison.Ordinal)).Select(k => k[4..])).Distinct()];
        foreach (var name in names)
            if (!history.Values.ContainsKey(name) && !history.Values.ContainsKey("val_" + name))
                throw new ArgumentException($"History has no '{name}' (nor 'val_{name}'). Keys: [{string.Join(", ", history.Values.Keys)}].", nameof(metrics));
        int columns = Math.Clamp(names.Count, 1, 3), rows = Math.Max(1, (names.Count + columns - 1) / columns);
        var svg = new SvgWriter();
        for (int p = 0; p < names.Count; p++)
            Panel(svg, history, names[p], p % columns * PanelWidth, p / columns * PanelHeight);
        const string css = """
            .axis { stroke: #7b7d7d; stroke-width: 1; }
            .grid { stroke: #e5e8e8; stroke-width: 1; }
            .title { font-weight: bold; }
            .tick { font-size: 10px; fill: #616a6b; }
            .train { fill: none; stroke-width: 2; }
            .validation { fill: none; stroke-width: 2; stroke-dasharray: 6 4; }
            """;
        return svg.Document(columns * PanelWidth, rows * PanelHeight, "training history", css);
    }

    private static void Panel(SvgWriter svg, History history, string name, double x0, double y0)
    {
        var series = new List<(string Label, string Class, string Colour, List<(double Epoch, double Value)> Points)>();
        foreach (var (key, label, cssClass, colour) in new[] { (name, "train", "train", TrainColour), ("val_" + name, "validation", "validation", ValidationColour) })
        {
            if (!history.Values.TryGetValue(key, out var values)) continue;
            int skip = history.Epochs.Count - values.Count;
            var points = values.Select((v, i) => (Epoch: (double)history.Epochs[Math.Max(0, skip) + i] + 1, Value: (double)v)).Where(p => double.IsFinite(p.Value)).ToList();
            series.Add((label, cssClass, colour, points));
        }
        double plotW = PanelWidth - Left - Right, plotH = PanelHeight - Top - Bottom;
        double px = x0 + Left, py = y0 + Top;
        svg.Text(px, y0 + 16, name, "title", "start");
        var all = series.SelectMany(s => s.Points).ToList();
        double xMin = all.Count > 0 ? all.Min(p => p.Epoch) : 1, xMax = all.Count > 0 ? all.Max(p => p.Epoch) : 1;
        if (xMax == xMin) { xMin -= 0.5; xMax += 0.5; }
        double yMin = all.Count > 0 ? all.Min(p => p.Value) : 0, yMax = all.Count > 0 ? all.Max(p => p.Value) : 1;
        var yTicks = Ticks(ref yMin, ref yMax);
        double X(double epoch) => px + (epoch - xMin) / (xMax - xMin) * plotW;
        double Y(double value) => py + plotH - (value - yMin) / (yMax - yMin) * plotH;
        foreach (double t in yTicks)
        {
            svg.Line(px, Y(t), px + plotW, Y(t), "grid");
            svg.Text(px - 6, Y(t) + 3, t.ToString("G4", CultureInfo.InvariantCulture), "tick", "end");
        }
        int step = Math.Max(1, (int)Math.Ceiling((xMax - xMin) / 8));
        for (double e = Math.Ceiling(xMin); e <= xMax; e += step) svg.Text(X(e), py + plotH + 14, e.ToString(CultureInfo.InvariantCulture), "tick");
        svg.Line(px, py + plotH, px + plotW, py + plotH, "axis");
        svg.Line(px, py, px, py + plotH, "axis");
        svg.Text(px + plotW / 2, py + plotH + 30, "epoch", "tick");
        for (int s = 0; s < series.Count; s++)
        {
            var (label, cssClass, colour, points) = series[s];
            if (points.Count > 0)
            {
                var d = new StringBuilder();
                for (int i = 0; i < points.Count; i++)
                    d.Append(CultureInfo.InvariantCulture, $"{(i == 0 ? "M" : " L")}{SvgWriter.Num(X(points[i].Epoch))},{SvgWriter.Num(Y(points[i].Value))}");
                svg.Path(d.ToString(), cssClass, colour);
                foreach (var (epoch, value) in points)
                    svg.Raw($"<circle cx=\"{SvgWriter.Num(X(epoch))}\" cy=\"{SvgWriter.Num(Y(value))}\" r=\"2.5\" fill=\"{colour}\"><title>{SvgWriter.Escape($"{label} {name}, epoch {epoch}: {value.ToString("G6", CultureInfo.InvariantCulture)}")}</title></circle>");
            }
            double lx = px + s * 90, ly = y0 + 31;
            svg.Raw($"<line x1=\"{SvgWriter.Num(lx)}\" y1=\"{SvgWriter.Num(ly)}\" x2=\"{SvgWriter.Num(lx + 22)}\" y2=\"{SvgWriter.Num(ly)}\" stroke=\"{colour}\" stroke-width=\"2\"{(cssClass == "validation" ? " stroke-dasharray=\"6 4\"" : "")}/>");
            svg.Text(lx + 27, ly + 4, label, "tick", "start");
        }
    }

    /// <summary>About five round tick values (steps of 1, 2 or 5 × 10ᵏ), widening the range to whole steps.</summary>
    private static List<double> Ticks(ref double min, ref double max)
    {
        bool nonNegative = min >= 0;
        if (max == min)
        {
            double pad = Math.Abs(min) * 0.1 + 1e-3;
            min -= pad;
            max += pad;
        }
        if (nonNegative) min = Math.Max(min, 0);
        double raw = (max - min) / 5, magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = new[] { 1.0, 2, 5, 10 }.Select(m => m * magnitude).First(s => s >= raw);
        min = Math.Floor(min / step) * step;
        max = Math.Ceiling(max / step) * step;
        var ticks = new List<double>();
        for (double t = min; t <= max + step / 2; t += step) ticks.Add(Math.Round(t / step) * step);
        return ticks;
    }
}
