using Microsoft.ML.FunctionalDnn.Tests.Backends;

namespace Microsoft.ML.FunctionalDnn.Tests.OpTests;

/// <summary>
/// The managed engine's kernels split large ops across cores; the split must not change a single
/// bit. Pinned to the managed backend (whatever the process default), since that is the engine under test.
/// </summary>
[TestClass]
public sealed class DeterminismTests : BackendTestBase
{
    /// <summary>A few Sgd steps of a conv + Lstm + dense model from one seed; returns the final weights.</summary>
    private static float[] Train(long seed)
    {
        var r = new RandomGenerator(seed);
        var conv = Tensor.Uniform(new Shape(3, 4, 8), -0.3f, 0.3f, r);
        var w = Tensor.Uniform(new Shape(8, 64), -0.3f, 0.3f, r);
        var u = Tensor.Uniform(new Shape(16, 64), -0.3f, 0.3f, r);
        var dense = Tensor.Uniform(new Shape(16, 300), -0.3f, 0.3f, r);
        Tensor[] weights = [conv, w, u, dense];
        foreach (var t in weights) t.RequiresGrad = true;
        var x = Tensor.Uniform(new Shape(64, 20, 4), -1, 1, r);
        var dropout = r.Fork();
        for (int step = 0; step < 3; step++)
        {
            using var scope = TensorScope.Begin();
            var h = Ops.Relu(Ops.Conv1D(x, conv, padding: Padding.Same));
            h = Ops.Dropout(h, 0.2f, dropout);
            var last = Ops.Lstm(h, w, u).Output;
            var logits = Ops.MatMul(last, dense); // 64 × 16 × 300 is large enough to run on all cores
            Ops.Mean(Ops.Square(Ops.Softmax(logits))).Backward();
            using (GradMode.NoGrad())
                foreach (var t in weights)
                {
                    t.AssignSub(Ops.Multiply(t.Grad!, Tensor.Scalar(0.5f)));
                    t.ZeroGrad();
                }
        }
        return weights.SelectMany(t => t.ToArray()).ToArray();
    }

    [TestMethod]
    public void SameSeedGivesBitIdenticalWeights()
    {
        CollectionAssert.AreEqual(Train(3), Train(3));
        CollectionAssert.AreNotEqual(Train(3), Train(4));
    }
}
