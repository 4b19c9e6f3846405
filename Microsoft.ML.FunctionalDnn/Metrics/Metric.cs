using Microsoft.ML.FunctionalDnn.Backends;
using Microsoft.ML.FunctionalDnn.Losses;

namespace Microsoft.ML.FunctionalDnn.Metrics;

/// <summary>
/// A stateful metric, as Keras's: <see cref="Update"/> accumulates batches, <see cref="Result"/>
/// reads the value so far, <see cref="Reset"/> starts over (Fit resets at every epoch). The
/// built-in metrics keep their state in tensors updated with ops, so a batch's predictions never
/// leave the backend; only <see cref="Result"/> reads the state on the host.
/// </summary>
public abstract class Metric
{
    /// <summary>The name in logs (<c>accuracy</c>, <c>val_accuracy</c>, <c>&lt;output&gt;_accuracy</c>).</summary>
    public abstract string Name { get; }

    /// <summary>Adds a batch; <paramref name="sampleWeight"/> (batch,) weighs samples when given.</summary>
    public abstract void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null);

    /// <summary>The value over everything since the last reset.</summary>
    public abstract float Result();

    /// <summary>Forgets everything accumulated.</summary>
    public abstract void Reset();

    /// <summary>A non-trainable variable of zeros holding part of a metric's state (Keras's <c>add_variable</c>).</summary>
    private protected static Tensor StateVariable(Shape shape)
    {
        // The zeros are a temporary; the variable is a copy that outlives the scope.
        using (TensorScope.Begin())
            return Backend.Current.CreateVariable(Tensor.Zeros(shape), trainable: false);
    }

    /// <summary>
    /// Sample weights spread over <paramref name="values"/>: one per value, or one per sample
    /// (batch,) repeated over the sample's values, as Keras broadcasts them.
    /// </summary>
    private protected Tensor WeightsFor(Tensor values, Tensor sampleWeight)
    {
        if (sampleWeight.Size == values.Size) return sampleWeight.Reshape(values.Shape.ToArray());
        if (values.Rank > 1 && sampleWeight.Size == values.Shape[0])
        {
            var perSample = sampleWeight.Reshape([values.Shape[0], .. Enumerable.Repeat(1, values.Rank - 1)]);
            return Ops.BroadcastTo(perSample, values.Shape);
        }
        throw new ArgumentException($"Metric '{Name}': sample weights must have one value per sample ({(values.Rank == 0 ? 1 : values.Shape[0])}); received {sampleWeight.Shape}.", nameof(sampleWeight));
    }

    /// <summary>
    /// The metric for Keras name <paramref name="name"/>. <c>accuracy</c>/<c>acc</c> resolve as
    /// Keras does from the loss and shapes: binary when predictions have one value per sample or
    /// the loss is binary crossentropy, sparse categorical when the loss is sparse or targets are
    /// integer labels, categorical otherwise.
    /// </summary>
    public static Metric FromName(string name, Loss? loss = null, TensorShape? predictionShape = null, DType targetType = DType.Float32) => name switch
    {
        "accuracy" or "acc" => ResolveAccuracy(name, loss, predictionShape, targetType),
        "binary_accuracy" => new BinaryAccuracy(),
        "categorical_accuracy" => new CategoricalAccuracy(),
        "sparse_categorical_accuracy" => new SparseCategoricalAccuracy(),
        "top_k_categorical_accuracy" => new TopKCategoricalAccuracy(),
        "mse" or "mean_squared_error" => new MeanMetric(name, (y, p) => new MeanSquaredError().PerSample(y, p)),
        "mae" or "mean_absolute_error" => new MeanMetric(name, (y, p) => new MeanAbsoluteError().PerSample(y, p)),
        "rmse" or "root_mean_squared_error" => new RootMeanSquaredError(name),
        "auc" => new Auc(),
        "precision" => new Precision(),
        "recall" => new Recall(),
        _ => throw new ArgumentException($"Unknown metric '{name}'. Known: accuracy, acc, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy, top_k_categorical_accuracy, mse, mae, rmse, auc, precision, recall.", nameof(name)),
    };

    private static Metric ResolveAccuracy(string name, Loss? loss, TensorShape? shape, DType targetType)
    {
        if (loss is BinaryCrossentropy || shape?[-1] == 1) return new BinaryAccuracy(name);
        if (loss is SparseCategoricalCrossentropy || targetType == DType.Int32) return new SparseCategoricalAccuracy(name);
        return new CategoricalAccuracy(name);
    }
}
