namespace Microsoft.ML;

/// <summary>Saving and loading models (ML.NET's ModelOperationsCatalog).</summary>
public sealed class ModelOperationsCatalog
{
    internal ModelOperationsCatalog(MLContext context) => Context = context;

    internal MLContext Context { get; }
}
