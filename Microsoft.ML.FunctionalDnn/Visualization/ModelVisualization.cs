namespace Microsoft.ML.FunctionalDnn.Visualization;

/// <summary>Plotting as a function over a model, as Keras's <c>keras.utils.plot_model</c> (model_visualization.py).</summary>
internal static class ModelVisualization
{
    /// <summary>Lays out <paramref name="model"/>'s graph and writes it as SVG or DOT (see <see cref="Model.PlotModel"/>).</summary>
    internal static PlotFile PlotModel(Model model, string path, bool showShapes, bool showLayerNames, string rankDir, bool expandNested)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        model.RequireGraph();
        var plot = new ModelPlot(model, showShapes, showLayerNames, rankDir, expandNested);
        string text = Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".svg" => plot.ToSvg(),
            ".dot" or ".gv" => plot.ToDot(),
            var other => throw new ArgumentException($"PlotModel writes .svg, .dot or .gv files; received \"{path}\" ({(other.Length == 0 ? "no extension" : other)}).", nameof(path)),
        };
        return PlotFile.Write(path, text);
    }
}
