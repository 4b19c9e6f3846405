using Microsoft.ML.FunctionalDnn.Backends.Managed;
using Microsoft.ML.FunctionalDnn.Tests.Backends;

namespace Microsoft.ML.FunctionalDnn.Tests.Autograd;

/// <summary>Autograd as a user sees it (Backward, Grad, ZeroGrad, Detach, no-grad scopes, tensor scopes), on the backend of <see cref="BackendTestBase.BackendName"/>.</summary>
[TestClass]
public class AutogradTests : BackendTestBase
{
    [TestMethod]
    public void SharedWeightReceivesTheSumOfBothUses()
    {
        var w = Tensor.FromArray(new float[] { 2f, 3f });
        w.RequiresGrad = true;
        var a = Tensor.FromArray(new float[] { 1f, 10f });
        var b = Tensor.FromArray(new float[] { 5f, 7f });
        // L = Σ w·a + Σ w·b  ⇒  dL/dw = a + b
        Ops.Add(Ops.Sum(Ops.Multiply(w, a)), Ops.Sum(Ops.Multiply(w, b))).Backward();
        CollectionAssert.AreEqual(new float[] { 6f, 17f }, w.Grad!.ToArray());
    }

    [TestMethod]
    public void TensorUsedTwiceInOneOpGetsBothContributions()
    {
        var x = Tensor.FromArray(new float[] { 3f });
        x.RequiresGrad = true;
        Ops.Sum(Ops.Multiply(x, x)).Backward();
        Assert.AreEqual(6f, x.Grad!.Item());
    }

    [TestMethod]
    public void GradientsAccumulateAcrossBackwardCallsUntilZeroGrad()
    {
        var x = Tensor.FromArray(new float[] { 1f, 2f });
        x.RequiresGrad = true;
        Ops.Sum(Ops.Multiply(x, Tensor.Scalar(4))).Backward();
        Ops.Sum(Ops.Multiply(x, Tensor.Scalar(4))).Backward();
        CollectionAssert.AreEqual(new float[] { 8f, 8f }, x.Grad!.ToArray());
        x.ZeroGrad();
        CollectionAssert.AreEqual(new float[] { 0f, 0f }, x.Grad!.ToArray());
    }

    [TestMethod]
    public void NoGradScopeRecordsNothingAndRestores()
    {
        var x = Tensor.FromArray(new float[] { 1f });
        x.RequiresGrad = true;
        Tensor y;
        using (GradMode.NoGrad())
        {
            Assert.IsFalse(GradMode.IsEnabled);
            y = Ops.Exp(x);
        }
        Assert.IsTrue(GradMode.IsEnabled);
        Assert.IsFalse(y.RequiresGrad);
        Assert.IsTrue(Ops.Exp(x).RequiresGrad);
    }

    [TestMethod]
    public void DetachStopsGradientsButSharesValues()
    {
        var x = Tensor.FromArray(new float[] { 1f, 2f });
        x.RequiresGrad = true;
        var y = Ops.Multiply(x, Tensor.Scalar(2));
        var d = y.Detach();
        Assert.IsFalse(d.RequiresGrad);
        CollectionAssert.AreEqual(y.ToArray(), d.ToArray());
        // Only the non-detached path contributes: L = Σ (y + detach(y)) ⇒ dL/dx = 2.
        Ops.Sum(Ops.Add(y, d)).Backward();
        CollectionAssert.AreEqual(new float[] { 2f, 2f }, x.Grad!.ToArray());
    }

    [TestMethod]
    public void DeepChainBackwardDoesNotOverflowTheStack()
    {
        var x = Tensor.FromArray(new float[] { 1f });
        x.RequiresGrad = true;
        var y = x;
        for (int i = 0; i < 100_000; i++) y = Ops.Add(y, Tensor.Scalar(0.5f));
        y.Backward();
        Assert.AreEqual(1f, x.Grad!.Item());
        Assert.AreEqual(50_001f, y.Item());
    }

    [TestMethod]
    public void SecondBackwardNeedsRetainGraph()
    {
        var x = Tensor.FromArray(new float[] { 2f });
        x.RequiresGrad = true;
        var y = Ops.Sum(Ops.Square(x));
        y.Backward(retainGraph: true);
        y.Backward();
        Assert.AreEqual(8f, x.Grad!.Item());
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => y.Backward());
        StringAssert.Contains(ex.Message, "retainGraph");
    }

    [TestMethod]
    public void BackwardOfNonScalarNeedsASeedGradient()
    {
        var x = Tensor.FromArray(new float[] { 1f, 2f });
        x.RequiresGrad = true;
        var y = Ops.Multiply(x, Tensor.Scalar(3));
        Assert.ThrowsExactly<InvalidOperationException>(() => y.Backward());
        y.Backward(Tensor.FromArray(new float[] { 1f, 10f }));
        CollectionAssert.AreEqual(new float[] { 3f, 30f }, x.Grad!.ToArray());
    }

    [TestMethod]
    public void IntTensorsCannotRequireGradients()
    {
        var ids = Tensor.FromArray(new[] { 1, 2 });
        Assert.ThrowsExactly<InvalidOperationException>(() => ids.RequiresGrad = true);
    }

    [TestMethod]
    public void KeptTensorOutlivesItsScope()
    {
        Tensor t;
        using (var scope = TensorScope.Begin()) t = scope.Keep(Ops.Add(Tensor.Ones(new Shape(3)), Tensor.Scalar(1)));
        CollectionAssert.AreEqual(new float[] { 2, 2, 2 }, t.ToArray());
    }

    [TestMethod]
    public void TensorFromEndedScopeThrowsInsteadOfReadingReusedMemory()
    {
        Tensor t;
        using (var scope = TensorScope.Begin()) t = Tensor.Ones(new Shape(4));
        var ex = Assert.ThrowsExactly<ObjectDisposedException>(() => t.ToArray());
        StringAssert.Contains(ex.Message, "Keep");
    }
}

/// <summary>The managed engine's own autograd machinery: the tape's backward rules and TensorScope's pooled buffers.</summary>
[TestClass]
public sealed class ManagedAutogradTests : BackendTestBase
{
    [TestMethod]
    public void GradientCheckCatchesAWrongBackwardRule()
    {
        // An op computing 3x whose backward claims 2: the checker must reject it.
        static Tensor WrongTriple(Tensor x)
        {
            var y = Ops.Multiply(x.Detach(), Tensor.Scalar(3));
            if (x.RequiresGrad)
                Tape.Record("WrongTriple", y, [x], n => n.AccumulateInputGrad(0, Ops.Multiply(n.Grad, Tensor.Scalar(2))));
            return y;
        }
        var x = Tensor.FromArray(new float[] { 0.5f, -1f, 2f });
        Assert.ThrowsExactly<AssertFailedException>(() => GradCheck.Check(t => WrongTriple(t[0]), [x]));
    }

    [TestMethod]
    public void SteadyStateStepInScopeReusesPooledBuffers()
    {
        var r = new RandomGenerator(1);
        var w = Tensor.Uniform(new Shape(64, 32), -1, 1, r);
        w.RequiresGrad = true;
        var x = Tensor.Uniform(new Shape(16, 64), -1, 1, r);
        void Step()
        {
            using var scope = TensorScope.Begin();
            Ops.Mean(Ops.Square(Ops.Relu(Ops.MatMul(x, w)))).Backward();
            Assert.IsGreaterThan(0, scope.OwnedCount);
        }
        for (int i = 0; i < 20; i++) Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++) Step();
        long perStep = (GC.GetAllocatedBytesForCurrentThread() - before) / 20;
        // Tensor data (16·32 and 64·32 floats per step, ~12 KB) comes from the pool; what remains is bookkeeping objects.
        Assert.IsLessThan(8_000, perStep, $"a steady-state step allocated {perStep} bytes");
    }
}
