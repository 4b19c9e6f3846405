using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.FunctionalDnn.Tests.Models;
using static Microsoft.ML.FunctionalDnn.Keras;

namespace Microsoft.ML.FunctionalDnn.Tests.Backends.Torch;

/// <summary>The notes' model tests again, on the torch backend.</summary>
[TestClass]
public sealed class TorchNotesExampleModelsTests : NotesExampleModelsTests
{
    protected override string BackendName => "torch";
}

/// <summary>
/// A seeded training run of each of the notes' models (at test sizes) on the torch backend ends
/// with the managed engine's losses within 1e-3 (relative): same host-drawn weights, same data and
/// shuffling, Keras's optimizer rules on both sides.
/// </summary>
[TestClass]
public sealed class TrainingParityTests
{
    public static IEnumerable<object[]> ModelNames =>
        [["question_answering"], ["social_three_heads"], ["residual"], ["inception"], ["siamese_shared_lstm"], ["multi_input_metadata"]];

    [TestMethod]
    [DynamicData(nameof(ModelNames))]
    public void NotesModelTrainsAsOnTheManagedEngine(string name)
    {
        var torch = TestBackends.Torch;
        Dictionary<string, IReadOnlyList<float>> managed;
        using (TestBackends.Use("managed")) managed = Train(name);
        Dictionary<string, IReadOnlyList<float>> onTorch;
        using (Microsoft.ML.FunctionalDnn.Backends.Backend.Use(torch)) onTorch = Train(name);
        foreach (var (key, values) in managed)
        {
            float expected = values[^1], actual = onTorch[key][^1];
            Assert.AreEqual(expected, actual, 1e-3 * Math.Max(1, Math.Abs(expected)), $"{name}: final {key} managed {expected}, torch {actual}");
        }
        Assert.IsLessThan(managed["loss"][0], managed["loss"][^1], $"{name} learns");
    }

    private static Dictionary<string, IReadOnlyList<float>> Train(string name)
    {
        LayerNames.Reset();
        using var seed = SeedScope.Begin(31);
        var r = new RandomGenerator(32);
        var (model, inputs, targets, optimizer, losses) = Build(name, r);
        model.Compile(optimizer, losses.Length == 1 ? losses[0] : losses);
        var history = model.Fit(inputs, targets, epochs: 3, batchSize: 16, verbose: 0, seed: 33);
        return history.Values.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<float>)kv.Value);
    }

    private static (Model, Tensor[], Tensor[], string, string[]) Build(string name, RandomGenerator r)
    {
        const int n = 64;
        switch (name)
        {
            case "question_answering":
            {
                var text = Input([12], DType.Int32, "text");
                var question = Input([6], DType.Int32, "question");
                var t = new Lstm(8).Apply(new Embedding(50, 8).Apply(text));
                var q = new Lstm(4).Apply(new Embedding(50, 4).Apply(question));
                var answer = new Dense(5, "softmax").Apply(Concatenate([t, q]));
                return (new Model([text, question], answer),
                    [Tensor.RandomInts(new Shape(n, 12), 1, 50, r), Tensor.RandomInts(new Shape(n, 6), 1, 50, r)],
                    [Tensor.RandomInts(new Shape(n), 0, 5, r)], "rmsprop", ["sparse_categorical_crossentropy"]);
            }
            case "social_three_heads":
            {
                var posts = Input([20], DType.Int32, "posts");
                var x = new Embedding(100, 8).Apply(posts);
                x = new Conv1D(8, 3, activation: "relu").Apply(x);
                x = new MaxPooling1D(2).Apply(x);
                x = new Conv1D(8, 3, activation: "relu").Apply(x);
                x = new GlobalMaxPooling1D().Apply(x);
                x = new Dense(8, "relu").Apply(x);
                var age = new Dense(1, name: "age").Apply(x);
                var income = new Dense(4, "softmax", name: "income").Apply(x);
                var gender = new Dense(1, "sigmoid", name: "gender").Apply(x);
                return (new Model([posts], [age, income, gender]),
                    [Tensor.RandomInts(new Shape(n, 20), 1, 100, r)],
                    [Tensor.Uniform(new Shape(n, 1), 0, 1, r), Tensor.RandomInts(new Shape(n), 0, 4, r), Ops.Cast(Tensor.RandomInts(new Shape(n, 1), 0, 2, r), DType.Float32)],
                    "rmsprop", ["mse", "sparse_categorical_crossentropy", "binary_crossentropy"]);
            }
            case "residual":
            {
                var x = Input([8, 8, 3]);
                var y = new Conv2D(3, 3, padding: Padding.Same, activation: "relu").Apply(x);
                y = new Conv2D(3, 3, padding: Padding.Same).Apply(y);
                var z = new Flatten().Apply(Add([y, x]));
                return (new Model(x, new Dense(3, "softmax").Apply(z)),
                    [Tensor.Uniform(new Shape(n, 8, 8, 3), 0, 1, r)], [Tensor.RandomInts(new Shape(n), 0, 3, r)], "adam", ["sparse_categorical_crossentropy"]);
            }
            case "inception":
            {
                var x = Input([8, 8, 3]);
                var a = new Conv2D(4, 1, padding: Padding.Same, activation: "relu").Apply(x);
                a = new Conv2D(4, 3, padding: Padding.Same, activation: "relu").Apply(a);
                var b = new Conv2D(4, 1, padding: Padding.Same, activation: "relu").Apply(x);
                b = new Conv2D(4, 5, padding: Padding.Same, activation: "relu").Apply(b);
                var c = new MaxPooling2D(3, strides: 1, padding: Padding.Same).Apply(x);
                c = new Conv2D(4, 1, padding: Padding.Same, activation: "relu").Apply(c);
                var merged = new GlobalAveragePooling2D().Apply(Concatenate([a, b, c]));
                return (new Model(x, new Dense(3, "softmax").Apply(merged)),
                    [Tensor.Uniform(new Shape(n, 8, 8, 3), 0, 1, r)], [Tensor.RandomInts(new Shape(n), 0, 3, r)], "adam", ["sparse_categorical_crossentropy"]);
            }
            case "siamese_shared_lstm":
            {
                var left = Input([7, 4], name: "left");
                var right = Input([7, 4], name: "right");
                var shared = new Lstm(6);
                var merged = Concatenate([shared.Apply(left), shared.Apply(right)]);
                return (new Model([left, right], new Dense(1, "sigmoid").Apply(merged)),
                    [Tensor.Uniform(new Shape(n, 7, 4), -1, 1, r), Tensor.Uniform(new Shape(n, 7, 4), -1, 1, r)],
                    [Ops.Cast(Tensor.RandomInts(new Shape(n, 1), 0, 2, r), DType.Float32)], "rmsprop", ["binary_crossentropy"]);
            }
            case "multi_input_metadata":
            {
                var title = Input([10], DType.Int32, "title");
                var meta = Input([5], name: "meta");
                var t = new Gru(6).Apply(new Embedding(40, 6, maskZero: true).Apply(title));
                var m = new BatchNormalization().Apply(new Dense(6, "relu").Apply(meta));
                var h = new Dropout(0.2f).Apply(Concatenate([t, m]));
                var ids = Tensor.RandomInts(new Shape(n, 10), 0, 40, r);
                return (new Model([title, meta], new Dense(3, "softmax").Apply(h)),
                    [ids, Tensor.Uniform(new Shape(n, 5), -1, 1, r)], [Tensor.RandomInts(new Shape(n), 0, 3, r)], "adam", ["sparse_categorical_crossentropy"]);
            }
            default:
                throw new ArgumentException(name);
        }
    }
}
