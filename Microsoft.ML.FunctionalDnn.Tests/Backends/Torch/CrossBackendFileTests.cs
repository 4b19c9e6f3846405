using Microsoft.ML.FunctionalDnn.Layers;
using static Microsoft.ML.FunctionalDnn.Keras;

namespace Microsoft.ML.FunctionalDnn.Tests.Backends.Torch;

/// <summary>
/// A model trained and saved on one backend loads on the other (the same .fdnn zip: config.json +
/// safetensors), predicts the same within rounding, and goes on training from the saved optimizer
/// state.
/// </summary>
[TestClass]
public sealed class CrossBackendFileTests
{
    [TestMethod]
    [DataRow("managed", "torch")]
    [DataRow("torch", "managed")]
    public void AModelSavedOnOneBackendLoadsAndPredictsOnTheOther(string from, string to)
    {
        _ = TestBackends.Torch;
        using var directory = new TempDirectory();
        string path = Path.Combine(directory.Path, "model.fdnn");
        string weightsPath = Path.Combine(directory.Path, "model.weights.safetensors");
        var r = new RandomGenerator(41);
        float[] textIds = [.. Enumerable.Range(0, 8 * 6).Select(_ => (float)r.NextInt(30))];
        float[] metadata = [.. Enumerable.Range(0, 8 * 3).Select(_ => r.NextFloat())];
        int[] labels = [.. Enumerable.Range(0, 8).Select(_ => r.NextInt(4))];
        float[] saved;
        using (TestBackends.Use(from))
        {
            LayerNames.Reset();
            using var seed = SeedScope.Begin(42);
            var text = Input([6], DType.Int32, "text");
            var meta = Input([3], name: "meta");
            var t = new Lstm(5).Apply(new Embedding(30, 4, maskZero: true).Apply(text));
            var m = new BatchNormalization().Apply(new Dense(5, "relu").Apply(meta));
            var model = new Model([text, meta], new Dense(4, "softmax").Apply(Concatenate([t, m])));
            model.Compile("adam", "sparse_categorical_crossentropy", metrics: new[] { "accuracy" });
            var inputs = Inputs();
            model.Fit(inputs, Tensor.FromArray(labels), epochs: 2, batchSize: 4, verbose: 0);
            saved = model.Predict(inputs)[0].ToArray();
            model.Save(path);
            model.SaveWeights(weightsPath);
        }
        using (TestBackends.Use(to))
        {
            var loaded = Model.Load(path);
            Assert.AreEqual(to, loaded.Weights[0].Value.OwningBackend.Name, "the loaded weights live on the loading backend");
            var inputs = Inputs();
            TorchLayerParityAssert(saved, loaded.Predict(inputs)[0].ToArray(), "predictions after loading");
            loaded.LoadWeights(weightsPath);
            TorchLayerParityAssert(saved, loaded.Predict(inputs)[0].ToArray(), "predictions after LoadWeights");
            // The optimizer state came along: training goes on from it.
            var history = loaded.Fit(inputs, Tensor.FromArray(labels), epochs: 1, batchSize: 4, verbose: 0);
            Assert.IsTrue(float.IsFinite(history["loss"][0]));
            Assert.IsGreaterThan(0L, loaded.Optimizer!.Iterations);
        }

        Tensor[] Inputs() => [Tensor.FromArray([.. textIds.Select(v => (int)v)], new Shape(8, 6)), Tensor.FromArray(metadata, new Shape(8, 3))];
    }

    private static void TorchLayerParityAssert(float[] expected, float[] actual, string what) =>
        LayerParityTests.AssertClose(expected, actual, what, tolerance: 1e-5);
}
