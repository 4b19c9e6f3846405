namespace Microsoft.ML.FunctionalDnn;

/// <summary>
/// A drawing written to a file by <see cref="Model.PlotModel"/> or <see cref="Callbacks.History.Plot"/>:
/// its full path (what it converts to, and prints as) and its text. In a .NET Interactive notebook it
/// shows as the picture itself — the SVG inline, a Graphviz DOT file as its source — as Keras's
/// <c>plot_model</c> returns an image in Jupyter.
/// </summary>
[Visualization.TypeFormatterSource(typeof(Visualization.NotebookFormatterSource), PreferredMimeTypes = ["text/html"])]
public sealed class PlotFile
{
    internal PlotFile(string path, string text)
    {
        Path = path;
        Text = text;
    }

    /// <summary>The full path of the file written.</summary>
    public string Path { get; }

    /// <summary>What was written: an SVG document, or Graphviz DOT.</summary>
    public string Text { get; }

    /// <summary>Whether the file is SVG (otherwise DOT).</summary>
    public bool IsSvg => Path.EndsWith(".svg", StringComparison.OrdinalIgnoreCase);

    /// <summary>The full path, so that <c>string path = model.PlotModel()</c> keeps working.</summary>
    public static implicit operator string(PlotFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        return file.Path;
    }

    /// <summary>The full path.</summary>
    public override string ToString() => Path;
}
