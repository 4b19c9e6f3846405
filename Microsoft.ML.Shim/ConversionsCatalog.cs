using Microsoft.ML.Transforms;

namespace Microsoft.ML;

public sealed partial class TransformsCatalog
{
    /// <summary>Type and key conversions (ML.NET's <c>Transforms.Conversion</c>).</summary>
    public ConversionTransforms Conversion => new(Context);

    /// <summary>The conversion catalog.</summary>
    public sealed class ConversionTransforms
    {
        internal ConversionTransforms(MLContext context) => Context = context;

        internal MLContext Context { get; }
    }
}

/// <summary>Key conversions (ML.NET's ConversionsExtensionsCatalog).</summary>
public static class ConversionsExtensionsCatalog
{
    /// <summary>Maps the values of <paramref name="inputColumnName"/> (text, numbers) to keys 1…N, learned in Fit; the values are kept for MapKeyToValue.</summary>
    public static ValueToKeyMappingEstimator MapValueToKey(this TransformsCatalog.ConversionTransforms catalog, string outputColumnName, string? inputColumnName = null,
        int maximumNumberOfKeys = 1000000, KeyOrdinality keyOrdinality = KeyOrdinality.ByOccurrence)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new ValueToKeyMappingEstimator(outputColumnName, inputColumnName, maximumNumberOfKeys, keyOrdinality);
    }

    /// <summary>Maps keys back to their values.</summary>
    public static KeyToValueMappingEstimator MapKeyToValue(this TransformsCatalog.ConversionTransforms catalog, string outputColumnName, string? inputColumnName = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new KeyToValueMappingEstimator(outputColumnName, inputColumnName);
    }
}
