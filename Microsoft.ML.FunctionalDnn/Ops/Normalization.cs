using Microsoft.ML.FunctionalDnn.Backends;

namespace Microsoft.ML.FunctionalDnn;

public static partial class Ops
{
    /// <summary>
    /// Batch normalization with the batch's own statistics (training): every channel (last axis)
    /// is normalized by the mean and biased variance over all other axes, then scaled by
    /// <paramref name="gamma"/> and shifted by <paramref name="beta"/> (either may be null).
    /// The statistics are returned for the layer's moving averages; they carry no gradient.
    /// </summary>
    public static Tensor BatchNormTraining(Tensor x, Tensor? gamma, Tensor? beta, float epsilon,
        out Tensor batchMean, out Tensor batchVariance) => Backend.Current.BatchNormTraining(x, gamma, beta, epsilon, out batchMean, out batchVariance);

    /// <summary>
    /// Batch normalization with the moments of the kept positions only (training with a Keras mask):
    /// per channel (last axis), mean = Σ k·x / (Σ k + 10⁻⁷) and variance = Σ k·(x - mean)² / (Σ k + 10⁻⁷)
    /// over all other axes, k = 1 where <paramref name="keep"/> (broadcast to x) is non-zero, as Keras 3's
    /// masked <c>BatchNormalization._moments</c>. Every position, masked or not, is then normalized with
    /// those moments. Composed from differentiable ops, so masked positions reach the moments' gradient
    /// through nothing. The statistics are returned for the moving averages.
    /// </summary>
    public static Tensor BatchNormTraining(Tensor x, Tensor keep, Tensor? gamma, Tensor? beta, float epsilon,
        out Tensor batchMean, out Tensor batchVariance)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(keep);
        OpChecks.RequireFloat(x, nameof(BatchNormTraining));
        int c = x.Shape[-1];
        OpChecks.CheckChannels(gamma, c, nameof(gamma), x);
        OpChecks.CheckChannels(beta, c, nameof(beta), x);
        var axes = Enumerable.Range(0, x.Rank - 1).ToArray();
        // Any non-zero keep value keeps a position; no gradient flows into keep.
        var k = BroadcastTo(Backend.Current.NotEqualZero(keep), x.Shape);
        var count = Add(Sum(k, axes, keepDims: false), Tensor.Scalar(1e-7f));
        var mean = Divide(Sum(Multiply(x, k), axes, keepDims: false), count);
        var centered = Subtract(x, mean);
        var variance = Divide(Sum(Square(Multiply(centered, k)), axes, keepDims: false), count);
        batchMean = mean;
        batchVariance = variance;
        var scale = Divide(gamma ?? Tensor.Ones(new Shape(c)), Sqrt(Add(variance, Tensor.Scalar(epsilon))));
        var y = Multiply(centered, scale);
        return beta is null ? y : Add(y, beta);
    }

    /// <summary>
    /// Batch normalization with given statistics (inference): (x - mean) / √(variance + ε) · γ + β
    /// per channel, composed from differentiable ops.
    /// </summary>
    public static Tensor BatchNormInference(Tensor x, Tensor mean, Tensor variance, Tensor? gamma, Tensor? beta, float epsilon)
    {
        ArgumentNullException.ThrowIfNull(x);
        int c = x.Shape[-1];
        OpChecks.CheckChannels(mean, c, nameof(mean), x);
        OpChecks.CheckChannels(variance, c, nameof(variance), x);
        OpChecks.CheckChannels(gamma, c, nameof(gamma), x);
        OpChecks.CheckChannels(beta, c, nameof(beta), x);
        var scale = Divide(gamma ?? Tensor.Ones(new Shape(c)), Sqrt(Add(variance, Tensor.Scalar(epsilon))));
        var y = Multiply(Subtract(x, mean), scale);
        return beta is null ? y : Add(y, beta);
    }

    /// <summary>
    /// Layer normalization over the last axis: each row is normalized by its own mean and biased
    /// variance, then scaled by <paramref name="gamma"/> and shifted by <paramref name="beta"/>
    /// (per feature; either may be null).
    /// </summary>
    public static Tensor LayerNorm(Tensor x, Tensor? gamma, Tensor? beta, float epsilon = 1e-3f) => Backend.Current.LayerNorm(x, gamma, beta, epsilon);

    /// <summary>
    /// Inverted dropout: each element is zeroed with probability <paramref name="rate"/> and the
    /// survivors are scaled by 1 / (1 - rate), so the expected value is unchanged; the mask comes
    /// from <paramref name="random"/>. Returns <paramref name="x"/> unchanged when rate is 0.
    /// </summary>
    public static Tensor Dropout(Tensor x, float rate, RandomGenerator random)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(random);
        if (!(rate >= 0 && rate < 1)) throw new ArgumentOutOfRangeException(nameof(rate), $"Dropout rate must be in [0, 1); received {rate}.");
        if (rate == 0) return x;
        // The mask is drawn on the host, so the same seed drops the same elements on every backend.
        var m = System.Buffers.ArrayPool<float>.Shared.Rent(x.Size);
        try
        {
            float keep = 1f / (1 - rate);
            for (int i = 0; i < x.Size; i++) m[i] = random.NextFloat() >= rate ? keep : 0f;
            return Multiply(x, Backend.Current.FromHostTemporary(m.AsSpan(0, x.Size), x.Shape));
        }
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(m);
        }
    }
}
