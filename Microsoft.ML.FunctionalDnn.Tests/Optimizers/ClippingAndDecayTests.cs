using Microsoft.ML.FunctionalDnn.Optimizers;

namespace Microsoft.ML.FunctionalDnn.Tests.Optimizers;

/// <summary>Gradient clipping and decoupled weight decay, by Keras 3's base-optimizer formulas, with plain Sgd (lr 1) so the weight shows the clipped gradient.</summary>
[TestClass]
public sealed class ClippingAndDecayTests
{
    /// <summary>One Sgd step (lr 1) from zero weights; returns the weights (= minus the gradients as clipped) and checks the gradients were only read.</summary>
    private static float[][] ClippedBy(OptimizerOptions options, params float[][] gradients)
    {
        var weights = gradients.Select(g => Tensor.Zeros(new Shape(g.Length))).ToArray();
        var grads = gradients.Select(g => (Tensor?)Tensor.FromArray(g)).ToArray();
        new Sgd(1f, options: options).Apply(grads, weights);
        for (int i = 0; i < gradients.Length; i++)
            CollectionAssert.AreEqual(gradients[i], grads[i]!.ToArray(), "clipping must not change the gradients passed in");
        return [.. weights.Select(w => w.ToArray().Select(v => -v).ToArray())];
    }

    private static void AreClose(float[] expected, float[] actual, string what)
    {
        Assert.HasCount(expected.Length, actual, what);
        for (int i = 0; i < expected.Length; i++) Assert.AreEqual(expected[i], actual[i], 1e-6f, $"{what}, element {i}");
    }

    [TestMethod]
    public void ClipValueClipsEachElement()
    {
        var clipped = ClippedBy(new OptimizerOptions { ClipValue = 0.5f }, [2f, -3f, 0.25f, -0.5f]);
        CollectionAssert.AreEqual(new[] { 0.5f, -0.5f, 0.25f, -0.5f }, clipped[0]);
    }

    [TestMethod]
    public void ClipNormRescalesEachGradientOnItsOwn()
    {
        // g·c / max(‖g‖, c): ‖(3, 4)‖ = 5 is rescaled to norm 1; ‖(0.3, 0.4)‖ = 0.5 is left alone.
        var clipped = ClippedBy(new OptimizerOptions { ClipNorm = 1f }, [3f, 4f], [0.3f, 0.4f], [0f, 0f]);
        AreClose([0.6f, 0.8f], clipped[0], "over the norm");
        AreClose([0.3f, 0.4f], clipped[1], "under the norm");
        CollectionAssert.AreEqual(new[] { 0f, 0f }, clipped[2], "a zero gradient stays zero (no 0/0)");
    }

    [TestMethod]
    public void GlobalClipNormRescalesAllGradientsTogether()
    {
        // The joint norm √(9 + 16 + 144) = 13 is rescaled to 1.
        var clipped = ClippedBy(new OptimizerOptions { GlobalClipNorm = 1f }, [3f, 4f], [12f]);
        AreClose([3f / 13, 4f / 13], clipped[0], "first");
        AreClose([12f / 13], clipped[1], "second");
        var under = ClippedBy(new OptimizerOptions { GlobalClipNorm = 100f }, [3f, 4f], [12f]);
        AreClose([3f, 4f], under[0], "under the norm");
    }

    [TestMethod]
    public void GlobalClipNormOfANonFiniteNormGivesNaNAsKerasDoes()
    {
        var clipped = ClippedBy(new OptimizerOptions { GlobalClipNorm = 1f }, [float.PositiveInfinity, 1f], [2f]);
        Assert.IsTrue(clipped.SelectMany(c => c).All(float.IsNaN), "scale = c·min(1/‖G‖, 1/c) + (‖G‖ - ‖G‖) is NaN for an infinite norm");
    }

    [TestMethod]
    public void ClippingLeavesTheWeightsOwnGradientsAlone()
    {
        var w = Tensor.FromArray(new[] { 0f, 0f });
        w.RequiresGrad = true;
        Ops.Sum(Ops.Multiply(w, Tensor.FromArray(new[] { 30f, 40f }))).Backward();
        new Adam(options: new OptimizerOptions { ClipNorm = 1f }).Apply([w]);
        CollectionAssert.AreEqual(new[] { 30f, 40f }, w.Grad!.ToArray());
    }

    [TestMethod]
    public void WeightDecayShrinksEveryWeightWithAGradientBeforeTheUpdate()
    {
        // w ← w - w·decay·lr, then the Sgd step w -= lr·g; a weight without a gradient is not touched.
        var w = Tensor.FromArray(new[] { 2f, -4f });
        var frozen = Tensor.FromArray(new[] { 3f });
        new Sgd(0.5f, options: new OptimizerOptions { WeightDecay = 0.1f }).Apply([Tensor.FromArray(new[] { 1f, 1f }), null], [w, frozen]);
        AreClose([2f - 2f * 0.1f * 0.5f - 0.5f, -4f + 4f * 0.1f * 0.5f - 0.5f], w.ToArray(), "decayed and stepped");
        Assert.AreEqual(3f, frozen.Item());
    }

    [TestMethod]
    public void AStepKeepsItsTemporariesInsideItsOwnScope()
    {
        var w = Tensor.FromArray(new[] { 1f, 2f, 3f });
        var g = Tensor.FromArray(new[] { 0.1f, -0.2f, 0.3f });
        var optimizer = new Nadam(options: new OptimizerOptions { GlobalClipNorm = 0.1f, WeightDecay = 0.01f });
        using var outer = TensorScope.Begin();
        optimizer.Apply([g], [w]);
        optimizer.Apply([g], [w]);
        Assert.AreEqual(0, outer.OwnedCount, "every temporary of the update went back to the pool when the step ended");
    }
}
