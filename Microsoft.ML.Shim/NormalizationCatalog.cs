using Microsoft.ML.Transforms;

namespace Microsoft.ML;

/// <summary>Normalization of numeric columns (ML.NET's NormalizationCatalog).</summary>
public static class NormalizationCatalog
{
    /// <summary>Scales each slot by its largest absolute value (fixZero: [-1, 1], 0 stays 0) or to [0, 1] from its minimum and maximum.</summary>
    public static NormalizingEstimator NormalizeMinMax(this TransformsCatalog catalog, string outputColumnName, string? inputColumnName = null,
        long maximumExampleCount = 1_000_000_000, bool fixZero = true)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new NormalizingEstimator(outputColumnName, inputColumnName, NormalizingEstimator.Mode.MinMax, fixZero, maximumExampleCount);
    }

    /// <summary>Scales each slot to unit variance (and, without fixZero, zero mean).</summary>
    public static NormalizingEstimator NormalizeMeanVariance(this TransformsCatalog catalog, string outputColumnName, string? inputColumnName = null,
        long maximumExampleCount = 1_000_000_000, bool fixZero = true)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new NormalizingEstimator(outputColumnName, inputColumnName, NormalizingEstimator.Mode.MeanVariance, fixZero, maximumExampleCount);
    }
}
