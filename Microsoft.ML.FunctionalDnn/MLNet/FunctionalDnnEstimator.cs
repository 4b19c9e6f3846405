using Microsoft.ML;
using Microsoft.ML.Data;

namespace Microsoft.ML.FunctionalDnn;

/// <summary>How a <see cref="FunctionalDnnEstimator"/> maps columns to the model and trains it.</summary>
public sealed class FunctionalDnnOptions
{
    /// <summary>Model input name → the column feeding it; inputs not listed read the column of their own name.</summary>
    public IDictionary<string, string> InputColumns { get; } = new Dictionary<string, string>();

    /// <summary>Model output name → its label column; with one output, <see cref="LabelColumnName"/> is used when it is not listed.</summary>
    public IDictionary<string, string> LabelColumns { get; } = new Dictionary<string, string>();

    /// <summary>The label column of a single-output model (default "Label").</summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>Model output name → the name of the column of its values (default: the output's name).</summary>
    public IDictionary<string, string> OutputColumns { get; } = new Dictionary<string, string>();

    /// <summary>The column of the predicted class for a single classification output (a key, mapped back with MapKeyToValue); with several, "&lt;output column&gt;_PredictedLabel".</summary>
    public string PredictedLabelColumnName { get; set; } = "PredictedLabel";

    /// <summary>Passes over the training data.</summary>
    public int Epochs { get; set; } = 10;

    /// <summary>Rows per gradient update (and per prediction batch).</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>The last fraction of the rows held out for validation (as Keras's validation_split); 0 for none.</summary>
    public float ValidationFraction { get; set; }

    /// <summary>Separate validation rows (overrides <see cref="ValidationFraction"/>).</summary>
    public IDataView? ValidationData { get; set; }

    /// <summary>Callbacks for Fit (EarlyStopping, TensorBoard …).</summary>
    public IList<Callback> Callbacks { get; } = [];

    /// <summary>Shuffle the rows every epoch.</summary>
    public bool Shuffle { get; set; } = true;

    /// <summary>Fixes shuffling and dropout.</summary>
    public long? Seed { get; set; }

    /// <summary>0 silent, 1 a progress bar, 2 a line per epoch.</summary>
    public int Verbose { get; set; }
}

/// <summary>
/// Trains a compiled functional <see cref="Model"/> on a data view: the columns named like the
/// model's inputs feed them (numbers, booleans, keys, vectors reshaped to the input's shape; text
/// through TextToSequence first), the label columns are the targets of the outputs (key labels
/// become class indices), and Fit streams batches from cursors. The fitted transformer adds one
/// column per output (and the predicted label of classification heads).
/// </summary>
public sealed class FunctionalDnnEstimator : IEstimator<FunctionalDnnTransformer>
{
    internal FunctionalDnnEstimator(Model model, FunctionalDnnOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        if (model.TrainingConfiguration is null) throw new InvalidOperationException($"Model '{model.Name}' must be compiled (model.Compile(optimizer, loss, …)) before it goes into a pipeline.");
        if (options.Epochs < 0) throw new ArgumentOutOfRangeException(nameof(options), $"Epochs must be non-negative; received {options.Epochs}.");
        if (options.BatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(options), $"BatchSize must be positive; received {options.BatchSize}.");
        if (!(options.ValidationFraction >= 0 && options.ValidationFraction < 1)) throw new ArgumentOutOfRangeException(nameof(options), $"ValidationFraction must be in [0, 1); received {options.ValidationFraction}.");
        (Model, Options) = (model, options);
    }

    /// <summary>The model trained.</summary>
    public Model Model { get; }

    /// <summary>The options.</summary>
    public FunctionalDnnOptions Options { get; }

    internal string InputColumn(string input) => Options.InputColumns.TryGetValue(input, out var c) ? c : input;

    internal string LabelColumn(string output) =>
        Options.LabelColumns.TryGetValue(output, out var c) ? c
        : Model.OutputNames.Count == 1 ? Options.LabelColumnName
        : throw new ArgumentException($"Model '{Model.Name}' has {Model.OutputNames.Count} outputs; give each a label column in FunctionalDnnOptions.LabelColumns (missing: '{output}').");

    /// <summary>Checks the columns against the model, then trains it on <paramref name="input"/>, streaming batches.</summary>
    /// <exception cref="ArgumentException">A column is missing or does not fit its model input or output (raised before training).</exception>
    public FunctionalDnnTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        GetOutputSchema(SchemaShape.Create(input.Schema));
        var (inputs, labels) = Bind(input.Schema);
        int count = DataViewBatchSource.CountRows(input);
        IDataView train = input;
        IBatchSource? validation = null;
        if (Options.ValidationData is { } valData)
        {
            var (valInputs, valLabels) = Bind(valData.Schema);
            validation = new DataViewBatchSource(valData, valInputs, valLabels, DataViewBatchSource.CountRows(valData));
        }
        else if (Options.ValidationFraction > 0)
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
        var history = Model.FitCore(new DataViewBatchSource(train, inputs, labels, count), validation, Options.Epochs, Options.BatchSize, Options.Shuffle,
            0, [.. Options.Callbacks], Options.Verbose, Options.Seed);
        return new FunctionalDnnTransformer(Model, Outputs(input.Schema), Model.InputNames.ToDictionary(n => n, InputColumn), Options.BatchSize) { History = history };
    }

    /// <summary>The input columns and label columns bound to the model's inputs and outputs.</summary>
    private (List<ColumnBinding> Inputs, List<ColumnBinding> Labels) Bind(DataViewSchema schema)
    {
        var inputs = Model.Inputs.Select((t, i) => ColumnBinding.ForInput(Model.InputNames[i], RequireColumn(schema, InputColumn(Model.InputNames[i]), "input", Model.InputNames[i]),
            t.Shape, t.DType, EmbeddingLimit(t))).ToList();
        var losses = Model.TrainingConfiguration!.Losses;
        var labels = Model.Outputs.Select((t, o) => ColumnBinding.ForLabel(Model.OutputNames[o], RequireColumn(schema, LabelColumn(Model.OutputNames[o]), "output", Model.OutputNames[o]),
            t.Shape, oneHot: losses[o].Name == "categorical_crossentropy")).ToList();
        return (inputs, labels);
    }

    /// <summary>The vocabulary size of the Embedding an int input feeds, if any.</summary>
    private int? EmbeddingLimit(SymbolicTensor input) =>
        Model.Nodes.Where(n => n.Inputs.Contains(input) && n.Layer is Embedding).Select(n => (int?)((Embedding)n.Layer).InputDim).FirstOrDefault();

    private DataViewSchema.Column RequireColumn(DataViewSchema schema, string column, string role, string target) =>
        schema.GetColumnOrNull(column) ?? throw new ArgumentOutOfRangeException(nameof(schema),
            $"Model {role} '{target}' of '{Model.Name}' reads column '{column}', which the data does not have. Columns: [{string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => c.Name))}]."
            + (role == "input" ? " Map it with FunctionalDnnOptions.InputColumns." : " Name it with FunctionalDnnOptions.LabelColumns or LabelColumnName."));

    /// <summary>The predicted-label column of an output: the configured name when only one output is trained on keys, otherwise "&lt;output column&gt;_PredictedLabel".</summary>
    private string PredictedLabelColumn(string outputColumn, int keyedOutputs) =>
        keyedOutputs == 1 ? Options.PredictedLabelColumnName : $"{outputColumn}_PredictedLabel";

    /// <summary>Each output's column, and for key labels the predicted-label column with the label's key values.</summary>
    private List<OutputColumn> Outputs(DataViewSchema schema)
    {
        int keyed = Model.OutputNames.Count(o => schema.GetColumnOrNull(LabelColumn(o)) is { Type: KeyDataViewType });
        return [.. Model.OutputNames.Select((o, i) =>
        {
            string column = Options.OutputColumns.TryGetValue(o, out var c) ? c : o;
            var label = schema.GetColumnOrNull(LabelColumn(o));
            if (label is not { Type: KeyDataViewType } key) return new OutputColumn(o, column, null, null);
            var (itemType, values) = Transforms.KeyValues.Read(key);
            return new OutputColumn(o, column, PredictedLabelColumn(column, keyed), (itemType, values));
        })];
    }

    /// <summary>Checks the input columns (existence, type, size) and label columns, and adds the output columns.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var columns = inputSchema.ToList();
        foreach (var (name, i) in Model.InputNames.Select((n, i) => (n, i)))
        {
            string column = InputColumn(name);
            if (!inputSchema.TryFindColumn(column, out var c))
                throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Model input '{name}' of '{Model.Name}' reads column '{column}', which the data does not have. Columns: [{string.Join(", ", inputSchema.Select(x => x.Name))}]. Map it with FunctionalDnnOptions.InputColumns.");
            if (c.ItemType is TextDataViewType)
                throw new ArgumentException($"Column '{column}' for model input '{name}' holds text, where numbers are expected: turn it into token ids first (mlContext.Transforms.TextToSequence).");
        }
        int keyed = Model.OutputNames.Count(o => inputSchema.TryFindColumn(LabelColumn(o), out var l) && l.IsKey);
        foreach (var output in Model.OutputNames)
        {
            string label = LabelColumn(output);
            if (!inputSchema.TryFindColumn(label, out var c))
                throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Model output '{output}' of '{Model.Name}' trains on label column '{label}', which the data does not have. Columns: [{string.Join(", ", inputSchema.Select(x => x.Name))}].");
            if (c.ItemType is TextDataViewType)
                throw new ArgumentException($"Label column '{label}' for model output '{output}' holds text: map it to a key first (mlContext.Transforms.Conversion.MapValueToKey(\"{label}\")).");
            string column = Options.OutputColumns.TryGetValue(output, out var oc) ? oc : output;
            columns.Add(new SchemaShape.Column(column, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, false));
            if (c.IsKey) columns.Add(new SchemaShape.Column(PredictedLabelColumn(column, keyed), SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.UInt32, true, c.Annotations));
        }
        return new SchemaShape(columns);
    }
}

/// <summary>The <c>mlContext.FunctionalDnn()</c> catalog.</summary>
public sealed class FunctionalDnnCatalog
{
    internal FunctionalDnnCatalog(MLContext context) => Context = context;

    internal MLContext Context { get; }

    /// <summary>Trains <paramref name="model"/> with the columns named like its inputs and the label column <paramref name="labelColumnName"/> (single-output models).</summary>
    public FunctionalDnnEstimator Trainer(Model model, string labelColumnName = "Label", int epochs = 10, int batchSize = 32) =>
        new(model, new FunctionalDnnOptions { LabelColumnName = labelColumnName, Epochs = epochs, BatchSize = batchSize, Seed = Context.Seed });

    /// <summary>Trains <paramref name="model"/> with the given column mapping and training options.</summary>
    public FunctionalDnnEstimator Trainer(Model model, FunctionalDnnOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Seed ??= Context.Seed;
        return new(model, options);
    }
}

/// <summary>Adds <c>FunctionalDnn()</c> to <see cref="MLContext"/>.</summary>
public static class FunctionalDnnCatalogExtensions
{
    /// <summary>Functional deep-learning models as ML.NET estimators.</summary>
    public static FunctionalDnnCatalog FunctionalDnn(this MLContext mlContext)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return new FunctionalDnnCatalog(mlContext);
    }
}
