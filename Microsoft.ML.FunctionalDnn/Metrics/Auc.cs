namespace Microsoft.ML.FunctionalDnn.Metrics;

/// <summary>
/// Area under the ROC curve, as Keras's Auc: confusion counts at <paramref name="numThresholds"/>
/// evenly spaced thresholds in [0, 1] (the end points nudged by 1e-7), trapezoids between them.
/// </summary>
public sealed class Auc(int numThresholds = 200, string name = "auc") : ConfusionMetric(MakeThresholds(numThresholds))
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
        var (tp, fp, tn, fn) = Counts();
        double area = 0;
        for (int i = 0; i < Thresholds.Count - 1; i++)
        {
            double tpr0 = tp[i] / Math.Max((double)tp[i] + fn[i], 1e-7), fpr0 = fp[i] / Math.Max((double)fp[i] + tn[i], 1e-7);
            double tpr1 = tp[i + 1] / Math.Max((double)tp[i + 1] + fn[i + 1], 1e-7), fpr1 = fp[i + 1] / Math.Max((double)fp[i + 1] + tn[i + 1], 1e-7);
            area += (fpr0 - fpr1) * (tpr0 + tpr1) / 2;
        }
        return (float)area;
    }
}
