using Microsoft.ML.FunctionalDnn.Saving;

namespace Microsoft.ML.FunctionalDnn.Losses;

/// <summary>
/// A loss as Keras computes it: a value per sample (reduced over the last axis), weighted by the
/// sample weights when given, summed and divided by the batch size (Keras's
/// <c>sum_over_batch_size</c>). The static members and Keras names (<c>"mse"</c>,
/// <c>"categorical_crossentropy"</c> …, converted implicitly) give the built-in losses.
/// </summary>
public abstract class Loss
{
    /// <summary>Keras's name, used in logs (<c>loss</c> is the total; per-output losses are <c>&lt;output&gt;_loss</c>).</summary>
    public abstract string Name { get; }

    /// <summary>The loss of each sample: shape (batch,).</summary>
    public abstract Tensor PerSample(Tensor yTrue, Tensor yPred);

    /// <summary>The scalar loss of a batch, each sample weighted by <paramref name="sampleWeight"/> (batch,) when given.</summary>
    public Tensor Compute(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null)
    {
        ArgumentNullException.ThrowIfNull(yTrue);
        ArgumentNullException.ThrowIfNull(yPred);
        var perSample = PerSample(yTrue, yPred);
        int batch = yPred.Shape[0];
        if (sampleWeight is not null)
        {
            if (sampleWeight.Size != batch)
                throw new ArgumentException($"Loss '{Name}': sample weights must have one value per sample ({batch}); received {sampleWeight.Shape}.", nameof(sampleWeight));
            perSample = Ops.Multiply(perSample, sampleWeight.Reshape(batch));
        }
        // Keras's sum over the batch size is the mean over the samples (one op; the managed
        // engine's mean is this same sum times 1/n); an empty batch sums to 0.
        return batch == 0 ? Ops.Sum(perSample) : Ops.Mean(perSample);
    }

    /// <summary>Probabilities are clipped to [ε, 1-ε] with Keras's ε = 1e-7 before logarithms.</summary>
    internal const float Epsilon = 1e-7f;

    /// <summary>Checks that targets and predictions have the same shape.</summary>
    private protected void RequireSameShape(Tensor yTrue, Tensor yPred)
    {
        if (yTrue.Shape != yPred.Shape)
            throw new ArgumentException($"Loss '{Name}': targets of shape {yTrue.Shape} do not match predictions of shape {yPred.Shape}.");
    }

    /// <summary>Targets as float32 (int labels converted).</summary>
    internal static Tensor AsFloat(Tensor t) => t.DType == DType.Float32 ? t : Ops.Cast(t, DType.Float32);

    /// <summary>Mean over the last axis: (batch, …, d) → (batch, …); then over any axes in between, to one value per sample.</summary>
    internal static Tensor PerSampleMean(Tensor values) =>
        values.Rank <= 1 ? values : Ops.Mean(values, [.. Enumerable.Range(1, values.Rank - 1)]);

    /// <summary>Sum over the last axis, then mean over the axes in between: one value per sample.</summary>
    private protected static Tensor PerSampleSumLast(Tensor values)
    {
        var summed = Ops.Sum(values, -1);
        return summed.Rank <= 1 ? summed : Ops.Mean(summed, [.. Enumerable.Range(1, summed.Rank - 1)]);
    }

    /// <summary>The loss's name and arguments under Keras's keys, for saving a compiled model; null for a custom function.</summary>
    internal virtual Dictionary<string, object?>? GetConfig() => new() { ["name"] = Name };

    /// <summary>Recreates a built-in loss saved with <see cref="GetConfig"/>.</summary>
    internal static Loss FromConfig(ConfigReader c)
    {
        string name = c.String("name");
        bool logits = c.Has("from_logits") && c.Bool("from_logits");
        return name switch
        {
            "categorical_crossentropy" => new CategoricalCrossentropy(logits, c.Has("label_smoothing") ? c.Float("label_smoothing") : 0),
            "sparse_categorical_crossentropy" => new SparseCategoricalCrossentropy(logits),
            "binary_crossentropy" => new BinaryCrossentropy(logits),
            "huber" => new Huber(c.Has("delta") ? c.Float("delta") : 1),
            _ => FromName(name),
        };
    }

    /// <summary>A loss from a function of (targets, predictions) returning per-sample values (batch,) or a scalar.</summary>
    public static Loss FromFunction(string name, Func<Tensor, Tensor, Tensor> function) => new FunctionLoss(name, function);

    /// <summary>The built-in loss with Keras name <paramref name="name"/> (or its short alias).</summary>
    /// <exception cref="ArgumentException">An unknown name; the message lists the known ones.</exception>
    public static Loss FromName(string name) => name switch
    {
        "mse" or "mean_squared_error" => new MeanSquaredError(),
        "mae" or "mean_absolute_error" => new MeanAbsoluteError(),
        "mape" or "mean_absolute_percentage_error" => new MeanAbsolutePercentageError(),
        "huber" => new Huber(),
        "log_cosh" or "logcosh" => new LogCosh(),
        "categorical_crossentropy" => new CategoricalCrossentropy(),
        "sparse_categorical_crossentropy" => new SparseCategoricalCrossentropy(),
        "binary_crossentropy" => new BinaryCrossentropy(),
        "kl_divergence" or "kld" or "kullback_leibler_divergence" => new KLDivergence(),
        "poisson" => new Poisson(),
        "cosine_similarity" => new CosineSimilarity(),
        "hinge" => new Hinge(),
        _ => throw new ArgumentException($"Unknown loss '{name}'. Known: mse, mae, mape, huber, log_cosh, categorical_crossentropy, sparse_categorical_crossentropy, binary_crossentropy, kl_divergence, poisson, cosine_similarity, hinge.", nameof(name)),
    };

    /// <summary>Converts a Keras loss name.</summary>
    public static implicit operator Loss(string name) => FromName(name);

    private sealed class FunctionLoss(string name, Func<Tensor, Tensor, Tensor> function) : Loss
    {
        public override string Name => name;

        internal override Dictionary<string, object?>? GetConfig() => null;

        public override Tensor PerSample(Tensor yTrue, Tensor yPred)
        {
            var v = function(yTrue, yPred);
            return v.Rank == 0 ? Ops.BroadcastTo(v, new Shape(yPred.Shape[0])) : PerSampleMean(v);
        }
    }
}
