using Microsoft.ML.FunctionalDnn.Losses;

namespace Microsoft.ML.FunctionalDnn.Metrics;

/// <summary>
/// Counts of true/false positives and negatives at fixed thresholds: the state of precision,
/// recall and Auc. As Keras's confusion-matrix metrics, the counts are four float32 vectors (one
/// entry per threshold) added to with <see cref="Tensor.AssignAdd"/>; a target is positive above 0.5,
/// a prediction above the threshold.
/// </summary>
public abstract class ConfusionMetric(float[] thresholds) : Metric
{
    /// <summary>Predictions compared at once; each holds a (rows, thresholds) matrix per comparison, so a huge batch is taken in slices.</summary>
    private const int RowsPerSlice = 4096;

    private readonly Tensor _thresholds = Tensor.FromArray(thresholds, new Shape(1, thresholds.Length));
    private readonly Tensor _tp = StateVariable(new Shape(thresholds.Length)), _fp = StateVariable(new Shape(thresholds.Length));
    private readonly Tensor _tn = StateVariable(new Shape(thresholds.Length)), _fn = StateVariable(new Shape(thresholds.Length));

    private protected IReadOnlyList<float> Thresholds => thresholds;

    /// <summary>The counts at every threshold, copied to the host.</summary>
    private protected (float[] Tp, float[] Fp, float[] Tn, float[] Fn) Counts() => (_tp.ToArray(), _fp.ToArray(), _tn.ToArray(), _fn.ToArray());

    /// <summary>a / (a + b) in double, 0 when both are 0: precision from TP and FP, recall from TP and FN.</summary>
    private protected static float Fraction(float a, float b) => a + (double)b == 0 ? 0 : (float)(a / (a + (double)b));

    /// <inheritdoc/>
    public override void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null)
    {
        ArgumentNullException.ThrowIfNull(yTrue);
        ArgumentNullException.ThrowIfNull(yPred);
        if (yTrue.Size != yPred.Size) throw new ArgumentException($"Metric '{Name}': targets {yTrue.Shape} and predictions {yPred.Shape} differ in size.");
        using (GradMode.NoGrad())
        {
            int n = yPred.Size;
            var predictions = yPred.Reshape(n, 1);
            var positive = Ops.Greater(Loss.AsFloat(yTrue).Reshape(n, 1), Tensor.Scalar(0.5f));
            var negative = Ops.Subtract(Tensor.Scalar(1), positive);
            if (sampleWeight is not null)
            {
                var weights = WeightsFor(yPred, sampleWeight).Reshape(n, 1);
                positive = Ops.Multiply(positive, weights);
                negative = Ops.Multiply(negative, weights);
            }
            for (int start = 0; start < n; start += RowsPerSlice)
            {
                int rows = Math.Min(RowsPerSlice, n - start);
                Count(Ops.Slice(predictions, 0, start, rows), Ops.Slice(positive, 0, start, rows), Ops.Slice(negative, 0, start, rows));
            }
        }
    }

    /// <summary>Adds one slice: (rows, 1) predictions against (1, thresholds), summed over the rows with each row's positive and negative weight.</summary>
    private void Count(Tensor predictions, Tensor positive, Tensor negative)
    {
        var above = Ops.Greater(predictions, _thresholds);
        var notAbove = Ops.Subtract(Tensor.Scalar(1), above);
        _tp.AssignAdd(Ops.Sum(Ops.Multiply(above, positive), 0));
        _fp.AssignAdd(Ops.Sum(Ops.Multiply(above, negative), 0));
        _fn.AssignAdd(Ops.Sum(Ops.Multiply(notAbove, positive), 0));
        _tn.AssignAdd(Ops.Sum(Ops.Multiply(notAbove, negative), 0));
    }

    /// <inheritdoc/>
    public override void Reset()
    {
        using var scope = TensorScope.Begin();
        var zero = Tensor.Scalar(0);
        _tp.Assign(zero);
        _fp.Assign(zero);
        _tn.Assign(zero);
        _fn.Assign(zero);
    }
}
