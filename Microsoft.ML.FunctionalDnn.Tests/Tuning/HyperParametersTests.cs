using Microsoft.ML.FunctionalDnn.Tuning;

namespace Microsoft.ML.FunctionalDnn.Tests.Tuning;

[TestClass]
public sealed class HyperParametersTests
{
    [TestMethod]
    public void DeclaringReturnsDefaultsAndBuildsTheSpaceInOrder()
    {
        var hp = new HyperParameters();
        Assert.AreEqual(32, hp.Int("units", 32, 512, step: 32));
        Assert.AreEqual(1e-4, hp.Float("lr", 1e-4, 1e-2, sampling: Sampling.Log));
        Assert.AreEqual("relu", hp.Choice("activation", ["relu", "tanh"]));
        Assert.AreEqual(0.5, hp.Choice("rate", [0.1, 0.5], defaultValue: 0.5));
        Assert.IsFalse(hp.Boolean("dropout"));
        Assert.AreEqual("adam", hp.Fixed("optimizer", "adam"));
        CollectionAssert.AreEqual(new[] { "units", "lr", "activation", "rate", "dropout", "optimizer" }, hp.Space.Select(p => p.Name).ToArray());
        Assert.AreEqual(32, hp.Int("units", 32, 512, step: 32), "a second declaration reuses the first");
        Assert.AreEqual(6, hp.Space.Count);
        Assert.AreEqual(32, hp.Get<int>("units"));
        var ex = Assert.ThrowsExactly<ArgumentException>(() => hp.Float("units", 0, 1));
        StringAssert.Contains(ex.Message, "IntHyperParameter");
    }

    [TestMethod]
    public void StepsLogSamplingAndUnitMappings()
    {
        var hp = new HyperParameters();
        hp.Int("filters", 2, 32, step: 2, sampling: Sampling.Log);
        hp.Int("layers", 1, 3);
        hp.Float("dropout", 0, 0.5, step: 0.1);
        hp.Float("lr", 1e-4, 1e-1, sampling: Sampling.Log);
        var filters = hp.Space[0];
        CollectionAssert.AreEqual(new object[] { 2, 4, 8, 16, 32 }, filters.GridValues()!.ToArray());
        CollectionAssert.AreEqual(new object[] { 1, 2, 3 }, hp.Space[1].GridValues()!.ToArray());
        CollectionAssert.AreEqual(new object[] { 0.0, 0.1, 0.2, 0.3, 0.4, 0.5 }, hp.Space[2].GridValues()!.ToArray());
        Assert.IsNull(hp.Space[3].GridValues(), "a continuous range has no grid");
        var lr = hp.Space[3];
        Assert.AreEqual(1e-4, (double)lr.FromUnit(0), 1e-12);
        Assert.AreEqual(1e-1, (double)lr.FromUnit(1), 1e-12);
        Assert.AreEqual(1e-2, (double)lr.FromUnit(2 / 3.0), 1e-9, "log sampling spreads decades evenly");
        Assert.AreEqual(2 / 3.0, lr.ToUnit(1e-2), 1e-9);
        foreach (double u in new[] { 0.0, 0.3, 0.55, 0.99 })
        {
            object v = hp.Space[1].FromUnit(u);
            Assert.AreEqual(v, hp.Space[1].FromUnit(hp.Space[1].ToUnit(v)), "an encoded value decodes to itself");
        }
        CollectionAssert.AreEquivalent(new object[] { 1, 2, 3 }, Enumerable.Range(0, 100).Select(i => hp.Space[1].FromUnit(i / 99.0)).Distinct().ToArray());
        Assert.ThrowsExactly<ArgumentException>(() => hp.Float("bad", 0, 1, sampling: Sampling.Log));
        Assert.ThrowsExactly<ArgumentException>(() => hp.Int("backwards", 5, 1));
    }

    [TestMethod]
    public void ConditionalParametersAreActiveOnlyForTheirParentsValues()
    {
        var hp = new HyperParameters();
        string model = hp.Choice("model", ["mlp", "cnn"]);
        Assert.AreEqual("mlp", model);
        using (hp.ConditionalScope("model", "cnn"))
            Assert.AreEqual(3, hp.Int("kernel", 3, 7, step: 2), "inactive: the default");
        hp.Float("rate", 0.1, 0.5, parentName: "model", parentValues: ["mlp"]);
        Assert.IsFalse(hp.IsActive("kernel"));
        Assert.IsTrue(hp.IsActive("rate"));
        CollectionAssert.AreEquivalent(new[] { "model", "rate" }, hp.Values.Keys.ToArray());

        var cnn = new HyperParameters(hp.Space, new Dictionary<string, object> { ["model"] = "cnn", ["kernel"] = 5 });
        Assert.AreEqual(5, cnn.Int("kernel", 3, 7, step: 2));
        CollectionAssert.AreEquivalent(new[] { "model", "kernel" }, cnn.Values.Keys.ToArray());
        var ex = Assert.ThrowsExactly<ArgumentException>(() => hp.ConditionalScope("missing", 1));
        StringAssert.Contains(ex.Message, "'missing'");
    }

    [TestMethod]
    public void ObjectiveDirectionIsInferredFromTheName()
    {
        Assert.AreEqual(ObjectiveDirection.Min, ((Objective)"val_loss").Direction);
        Assert.AreEqual(ObjectiveDirection.Min, ((Objective)"val_income_loss").Direction);
        Assert.AreEqual(ObjectiveDirection.Min, ((Objective)"mae").Direction);
        Assert.AreEqual(ObjectiveDirection.Max, ((Objective)"val_accuracy").Direction);
        Assert.AreEqual(ObjectiveDirection.Max, ((Objective)"auc").Direction);
        Assert.AreEqual("Objective(name=\"val_acc\", direction=\"max\")", ((Objective)"val_acc").ToString());
        var ex = Assert.ThrowsExactly<ArgumentException>(() => (Objective)"score");
        StringAssert.Contains(ex.Message, "ObjectiveDirection");
        Assert.IsTrue(new Objective("score", ObjectiveDirection.Max).IsBetter(2, 1));
    }
}
