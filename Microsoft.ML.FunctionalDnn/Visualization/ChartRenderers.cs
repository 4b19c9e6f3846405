using System.Runtime.CompilerServices;
using OxyPlot;

namespace Microsoft.ML.FunctionalDnn.Visualization;

/// <summary>
/// Where the charts find the PNG rasterizer of the Microsoft.ML.FunctionalDnn.Plotting package, which the
/// core library does not reference (it draws through SkiaSharp's native library; the engine needs none).
/// That package fills it in from its PngCharts type initializer; <see cref="TryLoadPlotting"/> runs it when
/// the application references the package (its assembly then resolves by name), so
/// <c>history.Plot("history.png")</c> works without the user calling into the package.
/// </summary>
internal static class ChartRenderers
{
    private const string PlottingType = "Microsoft.ML.FunctionalDnn.Plotting.PngCharts, Microsoft.ML.FunctionalDnn.Plotting";

    /// <summary>Panels (in the grid of <see cref="Charts.Grid"/>, each width × height pixels) as PNG bytes; set by the Plotting package.</summary>
    internal static Func<IReadOnlyList<PlotModel>, int, int, byte[]>? Png { get; set; }

    /// <summary>Whether the PNG rasterizer is available, loading the Plotting package if it resolves.</summary>
    internal static bool TryLoadPlotting()
    {
        if (Png is not null) return true;
        Type? type;
        try
        {
            type = Type.GetType(PlottingType, throwOnError: false);
        }
        catch (IOException)
        {
            return false; // present but unloadable (a version conflict): as if absent, and the message says what to reference
        }
        catch (BadImageFormatException)
        {
            return false;
        }
        if (type is null) return false;
        RuntimeHelpers.RunClassConstructor(type.TypeHandle);
        return Png is not null;
    }
}
