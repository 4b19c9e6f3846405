using System.Globalization;
using System.Text;

namespace Microsoft.ML.FunctionalDnn.Visualization;

/// <summary>A minimal builder of self-contained SVG documents (no external fonts, styles or scripts).</summary>
internal sealed class SvgWriter
{
    /// <summary>Average advance of a character of the monospace font at 12 px, for sizing boxes around text.</summary>
    internal const double CharWidth = 7.3;

    internal const double LineHeight = 16;

    private readonly StringBuilder _body = new();

    /// <summary>Writes a drawing to <paramref name="path"/>, creating its directory; returns the full path.</summary>
    internal static string WriteFile(string path, string text) => WriteFile(path, System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>
    /// Writes a drawing's bytes to <paramref name="path"/>, creating its directory; returns the full path.
    /// Written beside the file and moved over it, so a failure leaves any earlier drawing whole.
    /// </summary>
    internal static string WriteFile(string path, byte[] bytes)
    {
        string full = System.IO.Path.GetFullPath(path);
        string? directory = System.IO.Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        string temporary = full + "." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + ".tmp";
        try
        {
            File.WriteAllBytes(temporary, bytes);
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
        return full;
    }

    internal static string Num(double v) => Math.Round(v, 2).ToString("0.##", CultureInfo.InvariantCulture);

    internal static string Escape(string text) => System.Security.SecurityElement.Escape(text) ?? "";

    internal static double TextWidth(string text) => text.Length * CharWidth;

    internal void Rect(double x, double y, double w, double h, string cssClass, string? fill = null, string? title = null)
    {
        _body.Append(CultureInfo.InvariantCulture, $"<rect class=\"{cssClass}\" x=\"{Num(x)}\" y=\"{Num(y)}\" width=\"{Num(w)}\" height=\"{Num(h)}\" rx=\"4\"");
        if (fill is not null) _body.Append(CultureInfo.InvariantCulture, $" fill=\"{fill}\"");
        if (title is null) _body.Append("/>\n");
        else _body.Append(CultureInfo.InvariantCulture, $"><title>{Escape(title)}</title></rect>\n");
    }

    internal void Text(double x, double y, string text, string cssClass = "", string anchor = "middle") =>
        _body.Append(CultureInfo.InvariantCulture, $"<text class=\"{cssClass}\" x=\"{Num(x)}\" y=\"{Num(y)}\" text-anchor=\"{anchor}\">{Escape(text)}</text>\n");

    internal void Path(string d, string cssClass, string? stroke = null)
    {
        _body.Append(CultureInfo.InvariantCulture, $"<path class=\"{cssClass}\" d=\"{d}\"");
        if (stroke is not null) _body.Append(CultureInfo.InvariantCulture, $" stroke=\"{stroke}\"");
        _body.Append("/>\n");
    }

    /// <summary>The document: an XML declaration, the svg element sized to the drawing, a style sheet and the body.</summary>
    internal string Document(double width, double height, string title, string css, string defs = "") =>
        $"""
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="{Num(width)}" height="{Num(height)}" viewBox="0 0 {Num(width)} {Num(height)}">
        <title>{Escape(title)}</title>
        {defs}
        <style>
        text {"{"} font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px; fill: #1b2631; {"}"}
        {css}
        </style>
        <rect width="100%" height="100%" fill="white"/>
        {_body}</svg>

        """;
}
