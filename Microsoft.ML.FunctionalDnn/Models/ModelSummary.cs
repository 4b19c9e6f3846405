using System.Globalization;
using System.Text;
using Microsoft.ML.FunctionalDnn.Layers;

namespace Microsoft.ML.FunctionalDnn;

/// <summary>
/// Keras's <c>model.summary()</c> table, in the plain-text layout of tf.keras 2 that the notes
/// show: three columns (<c>Layer (type)</c>, <c>Output Shape</c>, <c>Param #</c>) for a chain of
/// single-input layers, four (adding <c>Connected to</c>, one inbound tensor per line as
/// <c>layer[node][tensor]</c>) for any other graph; then total, trainable and non-trainable
/// parameter counts, comma-grouped. A shared layer or nested model is one row listing every call.
/// </summary>
internal static class ModelSummary
{
    /// <summary>One layer's row: its name and class, output shape, parameter count and inbound tensors (<c>layer[node][tensor]</c>).</summary>
    internal sealed record Row(string Layer, string Shape, long Parameters, IReadOnlyList<string> Connections);

    /// <summary>The table's content: whether the model is a chain (no "Connected to" column), its rows and parameter totals.</summary>
    internal sealed record Table(string ModelName, bool Chain, IReadOnlyList<Row> Rows, long Total, long Trainable);

    internal static Table Describe(Model model, bool hideInputs)
    {
        var rows = new List<Row>();
        foreach (var layer in model.Layers.Where(l => !(hideInputs && l is InputLayer)))
        {
            var nodes = model.Nodes.Where(n => ReferenceEquals(n.Layer, layer)).ToList();
            var last = nodes.LastOrDefault(n => n.Outputs.Count > 0);
            string shape = last is null ? "?" : last.Outputs.Count == 1 ? last.Outputs[0].Shape.ToString() : $"[{string.Join(", ", last.Outputs.Select(o => o.Shape))}]";
            rows.Add(new Row($"{layer.Name} ({layer.ClassName})", shape, layer.CountParams(), [.. nodes.SelectMany(n => n.Inputs).Select(t => t.Reference)]));
        }
        var weights = model.Weights;
        return new Table(model.Name, IsChain(model), rows, weights.Sum(w => (long)w.Value.Size), weights.Where(w => w.Trainable).Sum(w => (long)w.Value.Size));
    }

    internal static string Render(Model model, bool hideInputs)
    {
        var table = Describe(model, hideInputs);
        bool chain = table.Chain;
        int width = chain ? 65 : 100;
        int[] stops = chain ? [29, 55, 65] : [33, 55, 67, 100];
        string[] header = chain ? ["Layer (type)", "Output Shape", "Param #"] : ["Layer (type)", "Output Shape", "Param #", "Connected to"];
        var sb = new StringBuilder();
        sb.Append("Model: \"").Append(table.ModelName).Append("\"\n");
        sb.Append('_', width).Append('\n');
        AppendRow(sb, header, stops);
        sb.Append('=', width).Append('\n');
        for (int i = 0; i < table.Rows.Count; i++)
        {
            var row = table.Rows[i];
            string parameters = row.Parameters.ToString(CultureInfo.InvariantCulture);
            if (chain) AppendRow(sb, [row.Layer, row.Shape, parameters], stops);
            else
            {
                AppendRow(sb, [row.Layer, row.Shape, parameters, row.Connections.Count > 0 ? row.Connections[0] : ""], stops);
                foreach (var more in row.Connections.Skip(1)) AppendRow(sb, ["", "", "", more], stops);
            }
            sb.Append(i == table.Rows.Count - 1 ? '=' : '_', width).Append('\n');
        }
        sb.Append("Total params: ").Append(table.Total.ToString("N0", CultureInfo.InvariantCulture)).Append('\n');
        sb.Append("Trainable params: ").Append(table.Trainable.ToString("N0", CultureInfo.InvariantCulture)).Append('\n');
        sb.Append("Non-trainable params: ").Append((table.Total - table.Trainable).ToString("N0", CultureInfo.InvariantCulture)).Append('\n');
        sb.Append('_', width).Append('\n');
        return sb.ToString();
    }

    /// <summary>The same table as HTML, for notebooks: a caption with the model's name, one row per layer (inbound tensors one per line), the totals after.</summary>
    internal static string RenderHtml(Model model, bool hideInputs)
    {
        var table = Describe(model, hideInputs);
        static string E(string text) => System.Net.WebUtility.HtmlEncode(text);
        var sb = new StringBuilder();
        sb.Append("<div class=\"functionaldnn-summary\"><table><caption>Model: \"").Append(E(table.ModelName)).Append("\"</caption>");
        sb.Append("<thead><tr><th>Layer (type)</th><th>Output Shape</th><th>Param #</th>");
        if (!table.Chain) sb.Append("<th>Connected to</th>");
        sb.Append("</tr></thead><tbody>");
        foreach (var row in table.Rows)
        {
            sb.Append("<tr><td>").Append(E(row.Layer)).Append("</td><td>").Append(E(row.Shape)).Append("</td><td style=\"text-align:right\">")
                .Append(row.Parameters.ToString("N0", CultureInfo.InvariantCulture)).Append("</td>");
            if (!table.Chain) sb.Append("<td>").Append(string.Join("<br/>", row.Connections.Select(E))).Append("</td>");
            sb.Append("</tr>");
        }
        sb.Append("</tbody></table><p>Total params: ").Append(table.Total.ToString("N0", CultureInfo.InvariantCulture))
            .Append("<br/>Trainable params: ").Append(table.Trainable.ToString("N0", CultureInfo.InvariantCulture))
            .Append("<br/>Non-trainable params: ").Append((table.Total - table.Trainable).ToString("N0", CultureInfo.InvariantCulture))
            .Append("</p></div>");
        return sb.ToString();
    }

    /// <summary>A single chain: one input, one output, every layer called once on one tensor.</summary>
    private static bool IsChain(Model model)
    {
        if (model.Inputs.Count != 1 || model.Outputs.Count != 1) return false;
        var calls = model.Nodes.Where(n => n.Inputs.Count > 0).ToList();
        return calls.All(n => n.Inputs.Count == 1 && n.Outputs.Count == 1)
            && calls.Select(n => n.Layer).Distinct(ReferenceEqualityComparer.Instance).Count() == calls.Count
            && calls.Zip(calls.Skip(1)).All(p => ReferenceEquals(p.Second.Inputs[0], p.First.Outputs[0]));
    }

    private static void AppendRow(StringBuilder sb, string[] fields, int[] stops)
    {
        var line = new StringBuilder();
        for (int i = 0; i < fields.Length; i++)
        {
            if (i > 0 && line.Length < stops[i - 1]) line.Append(' ', stops[i - 1] - line.Length);
            else if (i > 0) line.Append(' ');
            line.Append(fields[i]);
        }
        if (line.Length < stops[^1]) line.Append(' ', stops[^1] - line.Length);
        sb.Append(line.ToString().TrimEnd()).Append('\n');
    }
}
