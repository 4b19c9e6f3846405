using Microsoft.ML.FunctionalDnn.Losses;

namespace Microsoft.ML.FunctionalDnn.Tests.Losses;

[TestClass]
public sealed class LossTests
{
    private static readonly Tensor YTrue = Tensor.FromArray(new float[,] { { 0, 1, 0 }, { 1, 0, 0 } });
    private static readonly Tensor YPred = Tensor.FromArray(new float[,] { { 0.1f, 0.7f, 0.2f }, { 0.5f, 0.3f, 0.2f } });

    private static float Value(Loss loss, Tensor t, Tensor p, Tensor? w = null) => loss.Compute(t, p, w).Item();

    [TestMethod]
    public void RegressionLossesMatchTheirDefinitions()
    {
        var t = Tensor.FromArray(new float[,] { { 1, 2 }, { 3, -4 } });
        var p = Tensor.FromArray(new float[,] { { 1.5f, 2 }, { 0, -1 } });
        Assert.AreEqual((0.25f / 2 + 18f / 2) / 2, Value("mse", t, p), 1e-6f);
        Assert.AreEqual((0.5f / 2 + 6f / 2) / 2, Value("mae", t, p), 1e-6f);
        Assert.AreEqual(100 * ((0.5f / 1 + 0) / 2 + (3f / 3 + 3f / 4) / 2) / 2, Value("mape", t, p), 1e-4f);
        // Huber δ=1: errors 0.5, 0 | 3, 3 → 0.125, 0 | 2.5, 2.5
        Assert.AreEqual((0.125f / 2 + 5f / 2) / 2, Value("huber", t, p), 1e-6f);
        float LogCosh(float e) => MathF.Log(MathF.Cosh(e));
        Assert.AreEqual(((LogCosh(0.5f) + 0) / 2 + (LogCosh(3) + LogCosh(3)) / 2) / 2, Value("log_cosh", t, p), 1e-5f);
    }

    [TestMethod]
    public void CrossentropiesFollowKeras()
    {
        float expected = -(MathF.Log(0.7f) + MathF.Log(0.5f)) / 2;
        Assert.AreEqual(expected, Value("categorical_crossentropy", YTrue, YPred), 1e-6f);
        Assert.AreEqual(expected, Value("sparse_categorical_crossentropy", Tensor.FromArray(new[] { 1, 0 }), YPred), 1e-6f);
        var logits = Tensor.FromArray(new float[,] { { 1, 3, 0 }, { 2, 0, 1 } });
        Assert.AreEqual(Value("categorical_crossentropy", YTrue, Ops.Softmax(logits)), Value(new CategoricalCrossentropy(fromLogits: true), YTrue, logits), 1e-5f);
        // Probabilities that do not sum to one are renormalized first, as Keras does.
        Assert.AreEqual(expected, Value("categorical_crossentropy", YTrue, Ops.Multiply(YPred, Tensor.Scalar(3))), 1e-6f);
        // A zero probability is clipped at 1e-7 instead of giving infinity.
        Assert.AreEqual(-MathF.Log(1e-7f), Value("categorical_crossentropy", Tensor.FromArray(new float[,] { { 1, 0 } }), Tensor.FromArray(new float[,] { { 0, 1 } })), 1e-3f);

        var bt = Tensor.FromArray(new float[,] { { 1 }, { 0 } });
        var bp = Tensor.FromArray(new float[,] { { 0.8f }, { 0.3f } });
        Assert.AreEqual(-(MathF.Log(0.8f) + MathF.Log(0.7f)) / 2, Value("binary_crossentropy", bt, bp), 1e-6f);
        var bl = Tensor.FromArray(new float[,] { { 1.2f }, { -0.4f } });
        Assert.AreEqual(Value("binary_crossentropy", bt, Ops.Sigmoid(bl)), Value(new BinaryCrossentropy(fromLogits: true), bt, bl), 1e-5f);
    }

    [TestMethod]
    public void DistributionAndMarginLosses()
    {
        float kl = (1 * MathF.Log(1 / 0.7f) + 1 * MathF.Log(1 / 0.5f)) / 2;
        Assert.AreEqual(kl, Value("kl_divergence", YTrue, YPred), 1e-5f);
        var t = Tensor.FromArray(new float[,] { { 1, 2 } });
        var p = Tensor.FromArray(new float[,] { { 2, 1 } });
        Assert.AreEqual(((2 - 1 * MathF.Log(2)) + (1 - 2 * MathF.Log(1))) / 2, Value("poisson", t, p), 1e-5f);
        Assert.AreEqual(-(2 + 2) / 5f, Value("cosine_similarity", t, p), 1e-5f);
        var ht = Tensor.FromArray(new float[,] { { 1, 0 } });
        var hp = Tensor.FromArray(new float[,] { { 0.3f, 0.4f } });
        Assert.AreEqual((0.7f + 1.4f) / 2, Value("hinge", ht, hp), 1e-6f);
    }

    [TestMethod]
    public void HingeMapsZeroOneTargetsOnlyWhenAllAreZeroOrOne()
    {
        var p = Tensor.FromArray(new float[,] { { 0.3f, 0.4f } });
        // Keras's rule: {0, 1} targets become {-1, 1}; int labels too; {-1, 1} targets are kept.
        Assert.AreEqual((0.7f + 1.4f) / 2, Value("hinge", Tensor.FromArray(new[,] { { 1, 0 } }), p), 1e-6f);
        Assert.AreEqual((0.7f + 1.4f) / 2, Value("hinge", Tensor.FromArray(new float[,] { { 1, -1 } }), p), 1e-6f);
        // One target outside {0, 1} keeps them all as given: 1 - 0·0.3 and 1 - 2·0.4.
        Assert.AreEqual((1f + 0.2f) / 2, Value("hinge", Tensor.FromArray(new float[,] { { 0, 2 } }), p), 1e-6f);
    }

    [TestMethod]
    public void SampleWeightsScaleEachSampleAndDivideByBatchSize()
    {
        var t = Tensor.FromArray(new float[,] { { 1 }, { 3 } });
        var p = Tensor.FromArray(new float[,] { { 0 }, { 0 } });
        Assert.AreEqual((1 * 2 + 9 * 0.5f) / 2, Value("mse", t, p, Tensor.FromArray(new[] { 2f, 0.5f })), 1e-6f);
    }

    [TestMethod]
    public void CustomLossAndErrors()
    {
        var custom = Loss.FromFunction("double_mae", (y, p) => Ops.Multiply(Ops.Abs(Ops.Subtract(y, p)), Tensor.Scalar(2)));
        Assert.AreEqual(2 * Value("mae", YTrue, YPred), Value(custom, YTrue, YPred), 1e-6f);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => Value("mse", Tensor.Zeros(new Shape(2, 3)), Tensor.Zeros(new Shape(2, 4))));
        StringAssert.Contains(ex.Message, "(2, 3)");
        StringAssert.Contains(ex.Message, "(2, 4)");
        var label = Assert.ThrowsExactly<ArgumentException>(() => Value("sparse_categorical_crossentropy", Tensor.FromArray(new[] { 1, 5 }), YPred));
        StringAssert.Contains(label.Message, "label 5");
        Assert.ThrowsExactly<ArgumentException>(() => Loss.FromName("cross_entropy"));
    }

    [TestMethod]
    public void LossGradientsFlowToPredictions()
    {
        var p = Tensor.FromArray(new float[,] { { 0.2f, 0.5f, 0.3f } });
        GradCheck.Check(x => new CategoricalCrossentropy().Compute(Tensor.FromArray(new float[,] { { 0, 1, 0 } }), x[0]), [p], eps: 1e-3f);
        GradCheck.Check(x => new Huber().Compute(Tensor.FromArray(new float[,] { { 0, 3, 0 } }), x[0]), [Tensor.FromArray(new float[,] { { 0.2f, 0.5f, 0.3f } })], eps: 1e-3f);
    }
}
