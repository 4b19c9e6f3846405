using Microsoft.ML.FunctionalDnn.Backends;
using Microsoft.ML.FunctionalDnn.Optimizers;
using Microsoft.ML.FunctionalDnn.Tests.Backends;

namespace Microsoft.ML.FunctionalDnn.Tests.Optimizers;

/// <summary>
/// The managed engine's fused Adam and RmsProp loops against the optimizers' op-by-op rules: the
/// same weights, slots and gradients through both paths must give identical bits, at lengths that
/// exercise the vector body and the scalar tail, and one large enough to be split over the cores
/// (<see cref="Microsoft.ML.FunctionalDnn.Backends.Managed.ManagedBackend.ParallelUpdateElements"/>). Pinned to the managed engine (the torch backend's
/// fused steps group products differently and are checked within 1e-6 in Backends/Torch).
/// </summary>
[TestClass]
public sealed class FusedKernelTests : BackendTestBase
{
    public static IEnumerable<object[]> Cases() =>
    [
        ["adam", 1], ["adam", 7], ["adam", 8], ["adam", 37], ["adam", 1000],
        ["rmsprop", 1], ["rmsprop", 9], ["rmsprop", 16], ["rmsprop", 1000],
        // Above the size split over the cores, with range ends that fall inside a vector.
        ["adam", 300_001], ["rmsprop", 300_001],
    ];

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void FusedStepsEqualTheOpsBitForBit(string name, int length)
    {
        var fused = Run(Optimizer.FromName(name), length);
        var opByOp = Optimizer.FromName(name);
        opByOp.UseFusedKernels = false;
        var reference = Run(opByOp, length);
        CollectionAssert.AreEqual(reference, fused, $"{name}, length {length}");
    }

    [TestMethod]
    public void AWeightWithoutItsOwnGradientBufferTakesTheOpPath()
    {
        // A gradient that is a view of the weight itself cannot be fused in place; the ops run instead.
        var w = Tensor.FromArray([1f, 2f, 3f, 4f]);
        var adam = new Adam();
        adam.Apply([w], [w]);
        var expected = Tensor.FromArray([1f, 2f, 3f, 4f]);
        var reference = new Adam { UseFusedKernels = false };
        reference.Apply([Tensor.FromArray([1f, 2f, 3f, 4f])], [expected]);
        CollectionAssert.AreEqual(expected.ToArray(), w.ToArray());
    }

    [TestMethod]
    public void SlotsThatShareMemoryTakeTheOpPath()
    {
        // One tensor as both of Adam's slots: the in-place loop would read a slot it has already
        // overwritten. RmsProp's one slot is passed twice on purpose and stays fused.
        Assert.AreEqual("managed", Backend.Current.Name);
        Tensor W() => Tensor.FromArray([1f, 2f, 3f, 4f]);
        var (w, g, slot) = (W(), W(), Tensor.Zeros(new Shape(4)));
        Assert.IsFalse(Backend.Current.TryAdamUpdate(w, g, slot, slot, 0.01f, 0.9f, 0.999f, 1e-7f));
        CollectionAssert.AreEqual(W().ToArray(), w.ToArray(), "a refused step leaves the weight alone");
        Assert.IsTrue(Backend.Current.TryRmsPropUpdate(w, g, slot, 0.01f, 0.9f, 1e-7f));
    }

    private static float[] Run(Optimizer optimizer, int length)
    {
        var random = new RandomGenerator(length);
        var w = Tensor.Uniform(new Shape(length), -1, 1, random);
        for (int step = 0; step < 5; step++)
            optimizer.Apply([Tensor.Normal(new Shape(length), 0, 1 + step, random)], [w]);
        return w.ToArray();
    }
}
