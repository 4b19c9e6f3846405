namespace Microsoft.ML.FunctionalDnn;

/// <summary>
/// A drawing written to a file — the model graph by <see cref="Model.PlotModel"/>, and the charts of the
/// Microsoft.ML.FunctionalDnn.Plotting package (training curves, a tuner's trials): its full path (what it
/// converts to, and prints as) and its content. In a .NET Interactive notebook it shows as the picture
/// itself — SVG inline, PNG as an image, a Graphviz DOT file as its source — as Keras's
/// <c>plot_model</c> returns an image in Jupyter.
/// </summary>
[Visualization.TypeFormatterSource(typeof(Visualization.NotebookFormatterSource), PreferredMimeTypes = ["text/html"])]
public sealed class PlotFile
{
    private readonly byte[]? _png;

    internal PlotFile(string path, string text)
    {
        Path = path;
        Text = text;
    }

    internal PlotFile(string path, byte[] png)
    {
        Path = path;
        Text = "";
        _png = png;
    }

    /// <summary>The full path of the file written.</summary>
    public string Path { get; }

    /// <summary>What was written when it is text: an SVG document or Graphviz DOT (empty for a PNG).</summary>
    public string Text { get; }

    /// <summary>Whether the file is SVG.</summary>
    public bool IsSvg => Path.EndsWith(".svg", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether the file is a PNG image.</summary>
    public bool IsPng => _png is not null;

    /// <summary>A copy of the PNG image's bytes (empty when the file is text).</summary>
    public byte[] GetPngBytes() => _png is null ? [] : (byte[])_png.Clone();

    /// <summary>Writes <paramref name="text"/> (SVG or DOT) to <paramref name="path"/>, creating its directory.</summary>
    internal static PlotFile Write(string path, string text) => new(Visualization.SvgWriter.WriteFile(path, text), text);

    /// <summary>Writes a PNG image to <paramref name="path"/>, creating its directory.</summary>
    internal static PlotFile Write(string path, byte[] png) => new(Visualization.SvgWriter.WriteFile(path, png), png);

    /// <summary>The full path, so that <c>string path = model.PlotModel()</c> keeps working.</summary>
    public static implicit operator string(PlotFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        return file.Path;
    }

    /// <summary>The full path.</summary>
    public override string ToString() => Path;
}
