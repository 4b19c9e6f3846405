using Microsoft.ML.Data;

namespace Microsoft.ML;

/// <summary>Text files as data views (ML.NET's TextLoaderSaverCatalog).</summary>
public static class TextLoaderSaverCatalog
{
    /// <summary>The rows of a delimited text file (tab-separated by default), a column per member of <typeparamref name="TInput"/> with [LoadColumn].</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static IDataView LoadFromTextFile<TInput>(this DataOperationsCatalog catalog, string path, char separatorChar = '\t', bool hasHeader = false,
        bool allowQuoting = false, bool trimWhitespace = false, bool allowSparse = false)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(path);
        if (allowSparse) throw new NotSupportedException("Sparse text input is not supported by this shim.");
        return new TextFileDataView(typeof(TInput), path, separatorChar, hasHeader, allowQuoting, trimWhitespace);
    }
}
