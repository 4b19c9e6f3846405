using Microsoft.ML.FunctionalDnn.Callbacks;

namespace Microsoft.ML.FunctionalDnn.Visualization;

// Rich display in .NET Interactive notebooks (Polyglot, Jupyter's .NET kernel) without referencing
// .NET Interactive: its Formatter looks, on a type being displayed, for an attribute whose class is
// *named* TypeFormatterSourceAttribute, creates its FormatterSourceType, calls CreateTypeFormatters()
// and uses each returned object's MimeType, Type and Format(object, TextWriter) — all matched by
// name. These few types are that convention, written here on purpose: the library must load and run
// where .NET Interactive is absent (and it was archived upstream in 2026), so it cannot take the
// package's own ITypeFormatterSource.

/// <summary>Names the formatter source of a type for .NET Interactive (matched by this class's name).</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true)]
internal sealed class TypeFormatterSourceAttribute(Type formatterSourceType) : Attribute
{
    /// <summary>The class whose <c>CreateTypeFormatters()</c> gives the formatters.</summary>
    public Type FormatterSourceType { get; } = formatterSourceType;

    /// <summary>The MIME types a notebook should prefer for the type.</summary>
    public string[]? PreferredMimeTypes { get; set; }
}

/// <summary>
/// The notebook views: a model as its summary table in HTML, a History as its training curves (the SVG
/// of <see cref="History.ToSvg"/>) inline, a <see cref="PlotFile"/> as its picture.
/// </summary>
internal sealed class NotebookFormatterSource
{
    /// <summary>Called by the notebook kernel (by name, on an instance it creates).</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "The kernel calls it on an instance, by name.")]
    public IEnumerable<object> CreateTypeFormatters() =>
    [
        new HtmlFormatter(typeof(Model), value => value is Model model ? ModelHtml(model) : null),
        new HtmlFormatter(typeof(History), value => value is History history ? HistoryHtml(history) : null),
        new HtmlFormatter(typeof(PlotFile), value => value is PlotFile file ? PlotHtml(file) : null),
    ];

    /// <summary>The summary table, or null (the kernel's default view) for a model whose graph does not exist yet.</summary>
    internal static string? ModelHtml(Model model)
    {
        try
        {
            return model.SummaryHtml();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The curves as inline SVG, or null (the kernel's default view) before any epoch.</summary>
    internal static string? HistoryHtml(History history) =>
        history.Epochs.Count == 0 ? null : InlineSvg(history.ToSvg(), "functionaldnn-history");

    /// <summary>A drawing: SVG inline, PNG as an embedded image, DOT as its source text.</summary>
    internal static string PlotHtml(PlotFile file) =>
        file.IsPng ? $"<div class=\"functionaldnn-plot\"><img src=\"data:image/png;base64,{Convert.ToBase64String(file.GetPngBytes())}\" alt=\"{System.Net.WebUtility.HtmlEncode(System.IO.Path.GetFileName(file.Path))}\"/></div>"
        : file.IsSvg ? InlineSvg(file.Text, "functionaldnn-plot")
            : "<pre class=\"functionaldnn-plot\">" + System.Net.WebUtility.HtmlEncode(file.Text) + "</pre>";

    /// <summary>An SVG document inside a div, without the standalone file's XML declaration.</summary>
    internal static string InlineSvg(string svg, string cssClass)
    {
        int start = svg.IndexOf("<svg", StringComparison.Ordinal);
        return $"<div class=\"{cssClass}\">" + (start > 0 ? svg[start..] : svg) + "</div>";
    }

    /// <summary>One formatter as the kernel reads it: <c>MimeType</c>, <c>Type</c>, <c>Format(object, TextWriter)</c>.</summary>
    public sealed class HtmlFormatter(Type type, Func<object, string?> render)
    {
        [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "The kernel reads it from an instance, by name.")]
        public string MimeType => "text/html";

        public Type Type { get; } = type;

        /// <summary>Writes the HTML; false (nothing written) lets the kernel fall back to its default view.</summary>
        public bool Format(object instance, TextWriter writer)
        {
            ArgumentNullException.ThrowIfNull(writer);
            string? html = render(instance);
            if (html is null) return false;
            writer.Write(html);
            return true;
        }
    }
}
