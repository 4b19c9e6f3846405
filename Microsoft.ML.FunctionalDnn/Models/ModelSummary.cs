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
    internal static string Render(Model model, bool hideInputs)
    {
        bool chain = IsChain(model);
        int width = chain ? 65 : 100;
        int[] stops = chain ? [29, 55, 65] : [33, 55, 67, 100];
        string[] header = chain ? ["Layer (type)", "Output Shape", "Param #"] : ["Layer (type)", "Output Shape", "Param #", "Connected to"];
        var sb = new StringBuilder();
        sb.Append("Model: \"").Append(model.Name).Append("\"\n");
        sb.Append('_', width).Append('\n');
        AppendRow(sb, header, stops);
        sb.Append('=', width).Append('\n');
        var layers = model.Layers.Where(l => !(hideInputs && l is InputLayer)).ToList();
        for (int i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            var nodes = model.Nodes.Where(n => ReferenceEquals(n.Layer, layer)).ToList();
            var last = nodes.LastOrDefault(n => n.Outputs.Count > 0);
            string shape = last is null ? "?" : last.Outputs.Count == 1 ? last.Outputs[0].Shape.ToString() : $"[{string.Join(", ", last.Outputs.Select(o => o.Shape))}]";
            string name = $"{layer.Name} ({layer.ClassName})";
            string parameters = layer.CountParams().ToString(CultureInfo.InvariantCulture);
            var connections = nodes.SelectMany(n => n.Inputs).Select(t => t.Reference).ToList();
            if (chain) AppendRow(sb, [name, shape, parameters], stops);
            else
            {
                AppendRow(sb, [name, shape, parameters, connections.Count > 0 ? connections[0] : ""], stops);
                foreach (var more in connections.Skip(1)) AppendRow(sb, ["", "", "", more], stops);
            }
            sb.Append(i == layers.Count - 1 ? '=' : '_', width).Append('\n');
        }
        var weights = model.Weights;
        long total = weights.Sum(w => (long)w.Value.Size);
        long trainable = weights.Where(w => w.Trainable).Sum(w => (long)w.Value.Size);
        sb.Append("Total params: ").Append(total.ToString("N0", CultureInfo.InvariantCulture)).Append('\n');
        sb.Append("Trainable params: ").Append(trainable.ToString("N0", CultureInfo.InvariantCulture)).Append('\n');
        sb.Append("Non-trainable params: ").Append((total - trainable).ToString("N0", CultureInfo.InvariantCulture)).Append('\n');
        sb.Append('_', width).Append('\n');
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
