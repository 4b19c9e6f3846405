using Microsoft.ML.FunctionalDnn.Optimizers;
using Microsoft.ML.FunctionalDnn.Optimizers.Schedules;

namespace Microsoft.ML.FunctionalDnn.Tests.Optimizers;

[TestClass]
public sealed class OptimizerTests
{
    /// <summary>Runs two updates with gradients g1 then g2 on one weight starting at w0; returns the weight after each.</summary>
    private static (float After1, float After2) TwoSteps(Optimizer optimizer, float w0 = 1f, float g1 = 0.5f, float g2 = -0.25f)
    {
        var w = Tensor.FromArray(new[] { w0 });
        w.RequiresGrad = true;
        Ops.Sum(Ops.Multiply(w, Tensor.Scalar(g1))).Backward();
        optimizer.Apply([w]);
        float a = w.Item();
        w.ZeroGrad();
        Ops.Sum(Ops.Multiply(w, Tensor.Scalar(g2))).Backward();
        optimizer.Apply([w]);
        return (a, w.Item());
    }

    [TestMethod]
    public void SgdWithAndWithoutMomentum()
    {
        var (a, b) = TwoSteps(new Sgd(0.1f));
        Assert.AreEqual(1 - 0.05f, a, 1e-6f);
        Assert.AreEqual(1 - 0.05f + 0.025f, b, 1e-6f);
        // m1 = -0.05, w = 0.95; m2 = 0.9·(-0.05) + 0.025 = -0.02, w = 0.93
        (a, b) = TwoSteps(new Sgd(0.1f, momentum: 0.9f));
        Assert.AreEqual(0.95f, a, 1e-6f);
        Assert.AreEqual(0.93f, b, 1e-6f);
        // Nesterov: w += 0.9·m - lr·g
        (a, _) = TwoSteps(new Sgd(0.1f, momentum: 0.9f, nesterov: true));
        Assert.AreEqual(1 + 0.9f * -0.05f - 0.05f, a, 1e-6f);
    }

    [TestMethod]
    public void RmspropPutsEpsilonInsideTheSquareRoot()
    {
        var (a, b) = TwoSteps(new RmsProp());
        double v1 = 0.1 * 0.25, w1 = 1 - 1e-3 * 0.5 / Math.Sqrt(v1 + 1e-7);
        double v2 = 0.9 * v1 + 0.1 * 0.0625, w2 = w1 + 1e-3 * 0.25 / Math.Sqrt(v2 + 1e-7);
        Assert.AreEqual(w1, a, 1e-6);
        Assert.AreEqual(w2, b, 1e-6);
    }

    [TestMethod]
    public void AdamAndAdamW()
    {
        double m = 0, v = 0, w = 1;
        double[] gs = [0.5, -0.25];
        var expected = new List<double>();
        for (int t = 1; t <= 2; t++)
        {
            double g = gs[t - 1];
            double alpha = 1e-3 * Math.Sqrt(1 - Math.Pow(0.999, t)) / (1 - Math.Pow(0.9, t));
            m += (g - m) * 0.1;
            v += (g * g - v) * 0.001;
            w -= alpha * m / (Math.Sqrt(v) + 1e-7);
            expected.Add(w);
        }
        var (a, b) = TwoSteps(new Adam());
        Assert.AreEqual(expected[0], a, 1e-6);
        Assert.AreEqual(expected[1], b, 1e-6);
        // AdamW first decays the weight by lr·decay·w, then takes the Adam step.
        var (aw, _) = TwoSteps(new AdamW(weightDecay: 0.1f));
        Assert.AreEqual(1 * (1 - 1e-3 * 0.1) - 1e-3 * 1.0, aw, 1e-5);
    }

    [TestMethod]
    public void AdagradAdadeltaNadam()
    {
        var (a, _) = TwoSteps(new Adagrad());
        Assert.AreEqual(1 - 1e-3 * 0.5 / Math.Sqrt(0.1 + 0.25 + 1e-7), a, 1e-6);
        var (d, _) = TwoSteps(new Adadelta(learningRate: 1f));
        double accGrad = 0.05 * 0.25;
        double delta = -Math.Sqrt(1e-7) * 0.5 / Math.Sqrt(accGrad + 1e-7);
        Assert.AreEqual(1 + delta, d, 1e-6);
        var (n, _) = TwoSteps(new Nadam());
        double u1 = 0.9 * (1 - 0.5 * Math.Pow(0.96, 1)), u2 = 0.9 * (1 - 0.5 * Math.Pow(0.96, 2));
        double mm = 0.1 * 0.5, vv = 0.001 * 0.25;
        double mHat = u2 * mm / (1 - u1 * u2) + (1 - u1) * 0.5 / (1 - u1);
        double vHat = vv / (1 - 0.999);
        Assert.AreEqual(1 - 1e-3 * mHat / (Math.Sqrt(vHat) + 1e-7), n, 1e-6);
    }

    [TestMethod]
    public void ClippingByValueNormAndGlobalNorm()
    {
        var (a, _) = TwoSteps(new Sgd(1f, options: new OptimizerOptions { ClipValue = 0.1f }));
        Assert.AreEqual(0.9f, a, 1e-6f);
        var w = Tensor.FromArray(new[] { 0f, 0f });
        var u = Tensor.FromArray(new[] { 0f });
        w.RequiresGrad = true;
        u.RequiresGrad = true;
        Ops.Add(Ops.Sum(Ops.Multiply(w, Tensor.FromArray(new[] { 3f, 4f }))), Ops.Sum(Ops.Multiply(u, Tensor.Scalar(12)))).Backward();
        new Sgd(1f, options: new OptimizerOptions { ClipNorm = 1f }).Apply([w, u]);
        CollectionAssert.AreEqual(new[] { -0.6f, -0.8f }, w.ToArray());
        Assert.AreEqual(-1f, u.Item(), 1e-6f);
        w.Assign(Tensor.Zeros(w.Shape));
        u.Assign(Tensor.Zeros(u.Shape));
        new Sgd(1f, options: new OptimizerOptions { GlobalClipNorm = 1f }).Apply([w, u]);
        // global norm √(9 + 16 + 144) = 13
        Assert.AreEqual(-3f / 13, w[0], 1e-6f);
        Assert.AreEqual(-12f / 13, u.Item(), 1e-6f);
        CollectionAssert.AreEqual(new[] { 3f, 4f }, w.Grad!.ToArray(), "clipping must not change the stored gradient");
    }

    [TestMethod]
    public void SchedulesAndSettableLearningRate()
    {
        Assert.AreEqual(0.1f * MathF.Pow(0.5f, 1.5f), new ExponentialDecay(0.1f, 10, 0.5f).At(15), 1e-7f);
        Assert.AreEqual(0.05f, new ExponentialDecay(0.1f, 10, 0.5f, staircase: true).At(15), 1e-7f);
        Assert.AreEqual(0.05f, new CosineDecay(0.1f, 100).At(50), 1e-6f);
        Assert.AreEqual(0.01f, new CosineDecay(0.1f, 100, alpha: 0.1f).At(500), 1e-6f);
        var piecewise = new PiecewiseConstantDecay([10, 20], [1f, 0.5f, 0.1f]);
        Assert.AreEqual(1f, piecewise.At(10));
        Assert.AreEqual(0.5f, piecewise.At(11));
        Assert.AreEqual(0.1f, piecewise.At(21));
        var scheduled = new Sgd(schedule: new PiecewiseConstantDecay([0], [1f, 0.1f]));
        var (a, b) = TwoSteps(scheduled);
        Assert.AreEqual(0.5f, a, 1e-6f);
        Assert.AreEqual(0.5f + 0.025f, b, 1e-6f);
        Assert.ThrowsExactly<InvalidOperationException>(() => scheduled.LearningRate = 0.3f);
        Optimizer byName = "rmsprop";
        byName.LearningRate = 0.01f;
        Assert.AreEqual(0.01f, byName.LearningRate);
        Assert.ThrowsExactly<ArgumentException>(() => Optimizer.FromName("adamax2"));
    }
}
