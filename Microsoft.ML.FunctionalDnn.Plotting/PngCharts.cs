using Microsoft.ML.FunctionalDnn.Visualization;
using OxyPlot;
using SkiaSharp;

namespace Microsoft.ML.FunctionalDnn.Plotting;

/// <summary>
/// Rasterizes the library's charts to PNG with OxyPlot.SkiaSharp. Nothing to call: the core library finds
/// this type by name when a chart is written to a .png path and runs its initializer, which registers
/// <see cref="Render"/>.
/// </summary>
internal static class PngCharts
{
    private static readonly bool Registered = Register();

    private static bool Register()
    {
        ChartRenderers.Png = Render;
        return true;
    }

    /// <summary>Whether the rasterizer is registered (reading the field runs the initializer).</summary>
    internal static bool IsRegistered => Registered;

    /// <summary>The panels in the core's grid (rows of up to three), each <paramref name="panelWidth"/> × <paramref name="panelHeight"/> pixels, as PNG bytes.</summary>
    internal static byte[] Render(IReadOnlyList<PlotModel> panels, int panelWidth, int panelHeight)
    {
        var (columns, rows) = Charts.Grid(panels.Count);
        using var surface = SKSurface.Create(new SKImageInfo(columns * panelWidth, rows * panelHeight, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException($"SkiaSharp could not create a {columns * panelWidth} × {rows * panelHeight} surface.");
        surface.Canvas.Clear(SKColors.White);
        for (int i = 0; i < panels.Count; i++)
        {
            using var stream = new MemoryStream();
            new OxyPlot.SkiaSharp.PngExporter { Width = panelWidth, Height = panelHeight }.Export(panels[i], stream);
            stream.Position = 0;
            using var panel = SKBitmap.Decode(stream);
            surface.Canvas.DrawBitmap(panel, i % columns * panelWidth, i / columns * panelHeight);
        }
        using var image = surface.Snapshot();
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }
}
