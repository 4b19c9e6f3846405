using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Microsoft.ML.FunctionalDnn;

/// <summary>A model output as columns: its values, and for classification heads the predicted label with the label's key values.</summary>
internal sealed record OutputColumn(string Output, string Column, string? PredictedLabelColumn, (PrimitiveDataViewType ItemType, List<object> Values)? Keys);

/// <summary>
/// A trained functional model in a pipeline: adds a column per model output (a vector of Single
/// shaped like the output, e.g. the class probabilities) and, for outputs trained on key labels,
/// the predicted label as a key that MapKeyToValue turns back into the original value. Rows are
/// predicted in batches as cursors move; PredictionEngine maps single rows.
/// </summary>
[ModelLoader(LoaderSignature)]
public sealed class FunctionalDnnTransformer : RowToRowTransformerBase
{
    internal const string LoaderSignature = "FunctionalDnnTransformer";
    private readonly IReadOnlyList<OutputColumn> _outputs;
    private readonly IReadOnlyDictionary<string, string> _inputColumns;
    private readonly int _batchSize;

    internal FunctionalDnnTransformer(Model model, IReadOnlyList<OutputColumn> outputs, IReadOnlyDictionary<string, string> inputColumns, int batchSize) =>
        (Model, _outputs, _inputColumns, _batchSize) = (model, outputs, inputColumns, batchSize);

    /// <summary>The trained model (for Summary, PlotModel, Evaluate, Save).</summary>
    public Model Model { get; }

    /// <summary>The training history of the Fit that made this transformer (null after loading).</summary>
    public History? History { get; internal init; }

    private protected override IColumnMapper MakeMapper(DataViewSchema inputSchema)
    {
        var bindings = Model.Inputs.Select((t, i) =>
        {
            string name = Model.InputNames[i];
            string column = _inputColumns.TryGetValue(name, out var c) ? c : name;
            var col = RequireColumn(inputSchema, column, $"FunctionalDnn (model input '{name}')");
            return ColumnBinding.ForInput(name, col, t.Shape, t.DType, null);
        }).ToList();
        var columns = new List<DataViewSchema.DetachedColumn>();
        foreach (var (output, i) in _outputs.Select((o, i) => (o, i)))
        {
            var dims = Model.Outputs[i].Shape.PerSample().Select(d => d ?? 0).ToArray();
            columns.Add(new DataViewSchema.DetachedColumn(output.Column, new VectorDataViewType(NumberDataViewType.Single, dims)));
            if (output.PredictedLabelColumn is { } predicted && output.Keys is { } keys)
                columns.Add(new DataViewSchema.DetachedColumn(predicted, new KeyDataViewType(typeof(uint), Math.Max(1, keys.Values.Count)), KeyValues.Annotation(keys.ItemType, keys.Values)));
        }
        return new DelegateColumnMapper(columns, [.. bindings.Select(b => b.Column.Name)], _batchSize, rows => Predict(bindings, rows));
    }

    private List<object?[]> Predict(List<ColumnBinding> bindings, IReadOnlyList<object?[]> rows)
    {
        var inputs = bindings.Select((b, i) => b.ToTensor([.. rows.Select(r => r[i])], 0)).ToArray();
        var predictions = Model.Predict(inputs, batchSize: Math.Max(rows.Count, 1));
        var result = rows.Select(_ => new List<object?>()).ToList();
        for (int o = 0; o < _outputs.Count; o++)
        {
            var p = predictions[o];
            int size = p.Size / Math.Max(1, rows.Count);
            var data = p.ToArray();
            for (int r = 0; r < rows.Count; r++)
            {
                var values = data.AsSpan(r * size, size).ToArray();
                result[r].Add(new VBuffer<float>(size, values));
                if (_outputs[o].PredictedLabelColumn is not null)
                {
                    int best = 0;
                    for (int k = 1; k < size; k++) if (values[k] > values[best]) best = k;
                    result[r].Add((uint)(best + 1));
                }
            }
        }
        return [.. result.Select(r => r.ToArray())];
    }

    private protected override void SaveModel(ModelSaveContext ctx)
    {
        ctx.SetLoader(LoaderSignature);
        ctx.SaveText("mapping.json", JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["batch_size"] = _batchSize,
            ["input_columns"] = _inputColumns,
            ["outputs"] = _outputs.Select(o => new Dictionary<string, object?>
            {
                ["output"] = o.Output,
                ["column"] = o.Column,
                ["predicted_label_column"] = o.PredictedLabelColumn,
                ["key_type"] = o.Keys?.ItemType.ToString(),
                ["key_values"] = o.Keys?.Values,
            }).ToArray(),
        }));
        string temporary = Path.Combine(Path.GetTempPath(), $"fdnn_{Guid.NewGuid():N}.fdnn");
        try
        {
            Model.Save(temporary);
            ctx.SaveBinary("model.fdnn", s => { using var f = File.OpenRead(temporary); f.CopyTo(s); });
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    internal static FunctionalDnnTransformer Create(ModelLoadContext ctx)
    {
        using var doc = JsonDocument.Parse(ctx.LoadText("mapping.json"));
        var root = doc.RootElement;
        string temporary = Path.Combine(Path.GetTempPath(), $"fdnn_{Guid.NewGuid():N}.fdnn");
        Model model;
        try
        {
            using (var source = ctx.Open("model.fdnn"))
            using (var file = File.Create(temporary)) source.CopyTo(file);
            model = Model.Load(temporary);
        }
        finally
        {
            File.Delete(temporary);
        }
        var outputs = root.GetProperty("outputs").EnumerateArray().Select(o =>
        {
            (PrimitiveDataViewType, List<object>)? keys = null;
            if (o.GetProperty("key_type").GetString() is { } typeName)
            {
                var type = KeyValues.ParseItemType(typeName, ctx.Path);
                keys = (type, o.GetProperty("key_values").EnumerateArray().Select(e => KeyValues.FromJson(e, type)).ToList());
            }
            return new OutputColumn(o.GetProperty("output").GetString()!, o.GetProperty("column").GetString()!, o.GetProperty("predicted_label_column").GetString(), keys);
        }).ToList();
        var inputs = root.GetProperty("input_columns").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        return new FunctionalDnnTransformer(model, outputs, inputs, root.GetProperty("batch_size").GetInt32());
    }
}
