using Microsoft.ML.FunctionalDnn.Losses;
using Microsoft.ML.FunctionalDnn.Metrics;

namespace Microsoft.ML.FunctionalDnn.Tests.Metrics;

[TestClass]
public sealed class MetricTests
{
    [TestMethod]
    public void AccuracyResolvesLikeKeras()
    {
        Assert.IsInstanceOfType<BinaryAccuracy>(Metric.FromName("accuracy", new BinaryCrossentropy()));
        Assert.IsInstanceOfType<BinaryAccuracy>(Metric.FromName("acc", null, new TensorShape(null, 1)));
        Assert.IsInstanceOfType<SparseCategoricalAccuracy>(Metric.FromName("accuracy", new SparseCategoricalCrossentropy()));
        Assert.IsInstanceOfType<SparseCategoricalAccuracy>(Metric.FromName("accuracy", null, new TensorShape(null, 5), DType.Int32));
        Assert.IsInstanceOfType<CategoricalAccuracy>(Metric.FromName("acc", new CategoricalCrossentropy(), new TensorShape(null, 5)));
        Assert.AreEqual("acc", Metric.FromName("acc", new CategoricalCrossentropy()).Name);
    }

    [TestMethod]
    public void AccuraciesAccumulateOverBatchesAndReset()
    {
        var m = new CategoricalAccuracy();
        m.Update(Tensor.FromArray(new float[,] { { 0, 1 }, { 1, 0 } }), Tensor.FromArray(new float[,] { { 0.2f, 0.8f }, { 0.3f, 0.7f } }));
        Assert.AreEqual(0.5f, m.Result());
        m.Update(Tensor.FromArray(new float[,] { { 0, 1 }, { 0, 1 } }), Tensor.FromArray(new float[,] { { 0.2f, 0.8f }, { 0.1f, 0.9f } }));
        Assert.AreEqual(0.75f, m.Result());
        m.Reset();
        Assert.AreEqual(0f, m.Result());

        var s = new SparseCategoricalAccuracy();
        s.Update(Tensor.FromArray(new[] { 1, 0, 2 }), Tensor.FromArray(new float[,] { { 0, 1, 0 }, { 0, 1, 0 }, { 0, 0, 1 } }));
        Assert.AreEqual(2f / 3, s.Result(), 1e-6f);
        var b = new BinaryAccuracy();
        b.Update(Tensor.FromArray(new float[,] { { 1 }, { 0 }, { 1 }, { 0 } }), Tensor.FromArray(new float[,] { { 0.9f }, { 0.2f }, { 0.4f }, { 0.6f } }), Tensor.FromArray(new[] { 1f, 1f, 2f, 0f }));
        Assert.AreEqual(2f / 4, b.Result(), 1e-6f);
        var top = new TopKCategoricalAccuracy(k: 2);
        top.Update(Tensor.FromArray(new float[,] { { 0, 0, 1 }, { 0, 0, 1 } }), Tensor.FromArray(new float[,] { { 0.3f, 0.5f, 0.2f }, { 0.1f, 0.5f, 0.4f } }));
        Assert.AreEqual(0.5f, top.Result());
    }

    [TestMethod]
    public void RegressionMetrics()
    {
        var t = Tensor.FromArray(new float[,] { { 1 }, { 3 } });
        var p = Tensor.FromArray(new float[,] { { 2 }, { 1 } });
        var rmse = Metric.FromName("rmse");
        rmse.Update(t, p);
        Assert.AreEqual(MathF.Sqrt(2.5f), rmse.Result(), 1e-6f);
        var mae = Metric.FromName("mae");
        mae.Update(t, p);
        Assert.AreEqual(1.5f, mae.Result(), 1e-6f);
    }

    [TestMethod]
    public void PrecisionRecallAuc()
    {
        var t = Tensor.FromArray(new float[,] { { 1 }, { 1 }, { 0 }, { 0 }, { 1 } });
        var p = Tensor.FromArray(new float[,] { { 0.9f }, { 0.4f }, { 0.6f }, { 0.1f }, { 0.8f } });
        var precision = new Precision();
        precision.Update(t, p);
        Assert.AreEqual(2f / 3, precision.Result(), 1e-6f);
        var recall = new Recall();
        recall.Update(t, p);
        Assert.AreEqual(2f / 3, recall.Result(), 1e-6f);
        // Exact ROC Auc of these scores: pairs (pos, neg) ranked correctly = 5 of 6.
        var auc = new Auc();
        auc.Update(t, p);
        Assert.AreEqual(5f / 6, auc.Result(), 0.01f);
        var perfect = new Auc();
        perfect.Update(t, Tensor.FromArray(new float[,] { { 0.9f }, { 0.8f }, { 0.2f }, { 0.1f }, { 0.7f } }));
        Assert.AreEqual(1f, perfect.Result(), 1e-3f);
    }
}
