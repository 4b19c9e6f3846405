using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.FunctionalDnn.Tests.Tuning;
using Microsoft.ML.FunctionalDnn.Tuning;
using static Microsoft.ML.FunctionalDnn.Keras;

namespace Microsoft.ML.FunctionalDnn.Tests.Models;

[TestClass]
public sealed class EnsembleTests
{
    private static readonly (Tensor A, Tensor B, Tensor Y) Train = TunerTests.TwoInputData(400, 1);
    private static readonly (Tensor A, Tensor B, Tensor Y) Validation = TunerTests.TwoInputData(200, 2);
    private static readonly (Tensor A, Tensor B, Tensor Y) Test = TunerTests.TwoInputData(400, 3);

    /// <summary>Members differing only in their seed (initial weights and shuffling), each named "member" as a tuner's builds are.</summary>
    private static List<Model> Members(int count, int epochs = 8)
    {
        var members = new List<Model>();
        for (int seed = 0; seed < count; seed++)
        {
            Model model;
            using (SeedScope.Begin(100 + seed))
            {
                LayerNames.Reset();
                model = TunerTests.BuildTwoInput(Capable());
            }
            model.Fit(new[] { Train.A, Train.B }, Train.Y, epochs: epochs, batchSize: 32, verbose: 0, seed: seed);
            members.Add(model);
        }
        return members;
    }

    /// <summary>Sixteen units and a learning rate of 0.02: members that learn the task in a few epochs.</summary>
    private static HyperParameters Capable() => new([], new Dictionary<string, object> { ["units"] = 16, ["lr"] = 0.02 });

    private static IReadOnlyDictionary<string, float> Score(Model model, (Tensor A, Tensor B, Tensor Y) data) =>
        model.Evaluate(new[] { data.A, data.B }, data.Y);

    [TestMethod]
    public void TheAverageOfSeededMembersScoresAtLeastAsWellAsTheAverageMember()
    {
        var members = Members(5);
        var memberScores = members.Select(m => Score(m, Test)).ToList();
        var ensemble = Ensemble.Average(members);
        var scores = Score(ensemble, Test);
        Assert.IsLessThanOrEqualTo(memberScores.Average(s => s["loss"]), scores["loss"], "crossentropy is convex in the probabilities");
        Assert.IsGreaterThanOrEqualTo(memberScores.Average(s => s["accuracy"]), scores["accuracy"]);

        var expected = members.Select(m => m.Predict(new[] { Test.A, Test.B })[0].ToArray()).ToList();
        var actual = ensemble.Predict(new[] { Test.A, Test.B })[0].ToArray();
        for (int i = 0; i < actual.Length; i += 37) Assert.AreEqual(expected.Average(e => e[i]), actual[i], 1e-6f);
        CollectionAssert.AreEqual(new[] { "a", "b" }, ensemble.InputNames.ToArray());
        CollectionAssert.AreEqual(new[] { "label" }, ensemble.OutputNames.ToArray());
        Assert.HasCount(5, ensemble.Layers.OfType<Model>().Select(m => m.Name).Distinct().ToList(), "members named alike are renamed apart");
    }

    [TestMethod]
    public void WeightedAverageLearnsToDiscountAWrongMember()
    {
        var members = Members(3);
        Model flipped;
        using (SeedScope.Begin(7))
        {
            LayerNames.Reset();
            flipped = TunerTests.BuildTwoInput(Capable());
        }
        // A member trained on the opposite labels: confidently wrong.
        flipped.Fit(new[] { Train.A, Train.B }, Tensor.FromArray(Train.Y.ToIntArray().Select(v => 1 - v).ToArray()), epochs: 8, batchSize: 32, verbose: 0);
        members.Add(flipped);
        var before = members.Select(m => m.GetWeights()).ToList();
        var weighted = Ensemble.WeightedAverage(members, new[] { Validation.A, Validation.B }, Validation.Y, epochs: 60);
        var plain = Ensemble.Average(members, name: "plain");
        var combiner = weighted.Layers.OfType<WeightedAverage>().Single();
        Assert.AreEqual(1, combiner.InputWeights.Sum(), 1e-5);
        Assert.IsTrue(combiner.InputWeights.All(w => w > 0));
        Assert.AreEqual(combiner.InputWeights.Min(), combiner.InputWeights[3], "the wrong member gets the least weight");
        Assert.IsLessThan(Score(plain, Test)["loss"], Score(weighted, Test)["loss"]);
        for (int i = 0; i < members.Count; i++)
        {
            CollectionAssert.AreEqual(before[i].SelectMany(w => w).ToArray(), members[i].GetWeights().SelectMany(w => w).ToArray(), $"member {i} kept its weights");
            Assert.IsTrue(members[i].Trainable, "members are trainable again afterwards");
        }
    }

    [TestMethod]
    public void StackingTrainsAHeadOnTheMembersOutputs()
    {
        var members = Members(3, epochs: 4);
        var stacked = Ensemble.Stacking(members, new[] { Validation.A, Validation.B }, Validation.Y, hiddenUnits: 8, epochs: 40);
        var head = (Dense)stacked.GetLayer("label");
        Assert.AreEqual("softmax", head.ActivationFunction.Name, "the head keeps the members' output activation");
        Assert.IsGreaterThanOrEqualTo(members.Average(m => Score(m, Test)["accuracy"]) - 0.02, Score(stacked, Test)["accuracy"]);
        StringAssert.Contains(stacked.Summary(), "label_members (Concatenate)");
    }

    [TestMethod]
    public void AnEnsembleSavesAndLoadsLikeAnyModel()
    {
        using var dir = new TempDirectory();
        var members = Members(2, epochs: 1);
        var weighted = Ensemble.WeightedAverage(members, new[] { Validation.A, Validation.B }, Validation.Y, epochs: 3);
        string path = dir.File("ensemble.fdnn");
        weighted.Save(path);
        var loaded = Model.Load(path);
        CollectionAssert.AreEqual(weighted.Predict(new[] { Test.A, Test.B })[0].ToArray(), loaded.Predict(new[] { Test.A, Test.B })[0].ToArray());
        Assert.AreEqual(Score(weighted, Test)["loss"], Score(loaded, Test)["loss"], 1e-6);
    }

    [TestMethod]
    public void MembersWithDifferentInputsOrOutputsAreRejected()
    {
        var members = Members(1, epochs: 1);
        var other = Input([4], name: "c");
        var b = Input([2], name: "b");
        var odd = new Model([other, b], new Dense(2, "softmax", name: "label").Apply(Concatenate([other, b])));
        var ex = Assert.ThrowsExactly<ArgumentException>(() => Ensemble.Average([members[0], odd]));
        StringAssert.Contains(ex.Message, "takes [c, b]");
        var a = Input([4], name: "a");
        var wide = new Model([a, b], new Dense(3, "softmax", name: "label").Apply(Concatenate([a, b])));
        ex = Assert.ThrowsExactly<ArgumentException>(() => Ensemble.Average([members[0], wide]));
        StringAssert.Contains(ex.Message, "label (None, 3)");
        Assert.ThrowsExactly<ArgumentException>(() => Ensemble.Average([members[0]]));
    }
}
