using Microsoft.ML.Data;

namespace Microsoft.ML;

/// <summary>The <c>Append</c> extensions that build pipelines (ML.NET's LearningPipelineExtensions).</summary>
public static class LearningPipelineExtensions
{
    /// <summary><paramref name="start"/> followed by <paramref name="estimator"/>.</summary>
    public static EstimatorChain<TTrans> Append<TTrans>(this IEstimator<ITransformer> start, IEstimator<TTrans> estimator, TransformerScope scope = TransformerScope.Everything)
        where TTrans : class, ITransformer
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(estimator);
        return start is EstimatorChain<ITransformer> chain
            ? chain.Append(estimator, scope)
            : new EstimatorChain<ITransformer>().Append(start).Append(estimator, scope);
    }

    /// <summary><paramref name="start"/> followed by <paramref name="transformer"/>.</summary>
    public static TransformerChain<TTrans> Append<TTrans>(this ITransformer start, TTrans transformer) where TTrans : class, ITransformer
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(transformer);
        return start is TransformerChain<ITransformer> chain ? chain.Append(transformer) : new TransformerChain<TTrans>(start, transformer);
    }

    /// <summary>Marks a point to cache the data at.</summary>
    public static EstimatorChain<TTrans> AppendCacheCheckpoint<TTrans>(this IEstimator<TTrans> start, MLContext env) where TTrans : class, ITransformer =>
        new EstimatorChain<ITransformer>().Append(start).AppendCacheCheckpoint(env);
}
