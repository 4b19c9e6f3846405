using System.Globalization;
using System.Text;
using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Series;

namespace Microsoft.ML.FunctionalDnn.Visualization;

/// <summary>
/// The library's charts (training curves, a tuner's search) are OxyPlot models: OxyPlot.Core is managed
/// code with an SVG exporter, so the core library draws them without a native dependency. This file holds
/// their shared style, lays several panels out in a grid, and writes them: SVG here, PNG through the
/// Microsoft.ML.FunctionalDnn.Plotting package (OxyPlot.SkiaSharp), which the core does not reference.
/// </summary>
internal static class Charts
{
    internal static readonly OxyColor Training = OxyColor.Parse("#2874a6");
    internal static readonly OxyColor Validation = OxyColor.Parse("#ca6f1e");
    internal static readonly OxyColor Best = OxyColor.Parse("#1e8449");
    private static readonly OxyColor GridLine = OxyColor.Parse("#e5e8e8");

    /// <summary>The font every chart names: present, or substituted by a sans-serif face, wherever SVG is shown.</summary>
    internal const string Font = "Arial";

    /// <summary>One panel: a title, a bottom and a left axis with light grid lines, and its series added by the caller.</summary>
    internal static PlotModel Panel(string title, string xTitle, string? yTitle, bool wholeNumbersOnX)
    {
        var panel = new PlotModel
        {
            Title = title,
            TitleFontSize = 14,
            TitleFontWeight = FontWeights.Normal,
            DefaultFont = Font,
            DefaultFontSize = 11,
            Background = OxyColors.White,
            PlotAreaBorderColor = OxyColor.Parse("#7b7d7d"),
            PlotAreaBorderThickness = new OxyThickness(0, 0, 0, 0),
        };
        var x = Axis(new LinearAxis(), AxisPosition.Bottom, xTitle);
        if (wholeNumbersOnX)
        {
            x.MinimumMajorStep = 1;
            x.MinimumMinorStep = 1;
            x.StringFormat = "0";
        }
        panel.Axes.Add(x);
        panel.Axes.Add(Axis(new LinearAxis(), AxisPosition.Left, yTitle));
        return panel;
    }

    /// <summary>An axis in the charts' style: light grid lines, and room at both ends so no dot sits on the frame.</summary>
    internal static T Axis<T>(T axis, AxisPosition position, string? title) where T : Axis
    {
        axis.Position = position;
        axis.Title = title;
        axis.MajorGridlineStyle = LineStyle.Solid;
        axis.MajorGridlineColor = GridLine;
        axis.MinimumPadding = axis.MaximumPadding = 0.04;
        return axis;
    }

    /// <summary>A line through points with a dot at each.</summary>
    internal static LineSeries Line(string title, OxyColor colour, LineStyle style, IEnumerable<DataPoint> points)
    {
        var line = new LineSeries { Title = title, Color = colour, LineStyle = style, StrokeThickness = 2, MarkerType = MarkerType.Circle, MarkerSize = 2.5, MarkerFill = colour };
        line.Points.AddRange(points);
        return line;
    }

    /// <summary>Dots without a line.</summary>
    internal static ScatterSeries Dots(string? title, OxyColor colour, double size, IEnumerable<ScatterPoint> points, MarkerType marker = MarkerType.Circle)
    {
        var dots = new ScatterSeries { Title = title, MarkerType = marker, MarkerSize = size, MarkerFill = marker == MarkerType.Circle ? colour : OxyColors.Undefined, MarkerStroke = colour, MarkerStrokeThickness = 2 };
        dots.Points.AddRange(points);
        return dots;
    }

    /// <summary>Shows the panel's legend in one row under the plot, where it hides no data.</summary>
    internal static void Legend(PlotModel panel) =>
        panel.Legends.Add(new OxyPlot.Legends.Legend
        {
            LegendPlacement = OxyPlot.Legends.LegendPlacement.Outside,
            LegendPosition = OxyPlot.Legends.LegendPosition.BottomCenter,
            LegendOrientation = OxyPlot.Legends.LegendOrientation.Horizontal,
            LegendFontSize = 11,
            LegendPadding = 2,
        });

    /// <summary>Panels in rows of up to three.</summary>
    internal static (int Columns, int Rows) Grid(int panels)
    {
        int columns = Math.Clamp(panels, 1, 3);
        return (columns, Math.Max(1, (panels + columns - 1) / columns));
    }

    /// <summary>Checks a chart's size arguments.</summary>
    internal static void CheckSize(int panelWidth, int panelHeight, string widthName = "panelWidth", string heightName = "panelHeight")
    {
        if (panelWidth < 100 || panelHeight < 80)
            throw new ArgumentOutOfRangeException(panelWidth < 100 ? widthName : heightName, $"A chart panel needs at least 100 × 80 pixels; got {panelWidth} × {panelHeight}.");
    }

    /// <summary>
    /// The panels as one SVG document: each panel's own SVG placed in the grid, its clip-path ids made
    /// unique (OxyPlot numbers them from 1 in every export, and a notebook page holds many charts).
    /// </summary>
    internal static string Svg(IReadOnlyList<PlotModel> panels, int panelWidth, int panelHeight)
    {
        var (columns, rows) = Grid(panels.Count);
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{columns * panelWidth}\" height=\"{rows * panelHeight}\" viewBox=\"0 0 {columns * panelWidth} {rows * panelHeight}\">\n");
        for (int i = 0; i < panels.Count; i++)
        {
            string panel = new SvgExporter { Width = panelWidth, Height = panelHeight, IsDocument = false, TextMeasurer = new SvgTextMeasurer() }.ExportToString(panels[i]);
            string prefix = "fdnn" + System.IO.Hashing.XxHash3.HashToUInt64(Encoding.UTF8.GetBytes(panel)).ToString("x16", CultureInfo.InvariantCulture) + "_";
            panel = panel.Replace("id=\"clipPath", "id=\"" + prefix + "clipPath", StringComparison.Ordinal).Replace("url(#clipPath", "url(#" + prefix + "clipPath", StringComparison.Ordinal);
            int start = panel.IndexOf("<svg", StringComparison.Ordinal);
            svg.Append(CultureInfo.InvariantCulture, $"<svg x=\"{i % columns * panelWidth}\" y=\"{i / columns * panelHeight}\"").Append(panel, start + 4, panel.Length - start - 4).Append('\n');
        }
        return svg.Append("</svg>\n").ToString();
    }

    /// <summary>
    /// Writes the panels as SVG or PNG, chosen by <paramref name="path"/>'s extension; PNG needs the
    /// Plotting package (the rasterizer), and says so when it is missing.
    /// </summary>
    internal static PlotFile Write(string path, IReadOnlyList<PlotModel> panels, int panelWidth, int panelHeight)
    {
        string extension = System.IO.Path.GetExtension(path).ToLowerInvariant();
        switch (extension)
        {
            case ".svg":
                return PlotFile.Write(path, Svg(panels, panelWidth, panelHeight));
            case ".png":
                if (!ChartRenderers.TryLoadPlotting())
                    throw new InvalidOperationException($"Writing '{path}' as PNG needs the Microsoft.ML.FunctionalDnn.Plotting package (it rasterizes charts with SkiaSharp, a native library the core does not carry); reference it, or write an .svg file.");
                return PlotFile.Write(path, ChartRenderers.Png!(panels, panelWidth, panelHeight));
            default:
                throw new ArgumentException($"Charts are written as .svg (or .png with the Microsoft.ML.FunctionalDnn.Plotting package); '{path}' ends with '{extension}'.", nameof(path));
        }
    }

    /// <summary>
    /// OxyPlot's SVG text measurer (its PDF context, Helvetica's metrics) measures in points; the SVG is
    /// drawn in pixels, so legends and margins came out 3/4 of the text's width and cut it. Scaled here.
    /// </summary>
    private sealed class SvgTextMeasurer() : PdfRenderContext(100, 100, OxyColors.White)
    {
        public override OxySize MeasureText(string text, string fontFamily, double fontSize, double fontWeight)
        {
            var size = base.MeasureText(text, fontFamily, fontSize, fontWeight);
            return new OxySize(size.Width * 96 / 72, size.Height * 96 / 72);
        }
    }
}
