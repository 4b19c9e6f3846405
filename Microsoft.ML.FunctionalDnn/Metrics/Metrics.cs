namespace Microsoft.ML.FunctionalDnn;

/// <summary>Fraction of predictions on the right side of <paramref name="threshold"/> (targets 0/1).</summary>
public sealed class BinaryAccuracy(string name = "binary_accuracy", float threshold = 0.5f) : MeanMetric(name, (y, p) =>
{
    var t = y.DType == DType.Float32 ? y.ToArray() : y.ToIntArray().Select(v => (float)v).ToArray();
    var q = p.ToArray();
    if (t.Length != q.Length) throw new ArgumentException($"Metric '{name}': targets {y.Shape} and predictions {p.Shape} differ in size.");
    int perSample = q.Length / p.Shape[0];
    var result = new float[p.Shape[0]];
    for (int i = 0; i < q.Length; i++) result[i / perSample] += ((q[i] > threshold ? 1 : 0) == (t[i] > threshold ? 1 : 0) ? 1f : 0f) / perSample;
    return Tensor.FromArray(result);
});

/// <summary>Fraction of samples whose highest prediction is the class of the one-hot target.</summary>
public sealed class CategoricalAccuracy(string name = "categorical_accuracy") : MeanMetric(name, (y, p) =>
{
    if (y.Shape != p.Shape) throw new ArgumentException($"Metric '{name}': one-hot targets {y.Shape} do not match predictions {p.Shape}.");
    var truth = Ops.ArgMax(y.DType == DType.Float32 ? y : Ops.Cast(y, DType.Float32)).ToIntArray();
    var guess = Ops.ArgMax(p).ToIntArray();
    return Tensor.FromArray(truth.Zip(guess, (a, b) => a == b ? 1f : 0f).ToArray());
});

/// <summary>Fraction of samples whose highest prediction is the integer label.</summary>
public sealed class SparseCategoricalAccuracy(string name = "sparse_categorical_accuracy") : MeanMetric(name, (y, p) =>
{
    var labels = y.DType == DType.Int32 ? y.ToIntArray() : y.ToArray().Select(v => (int)v).ToArray();
    var guess = Ops.ArgMax(p).ToIntArray();
    if (labels.Length != guess.Length) throw new ArgumentException($"Metric '{name}': expected one label per sample ({guess.Length}); received {y.Shape}.");
    return Tensor.FromArray(labels.Zip(guess, (a, b) => a == b ? 1f : 0f).ToArray());
});

/// <summary>Fraction of samples whose target class is among the <paramref name="k"/> highest predictions.</summary>
public sealed class TopKCategoricalAccuracy(int k = 5, string name = "top_k_categorical_accuracy") : MeanMetric(name, (y, p) =>
{
    int classes = p.Shape[-1], n = p.Size / classes;
    var truth = Ops.ArgMax(y.DType == DType.Float32 ? y : Ops.Cast(y, DType.Float32)).ToIntArray();
    var q = p.ToArray();
    var result = new float[n];
    for (int i = 0; i < n; i++)
    {
        float target = q[i * classes + truth[i]];
        int higher = 0;
        for (int c = 0; c < classes; c++) if (q[i * classes + c] > target) higher++;
        result[i] = higher < k ? 1 : 0;
    }
    return Tensor.FromArray(result);
});

/// <summary>√(mean squared error) over everything seen.</summary>
public sealed class RootMeanSquaredError(string name = "root_mean_squared_error") : Metric
{
    private readonly MeanMetric _mse = new("mse", (y, p) => new MeanSquaredError().PerSample(y, p));

    /// <inheritdoc/>
    public override string Name => name;

    /// <inheritdoc/>
    public override void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null) => _mse.Update(yTrue, yPred, sampleWeight);

    /// <inheritdoc/>
    public override float Result() => MathF.Sqrt(_mse.Result());

    /// <inheritdoc/>
    public override void Reset() => _mse.Reset();
}

/// <summary>Counts of true/false positives and negatives at fixed thresholds: the state of precision, recall and AUC.</summary>
public abstract class ConfusionMetric(float[] thresholds) : Metric
{
    private readonly double[] _tp = new double[thresholds.Length], _fp = new double[thresholds.Length], _tn = new double[thresholds.Length], _fn = new double[thresholds.Length];

    private protected IReadOnlyList<float> Thresholds => thresholds;

    private protected (double Tp, double Fp, double Tn, double Fn) Counts(int i) => (_tp[i], _fp[i], _tn[i], _fn[i]);

    /// <inheritdoc/>
    public override void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null)
    {
        ArgumentNullException.ThrowIfNull(yTrue);
        ArgumentNullException.ThrowIfNull(yPred);
        var t = yTrue.DType == DType.Float32 ? yTrue.ToArray() : yTrue.ToIntArray().Select(v => (float)v).ToArray();
        var p = yPred.ToArray();
        if (t.Length != p.Length) throw new ArgumentException($"Metric '{Name}': targets {yTrue.Shape} and predictions {yPred.Shape} differ in size.");
        var w = sampleWeight?.ToArray();
        int perSample = p.Length / Math.Max(1, yPred.Shape[0]);
        for (int i = 0; i < p.Length; i++)
        {
            double weight = w is null ? 1 : w[i / perSample];
            bool positive = t[i] > 0.5f;
            for (int k = 0; k < thresholds.Length; k++)
            {
                bool predicted = p[i] > thresholds[k];
                if (predicted && positive) _tp[k] += weight;
                else if (predicted) _fp[k] += weight;
                else if (positive) _fn[k] += weight;
                else _tn[k] += weight;
            }
        }
    }

    /// <inheritdoc/>
    public override void Reset()
    {
        Array.Clear(_tp);
        Array.Clear(_fp);
        Array.Clear(_tn);
        Array.Clear(_fn);
    }
}

/// <summary>TP / (TP + FP) at threshold 0.5.</summary>
public sealed class Precision(float threshold = 0.5f, string name = "precision") : ConfusionMetric([threshold])
{
    /// <inheritdoc/>
    public override string Name => name;

    /// <inheritdoc/>
    public override float Result()
    {
        var (tp, fp, _, _) = Counts(0);
        return tp + fp == 0 ? 0 : (float)(tp / (tp + fp));
    }
}

/// <summary>TP / (TP + FN) at threshold 0.5.</summary>
public sealed class Recall(float threshold = 0.5f, string name = "recall") : ConfusionMetric([threshold])
{
    /// <inheritdoc/>
    public override string Name => name;

    /// <inheritdoc/>
    public override float Result()
    {
        var (tp, _, _, fn) = Counts(0);
        return tp + fn == 0 ? 0 : (float)(tp / (tp + fn));
    }
}

/// <summary>
/// Area under the ROC curve, as Keras's AUC: confusion counts at <paramref name="numThresholds"/>
/// evenly spaced thresholds in [0, 1] (the end points nudged by 1e-7), trapezoids between them.
/// </summary>
public sealed class AUC(int numThresholds = 200, string name = "auc") : ConfusionMetric(MakeThresholds(numThresholds))
{
    /// <inheritdoc/>
    public override string Name => name;

    private static float[] MakeThresholds(int n)
    {
        if (n < 2) throw new ArgumentOutOfRangeException(nameof(n), $"AUC needs at least 2 thresholds; received {n}.");
        var t = new float[n];
        for (int i = 0; i < n; i++) t[i] = (float)i / (n - 1);
        t[0] = -1e-7f;
        t[^1] = 1 + 1e-7f;
        return t;
    }

    /// <inheritdoc/>
    public override float Result()
    {
        double area = 0;
        for (int i = 0; i < Thresholds.Count - 1; i++)
        {
            var (tp0, fp0, tn0, fn0) = Counts(i);
            var (tp1, fp1, tn1, fn1) = Counts(i + 1);
            double tpr0 = tp0 / Math.Max(tp0 + fn0, 1e-7), fpr0 = fp0 / Math.Max(fp0 + tn0, 1e-7);
            double tpr1 = tp1 / Math.Max(tp1 + fn1, 1e-7), fpr1 = fp1 / Math.Max(fp1 + tn1, 1e-7);
            area += (fpr0 - fpr1) * (tpr0 + tpr1) / 2;
        }
        return (float)area;
    }
}
