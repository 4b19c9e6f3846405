using Microsoft.ML.FunctionalDnn.Visualization;

namespace Microsoft.ML.FunctionalDnn;

/// <summary>Drawing the model; the call forwards to <see cref="ModelVisualization"/> (Visualization/), Keras's <c>plot_model</c>.</summary>
public partial class Model
{
    /// <summary>
    /// Draws the model's layer graph (Keras's <c>plot_model</c>) to <paramref name="path"/>: a
    /// self-contained SVG (laid out here, no Graphviz needed) for <c>.svg</c>, Graphviz DOT for
    /// <c>.dot</c> or <c>.gv</c>. Each layer is a box with its name and class (and shapes); a shared
    /// layer is drawn once with an edge per call; nested models are one box, or clusters of their
    /// own layers with <paramref name="expandNested"/>.
    /// </summary>
    /// <param name="path">The file to write; its extension picks the format.</param>
    /// <param name="showShapes">Show each layer's input and output shapes.</param>
    /// <param name="showLayerNames">Show layer names beside their classes.</param>
    /// <param name="rankDir"><c>"TB"</c> (top to bottom) or <c>"LR"</c> (left to right).</param>
    /// <param name="expandNested">Draw nested models' layers inside a cluster.</param>
    /// <returns>The file written: its full path (it converts to the path string), and in a notebook the picture.</returns>
    /// <exception cref="ArgumentException">An unknown extension or <paramref name="rankDir"/>.</exception>
    public PlotFile PlotModel(string path = "model.svg", bool showShapes = false, bool showLayerNames = true, string rankDir = "TB", bool expandNested = false) =>
        ModelVisualization.PlotModel(this, path, showShapes, showLayerNames, rankDir, expandNested);
}
