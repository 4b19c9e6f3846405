using Microsoft.ML.FunctionalDnn.Losses;
using Microsoft.ML.FunctionalDnn.Metrics;

namespace Microsoft.ML.FunctionalDnn.Tests.Metrics;

/// <summary>
/// The metrics' state lives in tensors updated with ops; these compare it with host loops over
/// the same batches (the way the metrics computed before, in doubles).
/// </summary>
[TestClass]
public sealed class MetricStateTests
{
    private readonly RandomGenerator _r = new(1501);

    [TestMethod]
    public void StateOutlivesTheTensorScopeOfTheBatch()
    {
        var m = new BinaryAccuracy();
        using (TensorScope.Begin())
            m.Update(Tensor.FromArray(new float[] { 1, 0, 1, 1 }, new Shape(4, 1)), Tensor.FromArray(new float[] { 0.9f, 0.1f, 0.2f, 0.7f }, new Shape(4, 1)));
        using (TensorScope.Begin())
            m.Update(Tensor.FromArray(new float[] { 0, 0 }, new Shape(2, 1)), Tensor.FromArray(new float[] { 0.6f, 0.4f }, new Shape(2, 1)));
        Assert.AreEqual(4f / 6, m.Result(), 1e-7f);
    }

    [TestMethod]
    public void PerSampleWeightsSpreadOverTheStepsOfASequence()
    {
        // Two samples of three steps; sample 0 weighs 3, sample 1 weighs 1.
        var labels = Tensor.FromArray(new[,] { { 0, 1, 1 }, { 2, 2, 0 } });
        var predictions = Tensor.FromArray(new float[,,]
        {
            { { 0.9f, 0.1f, 0 }, { 0.2f, 0.8f, 0 }, { 0.7f, 0.3f, 0 } },
            { { 0, 0.1f, 0.9f }, { 0.6f, 0.3f, 0.1f }, { 0.2f, 0.3f, 0.5f } },
        });
        var m = new SparseCategoricalAccuracy();
        m.Update(labels, predictions, Tensor.FromArray(new float[] { 3, 1 }));
        // Right: steps 0, 1 of sample 0 (weight 3 each) and step 0 of sample 1 (weight 1).
        Assert.AreEqual((3f + 3 + 1) / (3 * 3 + 3), m.Result(), 1e-7f);
    }

    [TestMethod]
    public void RefusesSampleWeightsOfTheWrongCount()
    {
        var m = new MeanMetric("mse", (y, p) => new MeanSquaredError().PerSample(y, p));
        var ex = Assert.ThrowsExactly<ArgumentException>(() => m.Update(Tensor.Zeros(new Shape(4, 2)), Tensor.Zeros(new Shape(4, 2)), Tensor.Ones(new Shape(3))));
        StringAssert.Contains(ex.Message, "Metric 'mse': sample weights must have one value per sample (4); received (3,)");
    }

    [TestMethod]
    public void WeightedMeansMatchADoubleReference()
    {
        var m = new MeanMetric("mae", (y, p) => new MeanAbsoluteError().PerSample(y, p));
        double sum = 0, count = 0;
        for (int batch = 0; batch < 5; batch++)
        {
            var t = Tensor.Uniform(new Shape(7, 3), -1, 1, _r);
            var p = Tensor.Uniform(new Shape(7, 3), -1, 1, _r);
            var w = Tensor.Uniform(new Shape(7), 0, 2, _r);
            m.Update(t, p, w);
            var values = new MeanAbsoluteError().PerSample(t, p).ToArray();
            var weights = w.ToArray();
            for (int i = 0; i < values.Length; i++) (sum, count) = (sum + values[i] * (double)weights[i], count + weights[i]);
        }
        Assert.AreEqual(sum / count, m.Result(), 1e-6);
    }

    [TestMethod]
    public void ConfusionCountsOverManySlicesMatchAHostLoop()
    {
        // More rows than one slice of the thresholds comparison (4096), with per-sample weights.
        const int samples = 5000;
        var t = Tensor.FromArray([.. Enumerable.Range(0, samples).Select(_ => _r.NextFloat() > 0.6f ? 1f : 0f)], new Shape(samples, 1));
        var p = Tensor.Uniform(new Shape(samples, 1), 0, 1, _r);
        var w = Tensor.Uniform(new Shape(samples), 0, 2, _r);
        var auc = new Auc(numThresholds: 50);
        auc.Update(t, p);
        var precision = new Precision();
        precision.Update(t, p, w);
        var recall = new Recall(threshold: 0.3f);
        recall.Update(t, p, w);

        Assert.AreEqual(ReferenceAuc(t.ToArray(), p.ToArray(), 50), auc.Result(), 1e-6f);
        var (tp, fp, _, fn) = ReferenceCounts(t.ToArray(), p.ToArray(), w.ToArray(), 0.5f);
        Assert.AreEqual(tp / (tp + fp), precision.Result(), 1e-5);
        (tp, _, _, fn) = ReferenceCounts(t.ToArray(), p.ToArray(), w.ToArray(), 0.3f);
        Assert.AreEqual(tp / (tp + fn), recall.Result(), 1e-5);
        auc.Reset();
        Assert.AreEqual(0f, auc.Result());
    }

    private static (double Tp, double Fp, double Tn, double Fn) ReferenceCounts(float[] t, float[] p, float[]? w, float threshold)
    {
        double tp = 0, fp = 0, tn = 0, fn = 0;
        for (int i = 0; i < p.Length; i++)
        {
            double weight = w is null ? 1 : w[i];
            bool positive = t[i] > 0.5f, predicted = p[i] > threshold;
            if (predicted && positive) tp += weight;
            else if (predicted) fp += weight;
            else if (positive) fn += weight;
            else tn += weight;
        }
        return (tp, fp, tn, fn);
    }

    private static double ReferenceAuc(float[] t, float[] p, int n)
    {
        var thresholds = Enumerable.Range(0, n).Select(i => (float)i / (n - 1)).ToArray();
        thresholds[0] = -1e-7f;
        thresholds[^1] = 1 + 1e-7f;
        var counts = thresholds.Select(th => ReferenceCounts(t, p, null, th)).ToArray();
        double area = 0;
        for (int i = 0; i < n - 1; i++)
        {
            var (tp0, fp0, tn0, fn0) = counts[i];
            var (tp1, fp1, tn1, fn1) = counts[i + 1];
            double tpr0 = tp0 / Math.Max(tp0 + fn0, 1e-7), fpr0 = fp0 / Math.Max(fp0 + tn0, 1e-7);
            double tpr1 = tp1 / Math.Max(tp1 + fn1, 1e-7), fpr1 = fp1 / Math.Max(fp1 + tn1, 1e-7);
            area += (fpr0 - fpr1) * (tpr0 + tpr1) / 2;
        }
        return area;
    }
}
