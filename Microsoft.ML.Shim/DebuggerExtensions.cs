using Microsoft.ML.Data;

namespace Microsoft.ML;

/// <summary>Previews of data (ML.NET's DebuggerExtensions).</summary>
public static class DebuggerExtensions
{
    /// <summary>The first <paramref name="maxRows"/> rows of <paramref name="data"/>.</summary>
    public static DataDebuggerPreview Preview(this IDataView data, int maxRows = 100)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegative(maxRows);
        return new DataDebuggerPreview(data, maxRows);
    }

    /// <summary>The first rows of <paramref name="data"/> after <paramref name="transformer"/>.</summary>
    public static DataDebuggerPreview Preview(this ITransformer transformer, IDataView data, int maxRows = 100)
    {
        ArgumentNullException.ThrowIfNull(transformer);
        return transformer.Transform(data).Preview(maxRows);
    }
}
