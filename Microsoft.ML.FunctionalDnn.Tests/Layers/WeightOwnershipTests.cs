using Microsoft.ML.FunctionalDnn.Initializers;
using Microsoft.ML.FunctionalDnn.Layers;

namespace Microsoft.ML.FunctionalDnn.Tests.Layers;

/// <summary>
/// Weights keep the built-in initializers' tensors (no second copy of a large table) but copy what a
/// user's initializer returns, since the user may hold on to it.
/// </summary>
[TestClass]
public sealed class WeightOwnershipTests
{
    [TestMethod]
    public void AUserInitializersTensorIsCopiedIntoTheWeight()
    {
        var initializer = new KeepingInitializer();
        var layer = new Dense(2, kernelInitializer: initializer, name: "k");
        layer.Apply(Keras.Input([3]));
        var kernel = layer.Weights.Single(w => w.Name == "kernel").Value;
        kernel.Assign(Tensor.Zeros(kernel.Shape));
        CollectionAssert.AreEqual(Enumerable.Repeat(0.5f, 6).ToArray(), initializer.Kept!.ToArray(), "the user's tensor is unchanged");
        Assert.AreEqual(0f, kernel.ToArray().Sum());
    }

    [TestMethod]
    public void BuiltInInitializersAreMarkedAsHandingOverFreshTensors()
    {
        foreach (var initializer in new[] { Initializer.Zeros, Initializer.Ones, Initializer.GlorotUniform, Initializer.FromName("orthogonal"), Initializer.HeUniform, Initializer.RandomUniform() })
            Assert.IsTrue(initializer.CreatesFreshTensors, initializer.Name);
        Assert.IsFalse(new KeepingInitializer().CreatesFreshTensors);
    }

    private sealed class KeepingInitializer : Initializer
    {
        public Tensor? Kept { get; private set; }

        public override string Name => "keeping";

        public override Tensor Create(Shape shape, RandomGenerator random) => Kept = Tensor.Full(shape, 0.5f);
    }
}
