using Microsoft.ML.FunctionalDnn.Optimizers;

namespace Microsoft.ML.FunctionalDnn.Tests.Optimizers;

/// <summary>ExportState/ImportState: a round trip resumes training exactly; a state that does not fit is refused before anything changes.</summary>
[TestClass]
public sealed class OptimizerStateTests
{
    private static readonly float[][] Gradients = [[0.5f, -0.25f, 1f], [0.1f, 0.2f, -0.3f], [-0.4f, 0.05f, 0.6f], [0.3f, -0.3f, 0.1f]];

    private static (Tensor A, Tensor B, List<KeyValuePair<string, Tensor>> Named) Weights(float[]? a = null, float[]? b = null)
    {
        var wa = Tensor.FromArray(a ?? [1f, 2f, 3f]);
        var wb = Tensor.FromArray(b ?? [-1f, 0.5f, 0f]);
        return (wa, wb, [new("dense/kernel", wa), new("dense/bias", wb)]);
    }

    private static void Step(Optimizer optimizer, Tensor a, Tensor b, int step) =>
        optimizer.Apply([Tensor.FromArray(Gradients[step]), Tensor.FromArray(Gradients[step]) * -2f], [a, b]);

    private static Dictionary<string, Tensor> StateOf(Optimizer optimizer, int steps)
    {
        var (a, b, named) = Weights();
        for (int s = 0; s < steps; s++) Step(optimizer, a, b, s);
        return optimizer.ExportState(named).ToDictionary(p => p.Key, p => p.Value);
    }

    [TestMethod]
    [DataRow("adam")]
    [DataRow("nadam")]
    [DataRow("rmsprop")]
    [DataRow("adadelta")]
    public void ARestoredOptimizerContinuesExactlyAsTheOriginal(string name)
    {
        var original = Optimizer.FromName(name);
        var (a, b, named) = Weights();
        for (int s = 0; s < 2; s++) Step(original, a, b, s);
        var state = original.ExportState(named);
        var slots = state.Where(p => p.Key.StartsWith("optimizer/dense/", StringComparison.Ordinal)).ToList();
        var exported = slots.Select(p => p.Value.ToArray()).ToList();
        var (a2, b2, named2) = Weights(a.ToArray(), b.ToArray());
        var restored = Optimizer.FromName(name);
        restored.ImportState(state.ToDictionary(p => p.Key, p => p.Value), named2);
        Assert.AreEqual(2, restored.Iterations);
        for (int s = 2; s < 4; s++)
        {
            Step(original, a, b, s);
            Step(restored, a2, b2, s);
        }
        CollectionAssert.AreEqual(a.ToArray(), a2.ToArray(), $"{name}: the restored run diverged");
        CollectionAssert.AreEqual(b.ToArray(), b2.ToArray(), $"{name}: the restored run diverged");
        Assert.IsNotEmpty(slots);
        for (int i = 0; i < slots.Count; i++)
            CollectionAssert.AreEqual(exported[i], slots[i].Value.ToArray(), $"the exported {slots[i].Key} is a copy, unchanged by later steps");
    }

    [TestMethod]
    public void ExportWritesEachWeightsSlotsUnderTodaysKeys()
    {
        var keys = StateOf(new Adam(), 1).Keys.Order(StringComparer.Ordinal).ToArray();
        CollectionAssert.AreEqual(new[]
        {
            "optimizer/dense/bias/0", "optimizer/dense/bias/1", "optimizer/dense/kernel/0", "optimizer/dense/kernel/1",
            "optimizer/iterations", "optimizer/learning_rate",
        }, keys);
        Assert.IsFalse(StateOf(new Sgd(), 1).Keys.Any(k => k.StartsWith("optimizer/dense", StringComparison.Ordinal)), "SGD without momentum keeps no slots");
    }

    [TestMethod]
    [DataRow("adam", "sgd", 2, 0)]
    [DataRow("adam", "adagrad", 2, 1)]
    [DataRow("adagrad", "nadam", 1, 2)]
    public void ImportRefusesAnotherNumberOfSlotsPerWeight(string from, string into, int found, int expected)
    {
        var state = StateOf(Optimizer.FromName(from), 2);
        var (_, _, named) = Weights();
        var target = Optimizer.FromName(into);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => target.ImportState(state, named, "backup.safetensors"));
        StringAssert.Contains(e.Message, "'backup.safetensors'");
        StringAssert.Contains(e.Message, $"weight 'dense/kernel' has {found} optimizer slots");
        StringAssert.Contains(e.Message, $"keeps {expected} per weight");
        Assert.AreEqual(0, target.Iterations, "nothing changes when the state is refused");
    }

    [TestMethod]
    public void ImportRefusesSgdMomentumIntoPlainSgdAndTheReverseWorksEmpty()
    {
        var withMomentum = StateOf(new Sgd(momentum: 0.9f), 1);
        var (_, _, named) = Weights();
        var e = Assert.ThrowsExactly<InvalidDataException>(() => new Sgd().ImportState(withMomentum, named));
        StringAssert.Contains(e.Message, "has 1 optimizer slots; this sgd optimizer keeps 0 per weight");
        // A state without slots (plain Sgd) fits any optimizer: its slots start afresh.
        var adam = new Adam();
        adam.ImportState(StateOf(new Sgd(), 3), named);
        Assert.AreEqual(3, adam.Iterations);
    }

    [TestMethod]
    public void ImportRefusesSlotsOfTheWrongShapeOrOfNoWeight()
    {
        var (_, _, named) = Weights();
        var state = StateOf(new Adam(), 1);
        state["optimizer/dense/bias/1"] = Tensor.Zeros(new Shape(4));
        var target = new Adam();
        var e = Assert.ThrowsExactly<InvalidDataException>(() => target.ImportState(state, named, "f"));
        StringAssert.Contains(e.Message, "optimizer/dense/bias/1 is Float32 (4,); expected Float32 (3,)");
        state = StateOf(new Adam(), 1);
        state["optimizer/dense/gamma/0"] = Tensor.Zeros(new Shape(3));
        e = Assert.ThrowsExactly<InvalidDataException>(() => target.ImportState(state, named, "f"));
        StringAssert.Contains(e.Message, "is the state of no weight");
        state = StateOf(new Adam(), 1);
        state["optimizer/dense/bias/2"] = Tensor.Zeros(new Shape(3));
        e = Assert.ThrowsExactly<InvalidDataException>(() => target.ImportState(state, named, "f"));
        StringAssert.Contains(e.Message, "has 3 optimizer slots; this adam optimizer keeps 2 per weight (momentum, velocity)");
        Assert.AreEqual(0, target.Iterations);
    }
}
