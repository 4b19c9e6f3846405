using Microsoft.ML.Data;
using Microsoft.ML.FunctionalDnn.Layers;

namespace Microsoft.ML.FunctionalDnn.Transforms;

/// <summary>
/// Trains a compiled functional <see cref="Model"/> in an ML.NET pipeline. Columns named like the
/// model's inputs (or mapped in <see cref="FunctionalDnnOptions.InputColumns"/>) feed them: numbers,
/// booleans, keys, and vectors of them — fixed-size vectors reshaped to the input (ExtractPixels'
/// channels-last pixels for a Conv2D input), variable-size ones (TokenizeIntoWords + MapValueToKey)
/// padded or truncated like Keras's pad_sequences, key 0 (missing) and padding both id 0. Label
/// columns are the outputs' targets (key labels become class indices). Fit streams batches from
/// cursors; the fitted <see cref="FunctionalDnnTransformer"/> adds a column per output, the
/// predicted label of classification heads, and any layer outputs asked for.
/// </summary>
/// <remarks>
/// | Characteristic | Value |
/// | --- | --- |
/// | Input columns | numbers, booleans, keys; scalars, known-size or variable-size vectors |
/// | Label columns | a key (classes), a boolean (binary), numbers or number vectors (regression) |
/// | Output columns | Single (one value per sample) or a vector of Single per output; PredictedLabel key or Boolean |
/// | Needs normalization | as the model does (use ML.NET's NormalizeMinMax, NormalizeMeanVariance …) |
/// | Needs caching | no: batches are streamed; shuffling uses the view's own order or a 1,000-row pool |
/// </remarks>
public sealed class FunctionalDnnEstimator : IEstimator<FunctionalDnnTransformer>
{
    internal FunctionalDnnEstimator(Model model, FunctionalDnnOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        if (model.Trainer.Setup is null) throw new InvalidOperationException($"Model '{model.Name}' must be compiled (model.Compile(optimizer, loss, …)) before it goes into a pipeline.");
        if (options.Epochs < 0) throw new ArgumentOutOfRangeException(nameof(options), $"Epochs must be non-negative; received {options.Epochs}.");
        if (options.BatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(options), $"BatchSize must be positive; received {options.BatchSize}.");
        if (!(options.ValidationFraction >= 0 && options.ValidationFraction < 1)) throw new ArgumentOutOfRangeException(nameof(options), $"ValidationFraction must be in [0, 1); received {options.ValidationFraction}.");
        foreach (var layer in options.IntermediateOutputColumns.Keys) LayerOutput(model, layer);
        CheckNames(model, options.InputColumns.Keys, model.InputNames, "input", nameof(options.InputColumns));
        CheckNames(model, options.LabelColumns.Keys, model.OutputNames, "output", nameof(options.LabelColumns));
        CheckNames(model, options.OutputColumns.Keys, model.OutputNames, "output", nameof(options.OutputColumns));
        (Model, Options) = (model, options);
    }

    /// <summary>The model the first Fit trains (later Fits train fresh copies of it, see <see cref="Fit"/>).</summary>
    public Model Model { get; }

    /// <summary>The untrained model as a saved file, taken by the first Fit, for the later ones; or why it could not be taken.</summary>
    private (byte[]? File, string? Problem)? _untrained;

    /// <summary>The options.</summary>
    public FunctionalDnnOptions Options { get; }

    private string InputColumn(string input) => Options.InputColumns.TryGetValue(input, out var c) ? c : input;

    private string OutputColumnName(string output) => Options.OutputColumns.TryGetValue(output, out var c) ? c : output;

    private string LabelColumn(string output) =>
        Options.LabelColumns.TryGetValue(output, out var c) ? c
        : Model.OutputNames.Count == 1 ? Options.LabelColumnName
        : throw new ArgumentException($"Model '{Model.Name}' has {Model.OutputNames.Count} outputs; give each a label column in FunctionalDnnOptions.LabelColumns (missing: '{output}').");

    private string Loss(int output) => Model.Trainer.Compiled.Losses[output].Name;

    /// <summary>True when output <paramref name="output"/>'s loss takes logits (Keras's from_logits), so its values are logits, not probabilities.</summary>
    private bool FromLogits(int output) =>
        Model.Trainer.Compiled.Losses[output].GetConfig() is { } config && config.TryGetValue("from_logits", out var v) && v is true;

    /// <exception cref="ArgumentException">A map names a model input or output the model does not have (a typo would otherwise be ignored).</exception>
    private static void CheckNames(Model model, IEnumerable<string> given, IReadOnlyList<string> known, string what, string option)
    {
        var unknown = given.Where(g => !known.Contains(g)).Select(g => $"'{g}'").ToList();
        if (unknown.Count > 0)
            throw new ArgumentException($"FunctionalDnnOptions.{option} names {string.Join(", ", unknown)}, which {(unknown.Count > 1 ? "are not" : "is not an")} {what}{(unknown.Count > 1 ? "s" : "")} of model '{model.Name}'. Its {what}s: [{string.Join(", ", known)}] (the keys are model {what} names; the values are column names).");
    }

    /// <summary>The symbolic output of the one call of layer <paramref name="name"/> in <paramref name="model"/>.</summary>
    internal static SymbolicTensor LayerOutput(Model model, string name)
    {
        var nodes = model.Nodes.Where(n => n.Layer.Name == name).ToList();
        return nodes.Count switch
        {
            1 when nodes[0].Outputs.Count == 1 => nodes[0].Outputs[0],
            0 => throw new ArgumentException($"Model '{model.Name}' has no layer '{name}' for FunctionalDnnOptions.IntermediateOutputColumns. Layers: [{string.Join(", ", model.Nodes.Select(n => n.Layer.Name).Distinct())}]."),
            1 => throw new ArgumentException($"Layer '{name}' of model '{model.Name}' has {nodes[0].Outputs.Count} outputs; an intermediate output column needs a layer with one."),
            _ => throw new ArgumentException($"Layer '{name}' is called {nodes.Count} times in model '{model.Name}' (a shared layer); an intermediate output column needs a layer called once."),
        };
    }

    /// <summary>
    /// Checks the columns against the model, then trains it on <paramref name="input"/>, streaming
    /// batches. The first Fit trains <see cref="Model"/> itself, as Keras's <c>fit</c> does, so the
    /// model you built is the trained one. Each later Fit of this estimator (cross-validation folds,
    /// a refit on new data) trains a fresh copy of the model as it was before the first Fit, so every
    /// transformer stands alone, as ML.NET expects.
    /// </summary>
    /// <exception cref="ArgumentException">A column is missing or does not fit its model input or output (raised before training).</exception>
    /// <exception cref="InvalidDataException">A row holds a value the model cannot take (the message gives the column and the row).</exception>
    /// <exception cref="InvalidOperationException">A later Fit, when the model cannot be copied (a Lambda layer without a function name).</exception>
    public FunctionalDnnTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var (inputs, labels) = Bind(input.Schema);
        var outputs = Outputs(input.Schema);
        IBatchSource? validation = null;
        if (Options.ValidationData is { } valData)
        {
            var (valInputs, valLabels) = Bind(valData.Schema);
            validation = new DataViewBatchSource(valData, valInputs, valLabels, DataViewBatchSource.CountRows(valData));
        }
        int count = DataViewBatchSource.CountRows(input);
        IDataView train = input;
        if (Options.ValidationData is null && Options.ValidationFraction > 0)
        {
            // As Keras's validation_split: the last fraction of the rows, before any shuffling.
            int trainCount = (int)(count * (1 - Options.ValidationFraction));
            if (trainCount == 0 || trainCount == count)
                throw new ArgumentException($"ValidationFraction {Options.ValidationFraction} of {count} rows leaves {trainCount} for training and {count - trainCount} for validation; both need at least one.");
            var ml = new MLContext();
            validation = new DataViewBatchSource(ml.Data.SkipRows(input, trainCount), inputs, labels, count - trainCount);
            train = ml.Data.TakeRows(input, trainCount);
            count = trainCount;
        }
        if (count == 0) throw new ArgumentException($"The training data for model '{Model.Name}' has no rows.");
        var source = new DataViewBatchSource(train, inputs, labels, count);
        // One pass checks every value before the first step, so a bad row late in the data leaves the model untouched.
        if (Options.ValidateBeforeTraining)
        {
            source.Validate();
            (validation as DataViewBatchSource)?.Validate();
        }
        var model = ModelToTrain();
        var history = model.Trainer.FitCore(source, validation, Options.Epochs, Options.BatchSize, Options.Shuffle,
            0, [.. Options.Callbacks], Options.Verbose, Options.Seed);
        var inputColumns = Model.InputNames.ToDictionary(n => n, InputColumn);
        return new FunctionalDnnTransformer(model, new TransformerSettings(inputColumns, outputs, Options.BatchSize, Options.Padding, Options.Truncating)) { History = history };
    }

    /// <summary>The model itself on the first Fit (after keeping a copy of it untrained); a fresh copy of that on later ones.</summary>
    private Model ModelToTrain()
    {
        if (_untrained is null)
        {
            _untrained = Snapshot(Model);
            return Model;
        }
        var (file, problem) = _untrained.Value;
        if (file is null)
            throw new InvalidOperationException($"This estimator has already trained model '{Model.Name}', and the transformer of that Fit uses it. Fitting again (a cross-validation fold, a refit) trains a fresh copy of the untrained model, which cannot be made: {problem} Build a new model and estimator for each Fit instead.");
        var functions = Model.Layers.OfType<Lambda>().Where(l => l.FunctionName is not null && l.SingleInputFunction is not null)
            .ToDictionary(l => l.FunctionName!, l => l.SingleInputFunction!);
        return ModelBytes.Load(file, $"the untrained copy of model '{Model.Name}'", functions);
    }

    private static (byte[]?, string?) Snapshot(Model model)
    {
        try
        {
            return (ModelBytes.Save(model), null);
        }
        catch (InvalidOperationException e)
        {
            return (null, e.Message);
        }
    }

    /// <summary>The input columns and label columns bound to the model's inputs and outputs.</summary>
    private (List<ColumnBinding> Inputs, List<ColumnBinding> Labels) Bind(DataViewSchema schema)
    {
        var inputs = Model.Inputs.Select((t, i) => ColumnBinding.ForInput(Model.InputNames[i], RequireColumn(schema, InputColumn(Model.InputNames[i]), "input", Model.InputNames[i]),
            t.Shape, t.DType, EmbeddingLimit(Model, t), Options.Padding, Options.Truncating)).ToList();
        var labels = Model.Outputs.Select((t, o) => ColumnBinding.ForLabel(Model.OutputNames[o], RequireColumn(schema, LabelColumn(Model.OutputNames[o]), "output", Model.OutputNames[o]),
            t.Shape, Loss(o))).ToList();
        return (inputs, labels);
    }

    /// <summary>The vocabulary size of the Embedding an int input feeds, if any.</summary>
    internal static int? EmbeddingLimit(Model model, SymbolicTensor input) =>
        model.Nodes.Where(n => n.Inputs.Contains(input) && n.Layer is Embedding).Select(n => (int?)((Embedding)n.Layer).InputDim).FirstOrDefault();

    private DataViewSchema.Column RequireColumn(DataViewSchema schema, string column, string role, string target) =>
        schema.GetColumnOrNull(column) ?? throw MissingColumn(column, role, target, schema.Where(c => !c.IsHidden).Select(c => c.Name));

    private ArgumentException MissingColumn(string column, string role, string target, IEnumerable<string> columns) =>
        new($"Model {role} '{target}' of '{Model.Name}' {(role == "input" ? "reads column" : "trains on label column")} '{column}', which the data does not have. Columns: [{string.Join(", ", columns)}]."
            + (role == "input" ? " Map it with FunctionalDnnOptions.InputColumns." : " Name it with FunctionalDnnOptions.LabelColumns or LabelColumnName."));

    /// <summary>How an output's label makes its predicted label: a key, a boolean (for a one-unit output), or none.</summary>
    private static PredictedLabelKind PredictionOf(bool isKey, DataViewType? itemType, SymbolicTensor output) =>
        isKey ? PredictedLabelKind.Key
        : itemType is BooleanDataViewType && Dims(output).Aggregate(1, (a, d) => a * d) == 1 ? PredictedLabelKind.Boolean
        : PredictedLabelKind.None;

    private string PredictedLabelColumn(string outputColumn, int classified) =>
        classified == 1 ? Options.PredictedLabelColumnName : $"{outputColumn}_PredictedLabel";

    /// <summary>Each output's columns, with the label's key values, and the layer outputs asked for.</summary>
    private List<OutputColumn> Outputs(DataViewSchema schema)
    {
        var kinds = Model.OutputNames.Select((o, i) => schema.GetColumnOrNull(LabelColumn(o)) is { } l ? PredictionOf(l.Type is KeyDataViewType, l.Type, Model.Outputs[i]) : PredictedLabelKind.None).ToList();
        int classified = kinds.Count(k => k != PredictedLabelKind.None);
        var outputs = Model.OutputNames.Select((o, i) =>
        {
            string column = OutputColumnName(o);
            var label = schema[LabelColumn(o)];
            var keys = label.Type is KeyDataViewType ? KeyValues.Read(label) : null;
            int keyCount = label.Type is KeyDataViewType k ? (int)Math.Min(k.Count, int.MaxValue) : 0;
            return new OutputColumn(o, column, Dims(Model.Outputs[i]), kinds[i] == PredictedLabelKind.None ? null : PredictedLabelColumn(column, classified), kinds[i], keys, keyCount, IsLayer: false, FromLogits(i));
        }).ToList();
        outputs.AddRange(Options.IntermediateOutputColumns.Select(p => new OutputColumn(p.Key, p.Value, Dims(LayerOutput(Model, p.Key)), null, PredictedLabelKind.None, null, 0, IsLayer: true)));
        CheckDistinct(outputs.SelectMany(o => new[] { o.Column, o.PredictedLabelColumn, o.RawScoreColumn }).OfType<string>());
        return outputs;
    }

    private static int[] Dims(SymbolicTensor t) => [.. t.Shape.PerSample().Select(d => d ?? 0)];

    /// <summary>The template kind of a column of values shaped <paramref name="dims"/> (0 = known per batch only).</summary>
    private static SchemaShapes.Kind ValuesKind(int[] dims, bool slotNames) =>
        dims.Contains(0) ? SchemaShapes.Kind.VariableVector
        : dims.Aggregate(1, (a, d) => a * d) == 1 ? SchemaShapes.Kind.Single
        : slotNames ? SchemaShapes.Kind.NamedVector : SchemaShapes.Kind.Vector;

    /// <exception cref="ArgumentException">Two added columns would have the same name (one would hide the other).</exception>
    private void CheckDistinct(IEnumerable<string> columns)
    {
        var twice = columns.GroupBy(c => c, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => $"'{g.Key}'").ToList();
        if (twice.Count > 0)
            throw new ArgumentException($"Model '{Model.Name}' would add the column{(twice.Count > 1 ? "s" : "")} {string.Join(", ", twice)} twice (output, predicted-label, raw-score and layer-output columns must have distinct names); rename one in FunctionalDnnOptions.OutputColumns, IntermediateOutputColumns or PredictedLabelColumnName.");
    }

    /// <summary>
    /// The schema after this estimator: the input columns (checked: present, not text, sized for
    /// their model input), plus a column per output, the predicted labels and the layer outputs.
    /// </summary>
    /// <exception cref="ArgumentException">A column is missing or cannot fit; the message names the column, the model input or output, what was expected and what was received.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var byName = inputSchema.ToDictionary(c => c.Name);
        for (int i = 0; i < Model.InputNames.Count; i++)
        {
            string name = Model.InputNames[i], column = InputColumn(name);
            if (!byName.TryGetValue(column, out var c)) throw MissingColumn(column, "input", name, byName.Keys);
            CheckShape(c, $"column '{column}' for model input '{name}'", isLabel: false);
            int size = Model.Inputs[i].Shape.PerSample().Aggregate(1, (a, d) => a * (d ?? 2));
            if (c.Kind == SchemaShape.Column.VectorKind.Scalar && size != 1)
                throw new ArgumentException($"The column '{column}' for model input '{name}' holds one value per row; the input expects {Model.Inputs[i].Shape} (a vector column).");
        }
        var added = new List<(string, SchemaShapes.Kind, string?)>();
        var kinds = Model.OutputNames.Select((o, i) => byName.TryGetValue(LabelColumn(o), out var l) ? PredictionOf(l.IsKey, l.ItemType, Model.Outputs[i]) : PredictedLabelKind.None).ToList();
        int classified = kinds.Count(k => k != PredictedLabelKind.None);
        for (int o = 0; o < Model.OutputNames.Count; o++)
        {
            string output = Model.OutputNames[o], label = LabelColumn(output);
            if (!byName.TryGetValue(label, out var c)) throw MissingColumn(label, "output", output, byName.Keys);
            CheckShape(c, $"label column '{label}' for model output '{output}'", isLabel: true);
            string column = OutputColumnName(output);
            bool slotNames = c.IsKey && c.Annotations.Any(a => a.Name == "KeyValues" && a.ItemType is TextDataViewType);
            added.Add((column, ValuesKind(Dims(Model.Outputs[o]), slotNames), null));
            if (kinds[o] == PredictedLabelKind.Key) added.Add((PredictedLabelColumn(column, classified), SchemaShapes.Kind.Single, label));
            else if (kinds[o] == PredictedLabelKind.Boolean)
            {
                added.Add((PredictedLabelColumn(column, classified), SchemaShapes.Kind.Boolean, null));
                added.Add(($"{column}_RawScore", SchemaShapes.Kind.Single, null));
            }
        }
        foreach (var (layer, column) in Options.IntermediateOutputColumns)
            added.Add((column, ValuesKind(Dims(LayerOutput(Model, layer)), slotNames: false), null));
        CheckDistinct(added.Select(a => a.Item1));
        return SchemaShapes.Add(inputSchema, added);
    }

    private static void CheckShape(SchemaShape.Column c, string where, bool isLabel)
    {
        if (c.ItemType is TextDataViewType)
            throw new ArgumentException($"The {where} holds text, where numbers are expected: "
                + (isLabel ? $"map it to a key first (mlContext.Transforms.Conversion.MapValueToKey(\"{c.Name}\"))." : "turn it into token keys first (mlContext.Transforms.Text.TokenizeIntoWords, then mlContext.Transforms.Conversion.MapValueToKey)."));
        if (!c.IsKey && c.ItemType is not (NumberDataViewType or BooleanDataViewType))
            throw new ArgumentException($"The {where} holds {c.ItemType}; a model takes numbers, booleans, keys or vectors of them.");
        if (isLabel && c.Kind == SchemaShape.Column.VectorKind.VariableVector)
            throw new ArgumentException($"The {where} is a vector of variable size; an output needs the same number of targets in every row.");
    }
}
