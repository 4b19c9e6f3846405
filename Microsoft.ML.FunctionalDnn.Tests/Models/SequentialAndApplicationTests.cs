using Microsoft.ML.FunctionalDnn.Applications;
using Microsoft.ML.FunctionalDnn.Layers;
using static Microsoft.ML.FunctionalDnn.Keras;

namespace Microsoft.ML.FunctionalDnn.Tests.Models;

[TestClass]
public sealed class SequentialAndApplicationTests
{
    [TestInitialize]
    public void ResetNames() => LayerNames.Reset();

    [TestMethod]
    public void SequentialEqualsFunctionalWithEqualWeights()
    {
        var seq = new Sequential([new Dense(32, "relu"), new Dense(32, "relu"), new Dense(10, "softmax")], inputShape: [64]);
        var input = Input([64]);
        var x = new Dense(32, "relu").Apply(input);
        x = new Dense(32, "relu").Apply(x);
        var functional = new Model(input, new Dense(10, "softmax").Apply(x));
        Assert.AreEqual(3466, seq.CountParams());
        Assert.AreEqual(3466, functional.CountParams());
        for (int i = 0; i < seq.Weights.Count; i++) functional.Weights[i].Value.Assign(seq.Weights[i].Value);
        var data = Tensor.Uniform(new Shape(4, 64), 0, 1, new RandomGenerator(1));
        CollectionAssert.AreEqual(functional.Predict([data])[0].ToArray(), seq.Predict([data])[0].ToArray());
        string summary = seq.Summary();
        StringAssert.StartsWith(summary, "Model: \"sequential\"");
        Assert.IsFalse(summary.Contains("InputLayer", StringComparison.Ordinal), "Sequential summaries leave out the Input row, as Keras does");
        StringAssert.Contains(summary, "Total params: 3,466");
    }

    [TestMethod]
    public void SequentialAddAndPop()
    {
        var seq = new Sequential(inputShape: [8]);
        seq.Add(new Dense(4));
        seq.Add(new Dense(2));
        Assert.AreEqual(new TensorShape(null, 2), seq.Outputs[0].Shape);
        seq.Pop();
        Assert.AreEqual(new TensorShape(null, 4), seq.Outputs[0].Shape);
        Assert.HasCount(1, seq.StackedLayers);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => seq.Add(new Conv1D(2, 3)));
        StringAssert.Contains(ex.Message, "(batch, steps, channels)");
    }

    [TestMethod]
    public void SequentialBuildsFromAnAddedInputOrTheFirstBatch()
    {
        var withInput = new Sequential();
        withInput.Add(Input([64]));
        withInput.Add(new Dense(32, "relu"));
        withInput.Add(new Dense(10));
        Assert.AreEqual(2410, withInput.CountParams());

        var deferred = new Sequential();
        deferred.Add(new Dense(8, "relu"));
        deferred.Add(new Dense(3));
        Assert.IsFalse(deferred.IsGraphBuilt);
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => deferred.Summary());
        StringAssert.Contains(ex.Message, "has not been built yet");
        var y = deferred.Predict([Tensor.Ones(new Shape(2, 5))])[0];
        Assert.AreEqual(new Shape(2, 3), y.Shape);
        Assert.IsTrue(deferred.IsGraphBuilt);
        Assert.AreEqual(5 * 8 + 8 + 8 * 3 + 3, deferred.CountParams());
        StringAssert.Contains(deferred.Summary(), "(None, 3)");
    }

    [TestMethod]
    public void XceptionParameterCountsMatchKeras()
    {
        var withTop = Xception.Build();
        Assert.AreEqual(22_910_480, withTop.CountParams());
        Assert.AreEqual(new TensorShape(null, 1000), withTop.Outputs[0].Shape);
        LayerNames.Reset();
        var noTop = Xception.Build(includeTop: false, pooling: Pooling.Avg);
        Assert.AreEqual(20_861_480, noTop.CountParams());
        Assert.AreEqual(new TensorShape(null, 2048), noTop.Outputs[0].Shape);
        long nonTrainable = noTop.Weights.Where(w => !w.Trainable).Sum(w => (long)w.Value.Size);
        Assert.AreEqual(54_528, nonTrainable);
    }

    [TestMethod]
    public void SharedXceptionBaseOnTwoCamerasRunsForward()
    {
        using var seed = SeedScope.Begin(3);
        var xception = Xception.Build(includeTop: false, inputShape: (71, 71, 3), pooling: Pooling.Avg);
        var left = Input([71, 71, 3], name: "left_camera");
        var right = Input([71, 71, 3], name: "right_camera");
        var merged = Concatenate([xception.Apply(left), xception.Apply(right)]);
        var model = new Model([left, right], merged, "dual_camera");
        Assert.AreEqual(xception.CountParams(), model.CountParams());
        StringAssert.Contains(model.Summary(), "xception (Functional)");
        var r = new RandomGenerator(4);
        var image = Tensor.Uniform(new Shape(1, 71, 71, 3), 0, 1, r);
        var features = model.Predict([image, image])[0];
        Assert.AreEqual(new Shape(1, 4096), features.Shape);
        var f = features.ToArray();
        for (int i = 0; i < 2048; i++) Assert.AreEqual(f[i], f[2048 + i], "the same image through the shared base gives the same features");
    }
}
