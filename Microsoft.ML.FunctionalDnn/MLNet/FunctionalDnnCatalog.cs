using Microsoft.ML.FunctionalDnn.Transforms;

namespace Microsoft.ML;

/// <summary>The <c>mlContext.FunctionalDnn()</c> catalog: the estimator, and saving and loading pipelines that hold it.</summary>
public sealed class FunctionalDnnCatalog
{
    private readonly MLContext _context;

    internal FunctionalDnnCatalog(MLContext context) => _context = context;

    /// <summary>The context the catalog builds in (for extension packages' catalog methods).</summary>
    internal MLContext Context => _context;

    // Catalog methods are instance methods, as in ML.NET's catalogs (mlContext.Regression.Trainers.Sdca …).
#pragma warning disable CA1822
    /// <summary>Trains <paramref name="model"/> with the columns named like its inputs and the label column <paramref name="labelColumnName"/> (single-output models).</summary>
    public FunctionalDnnEstimator Trainer(FunctionalDnn.Model model, string labelColumnName = "Label", int epochs = 10, int batchSize = 32) =>
        new(model, new FunctionalDnnOptions { LabelColumnName = labelColumnName, Epochs = epochs, BatchSize = batchSize });

    /// <summary>Trains <paramref name="model"/> with the given column mapping and training options.</summary>
    public FunctionalDnnEstimator Trainer(FunctionalDnn.Model model, FunctionalDnnOptions options) => new(model, options);
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
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The file is not an ML.NET model zip, or it (or the network in it) is damaged; the message names the file and the inner exception holds ML.NET's own error.</exception>
    public ITransformer Load(string path, out DataViewSchema inputSchema)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"There is no model file at '{path}'.", path);
        DataViewSchema? schema = null;
        var model = Damaged(path, () => PipelineSaving.Load(_context, () => _context.Model.Load(path, out schema), path));
        inputSchema = schema!;
        return model;
    }

    /// <summary>Loads a pipeline from a stream (see <see cref="Load(string, out DataViewSchema)"/>).</summary>
    /// <exception cref="InvalidDataException">The stream does not hold an ML.NET model zip, or it is damaged.</exception>
    public ITransformer Load(Stream stream, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(stream);
        DataViewSchema? schema = null;
        var model = Damaged("the model stream", () => PipelineSaving.Load(_context, () => _context.Model.Load(stream, out schema), "the model stream"));
        inputSchema = schema!;
        return model;
    }

    /// <summary>ML.NET's errors for a damaged zip (wrapped in TargetInvocationExceptions, or an EndOfStream, a FormatException …) as one error naming the source.</summary>
    private static ITransformer Damaged(string source, Func<ITransformer> load)
    {
        try
        {
            return load();
        }
        catch (Exception e) when (e is not (InvalidDataException or OutOfMemoryException or OperationCanceledException) || e is InvalidDataException && !e.Message.StartsWith(source, StringComparison.Ordinal))
        {
            var inner = e;
            while (inner.InnerException is not null) inner = inner.InnerException;
            throw new InvalidDataException($"{source} is not a loadable ML.NET model, or it is damaged: {inner.Message}", e);
        }
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
