namespace Microsoft.ML.FunctionalDnn;

/// <summary>The <c>mlContext.FunctionalDnn()</c> catalog: the estimator, and saving and loading pipelines that hold it.</summary>
public sealed class FunctionalDnnCatalog
{
    private readonly MLContext _context;

    internal FunctionalDnnCatalog(MLContext context) => _context = context;

    // Catalog methods are instance methods, as in ML.NET's catalogs (mlContext.Regression.Trainers.Sdca …).
#pragma warning disable CA1822
    /// <summary>Trains <paramref name="model"/> with the columns named like its inputs and the label column <paramref name="labelColumnName"/> (single-output models).</summary>
    public FunctionalDnnEstimator Trainer(Model model, string labelColumnName = "Label", int epochs = 10, int batchSize = 32) =>
        new(model, new FunctionalDnnOptions { LabelColumnName = labelColumnName, Epochs = epochs, BatchSize = batchSize });

    /// <summary>Trains <paramref name="model"/> with the given column mapping and training options.</summary>
    public FunctionalDnnEstimator Trainer(Model model, FunctionalDnnOptions options) => new(model, options);
#pragma warning restore CA1822

    /// <summary>
    /// Saves a fitted pipeline (or one transformer) and its input schema to one zip, as
    /// <c>mlContext.Model.Save</c> does, written to a temporary file and moved into place so that an
    /// earlier file at <paramref name="path"/> survives a failed save.
    /// </summary>
    public void Save(ITransformer model, DataViewSchema inputSchema, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        string temporary = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            _context.Model.Save(model, inputSchema, temporary);
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    /// <summary>Loads a pipeline saved by <see cref="Save"/> or by <c>mlContext.Model.Save</c>, with its FunctionalDnn transformers.</summary>
    /// <exception cref="InvalidDataException">The network in the file is damaged.</exception>
    public ITransformer Load(string path, out DataViewSchema inputSchema)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        DataViewSchema? schema = null;
        var model = PipelineSaving.Load(_context, () => _context.Model.Load(path, out schema), path);
        inputSchema = schema!;
        return model;
    }

    /// <summary>Loads a pipeline from a stream (see <see cref="Load(string, out DataViewSchema)"/>).</summary>
    public ITransformer Load(Stream stream, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(stream);
        DataViewSchema? schema = null;
        var model = PipelineSaving.Load(_context, () => _context.Model.Load(stream, out schema), "the model stream");
        inputSchema = schema!;
        return model;
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
