using Microsoft.ML.Data;
using Microsoft.ML.FunctionalDnn.Callbacks;

namespace Microsoft.ML.FunctionalDnn.Transforms;

/// <summary>How a fitted transformer reads its input columns and names its output columns.</summary>
internal sealed record TransformerSettings(IReadOnlyDictionary<string, string> InputColumns, IReadOnlyList<OutputColumn> Outputs, int BatchSize, SequencePadding Padding, SequencePadding Truncating);

/// <summary>
/// A trained functional model in a pipeline. <see cref="Transform"/> is lazy: its cursor pulls
/// <c>BatchSize</c> rows from the input, runs the model once for them, and serves the rows one by
/// one with a column per model output (a Single, or a vector of Single shaped like the output),
/// the predicted label of classification heads (a key carrying the label's key values, or a
/// Boolean), and any layer outputs asked for. As a row-to-row mapper it also serves
/// <c>CreatePredictionEngine</c>, one row at a time. Save a pipeline holding it with
/// <c>mlContext.Model.Save</c> or <see cref="FunctionalDnnCatalog.Save"/>, and load it with
/// <see cref="FunctionalDnnCatalog.Load(string, out DataViewSchema)"/>.
/// </summary>
public sealed class FunctionalDnnTransformer : ITransformer
{
    private readonly Model _predictor;
    private readonly object _predictLock = new();

    internal FunctionalDnnTransformer(Model model, TransformerSettings settings)
    {
        (Model, Settings) = (model, settings);
        var layers = settings.Outputs.Where(o => o.IsLayer).Select(o => FunctionalDnnEstimator.LayerOutput(model, o.Source)).ToList();
        _predictor = layers.Count == 0 ? model : new Model(model.Inputs, [.. model.Outputs, .. layers], name: model.Name);
        var added = new List<(int, ColumnRole)>();
        for (int o = 0; o < settings.Outputs.Count; o++)
        {
            added.Add((o, ColumnRole.Values));
            if (settings.Outputs[o].PredictedLabelColumn is not null) added.Add((o, ColumnRole.PredictedLabel));
            if (settings.Outputs[o].RawScoreColumn is not null) added.Add((o, ColumnRole.RawScore));
        }
        AddedColumns = added;
    }

    /// <summary>The trained model (for Summary, PlotModel, Evaluate, Save).</summary>
    public Model Model { get; }

    /// <summary>The training history of the Fit that made this transformer (null after loading).</summary>
    public History? History { get; internal init; }

    internal TransformerSettings Settings { get; }

    /// <summary>The model the transformer runs: the trained model, with any layer outputs asked for as columns added as outputs.</summary>
    internal Model Predictor => _predictor;

    /// <summary>The columns this transformer adds, in schema order: an output's values, its predicted label, a binary head's raw score.</summary>
    internal IReadOnlyList<(int Output, ColumnRole Role)> AddedColumns { get; }

    /// <summary>True: rows can be mapped one at a time (PredictionEngine).</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>The input schema plus the output columns.</summary>
    /// <exception cref="ArgumentException">An input column is missing or does not fit its model input.</exception>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        BindInputs(inputSchema);
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        foreach (var (o, role) in AddedColumns)
        {
            var output = Settings.Outputs[o];
            if (role == ColumnRole.PredictedLabel) builder.AddColumn(output.PredictedLabelColumn!, output.PredictedLabelType!, output.Kind == PredictedLabelKind.Key ? output.Keys?.ToAnnotations() : null);
            else if (role == ColumnRole.RawScore) builder.AddColumn(output.RawScoreColumn!, NumberDataViewType.Single);
            else builder.AddColumn(output.Column, output.Type, output.IsScalar ? null : output.Keys?.ToSlotNames());
        }
        return builder.ToSchema();
    }

    /// <summary>A lazy view: rows are predicted a batch at a time as its cursors move.</summary>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new PredictionDataView(this, input);
    }

    /// <summary>Maps single rows (used by PredictionEngine and by chains of row mappers).</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return new PredictionRowMapper(this, inputSchema);
    }

    /// <summary>Saves the network and its column mapping through ML.NET's own model saving (see <see cref="FunctionalDnnCatalog.Save"/>).</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) => PipelineSaving.Save(this, ctx);

    /// <summary>The model inputs bound to the columns of <paramref name="schema"/>.</summary>
    internal List<ColumnBinding> BindInputs(DataViewSchema schema) =>
        [.. Model.Inputs.Select((t, i) =>
        {
            string name = Model.InputNames[i];
            string column = Settings.InputColumns.TryGetValue(name, out var c) ? c : name;
            var col = schema.GetColumnOrNull(column) ?? throw new ArgumentOutOfRangeException(nameof(schema),
                $"Model input '{name}' of '{Model.Name}' reads column '{column}', which the data does not have. Columns: [{string.Join(", ", schema.Where(x => !x.IsHidden).Select(x => x.Name))}].");
            return ColumnBinding.ForInput(name, col, t.Shape, t.DType, FunctionalDnnEstimator.EmbeddingLimit(Model, t), Settings.Padding, Settings.Truncating);
        })];

    /// <summary>Runs the model on one batch; the values of each output column, row after row.</summary>
    internal float[][] Predict(Tensor[] inputs)
    {
        IReadOnlyList<Tensor> outputs;
        // One model is shared by every cursor and prediction engine of this transformer.
        lock (_predictLock) outputs = _predictor.PredictOnBatch(inputs);
        return [.. outputs.Select(t => t.ToArray())];
    }
}
