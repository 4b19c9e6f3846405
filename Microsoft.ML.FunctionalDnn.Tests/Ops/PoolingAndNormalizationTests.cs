using Microsoft.ML.FunctionalDnn.Tests.Backends;

namespace Microsoft.ML.FunctionalDnn.Tests.OpTests;

[TestClass]
public class PoolingAndNormalizationTests : BackendTestBase
{
    private readonly RandomGenerator _r = new(71);

    [TestMethod]
    public void MaxPool2DValuesWithSamePadding()
    {
        var x = Tensor.Arange(0, 9).Reshape(1, 3, 3, 1);
        var y = Ops.MaxPool2D(x, (2, 2), padding: Padding.Same);
        Assert.AreEqual(new Shape(1, 2, 2, 1), y.Shape);
        CollectionAssert.AreEqual(new float[] { 4, 5, 7, 8 }, y.ToArray());
    }

    [TestMethod]
    public void AveragePoolWithSamePaddingAveragesOnlyRealInputs()
    {
        var x = Tensor.Arange(0, 9).Reshape(1, 3, 3, 1);
        var y = Ops.AveragePool2D(x, (2, 2), padding: Padding.Same).ToArray();
        CollectionAssert.AreEqual(new float[] { 2, 3.5f, 6.5f, 8 }, y);
    }

    [TestMethod]
    [DataRow(2, 2, Padding.Valid)]
    [DataRow(3, 2, Padding.Same)]
    [DataRow(2, 1, Padding.Same)]
    public void PoolingGradients(int pool, int stride, Padding padding)
    {
        GradCheck.Check(t => Ops.MaxPool2D(t[0], (pool, pool), (stride, stride), padding), [GradCheck.RandAwayFromKinks(_r, 2, 5, 4, 2)], eps: 1e-3f);
        GradCheck.Check(t => Ops.AveragePool2D(t[0], (pool, pool), (stride, stride), padding), [GradCheck.Rand(_r, 2, 5, 4, 2)]);
        GradCheck.Check(t => Ops.MaxPool1D(t[0], pool, stride, padding), [GradCheck.RandAwayFromKinks(_r, 2, 7, 3)], eps: 1e-3f);
        GradCheck.Check(t => Ops.AveragePool1D(t[0], pool, stride, padding), [GradCheck.Rand(_r, 2, 7, 3)]);
    }

    [TestMethod]
    public void GlobalPoolingReducesSpatialAxes()
    {
        var x = GradCheck.Rand(_r, 2, 3, 4, 5);
        Assert.AreEqual(new Shape(2, 5), Ops.GlobalAveragePool(x).Shape);
        Assert.AreEqual(new Shape(2, 5), Ops.GlobalMaxPool(Ops.Reshape(x, 2, 12, 5)).Shape);
        GradCheck.Check(t => Ops.GlobalAveragePool(t[0]), [GradCheck.Rand(_r, 2, 3, 2, 2)]);
        GradCheck.Check(t => Ops.GlobalMaxPool(t[0]), [GradCheck.RandAwayFromKinks(_r, 2, 5, 3)], eps: 1e-3f);
    }

    [TestMethod]
    public void BatchNormTrainingNormalizesEachChannelAndReturnsStatistics()
    {
        var x = Tensor.Normal(new Shape(64, 3), 5, 2, _r);
        var y = Ops.BatchNormTraining(x, null, null, 1e-3f, out var mean, out var variance);
        var ys = Ops.Mean(y, 0).ToArray();
        var vs = Ops.Var(y, [0]).ToArray();
        for (int c = 0; c < 3; c++)
        {
            Assert.AreEqual(0f, ys[c], 1e-4f);
            Assert.AreEqual(1f, vs[c], 1e-2f);
        }
        CollectionAssert.AreEqual(Ops.Mean(x, 0).ToArray().Select(v => MathF.Round(v, 3)).ToArray(), mean.ToArray().Select(v => MathF.Round(v, 3)).ToArray());
        Assert.AreEqual(Ops.Var(x, [0]).ToArray()[1], variance.ToArray()[1], 1e-3f);
    }

    [TestMethod]
    public void BatchNormAndLayerNormGradients()
    {
        GradCheck.Check(t => Ops.BatchNormTraining(t[0], t[1], t[2], 1e-3f, out _, out _), [GradCheck.Rand(_r, 4, 3, 2), GradCheck.Rand(_r, 2), GradCheck.Rand(_r, 2)], eps: 1e-3f, tolerance: 3e-2f);
        GradCheck.Check(t => Ops.LayerNorm(t[0], t[1], t[2]), [GradCheck.Rand(_r, 3, 5), GradCheck.Rand(_r, 5), GradCheck.Rand(_r, 5)], eps: 1e-3f, tolerance: 3e-2f);
        GradCheck.Check(t => Ops.BatchNormInference(t[0], t[3], Ops.Abs(t[4]), t[1], t[2], 1e-3f),
            [GradCheck.Rand(_r, 4, 3), GradCheck.Rand(_r, 3), GradCheck.Rand(_r, 3), GradCheck.Rand(_r, 3), GradCheck.RandAwayFromKinks(_r, 3)]);
    }

    [TestMethod]
    public void LayerNormRowsHaveZeroMeanUnitVariance()
    {
        var y = Ops.LayerNorm(Tensor.Normal(new Shape(4, 256), 3, 5, _r), null, null, 1e-5f);
        foreach (float m in Ops.Mean(y, -1).ToArray()) Assert.AreEqual(0f, m, 1e-4f);
        foreach (float v in Ops.Var(y, [-1]).ToArray()) Assert.AreEqual(1f, v, 1e-3f);
    }

    [TestMethod]
    public void DropoutIsSeededInvertedAndKeepsTheExpectation()
    {
        var x = Tensor.Ones(new Shape(10000));
        var a = Ops.Dropout(x, 0.3f, new RandomGenerator(5)).ToArray();
        var b = Ops.Dropout(x, 0.3f, new RandomGenerator(5)).ToArray();
        CollectionAssert.AreEqual(a, b);
        Assert.IsTrue(a.All(v => v == 0 || Math.Abs(v - 1 / 0.7f) < 1e-6f));
        Assert.AreEqual(0.3, a.Count(v => v == 0) / 10000.0, 0.02);
        Assert.AreEqual(1.0, a.Average(), 0.03);
        Assert.AreSame(x, Ops.Dropout(x, 0, new RandomGenerator(5)));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Ops.Dropout(x, 1, new RandomGenerator(5)));
        GradCheck.Check(t => Ops.Dropout(t[0], 0.5f, new RandomGenerator(3)), [GradCheck.Rand(_r, 20)]);
    }
}
