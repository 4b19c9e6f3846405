using Microsoft.ML.FunctionalDnn.Layers;
using static Microsoft.ML.FunctionalDnn.Keras;

namespace Microsoft.ML.FunctionalDnn.Benchmarks.Workloads;

/// <summary>
/// The models of WORKLOADS.md built with the functional API and trained with Compile/Fit, with the
/// sizes, data, optimizer (RmsProp, Keras defaults), batch sizes and epochs of the PyTorch twins.
/// </summary>
internal static class ReferenceModels
{
    /// <summary>Training samples per workload: 1000 as in WORKLOADS.md, fewer under <c>--quick</c>.</summary>
    internal static int Samples { get; set; } = 1000;

    /// <summary>What a workload times: training (<c>Fit</c>), inference (<c>Predict</c>), or the bare GEMM.</summary>
    internal enum Task { Fit, Predict, Gemm }

    internal sealed record Workload(string Name, Func<RandomGenerator, (Model Model, Tensor[] X, Tensor[] Y)> Build, int BatchSize, int Epochs, Task Timed = Task.Fit);

    internal static readonly Workload[] All =
    [
        new("mlp", Mlp, 128, 10),
        new("qa", QuestionAnswering, 128, 10),
        new("social", Social, 64, 2),
        new("residual", Residual, 64, 1),
        new("siamese", Siamese, 128, 5),
        new("inception", Inception, 32, 1),
        new("predict_qa", QuestionAnswering, 128, 0, Task.Predict),
        new("gemm", _ => throw new InvalidOperationException("gemm has no model."), 0, 0, Task.Gemm),
    ];

    /// <summary>Inception's images: 256 at full size (WORKLOADS.md), scaled with <see cref="Samples"/> under <c>--quick</c>.</summary>
    internal static int InceptionSamples => Math.Max(1, Samples * 256 / 1000);

    /// <summary>The GEMM workload: a <see cref="GemmSize"/>² product, <see cref="GemmRepeats"/> times.</summary>
    internal const int GemmSize = 1024, GemmRepeats = 20;

    private static Tensor OneHotRandom(RandomGenerator r, int classes) => Ops.OneHot(Tensor.RandomInts(new Shape(Samples), 0, classes, r), classes);

    private static (Model, Tensor[], Tensor[]) Mlp(RandomGenerator r)
    {
        var input = Input([64]);
        var x = new Dense(32, "relu").Apply(input);
        x = new Dense(32, "relu").Apply(x);
        var model = new Model(input, new Dense(10, "softmax").Apply(x));
        model.Compile("rmsprop", "categorical_crossentropy");
        return (model, [Tensor.Uniform(new Shape(Samples, 64), 0, 1, r)], [Tensor.Uniform(new Shape(Samples, 10), 0, 1, r)]);
    }

    private static (Model, Tensor[], Tensor[]) QuestionAnswering(RandomGenerator r)
    {
        var text = Input([100], DType.Int32, "text");
        var question = Input([100], DType.Int32, "question");
        var encodedText = new Lstm(32).Apply(new Embedding(10000, 64).Apply(text));
        var encodedQuestion = new Lstm(16).Apply(new Embedding(10000, 32).Apply(question));
        var model = new Model([text, question], new Dense(500, "softmax").Apply(Concatenate([encodedText, encodedQuestion])));
        model.Compile("rmsprop", "categorical_crossentropy");
        return (model, [Tensor.RandomInts(new Shape(Samples, 100), 1, 10000, r), Tensor.RandomInts(new Shape(Samples, 100), 1, 10000, r)], [OneHotRandom(r, 500)]);
    }

    private static (Model, Tensor[], Tensor[]) Social(RandomGenerator r)
    {
        var posts = Input([200], DType.Int32, "posts");
        var x = new Embedding(50000, 256).Apply(posts);
        x = new Conv1D(128, 5, activation: "relu").Apply(x);
        x = new MaxPooling1D(5).Apply(x);
        x = new Conv1D(256, 5, activation: "relu").Apply(x);
        x = new Conv1D(256, 5, activation: "relu").Apply(x);
        x = new Dense(128, "relu").Apply(new GlobalMaxPooling1D().Apply(x));
        var model = new Model([posts], [new Dense(1, name: "age").Apply(x), new Dense(10, "softmax", name: "income").Apply(x), new Dense(1, "sigmoid", name: "gender").Apply(x)]);
        model.Compile("rmsprop", ["mse", "categorical_crossentropy", "binary_crossentropy"], lossWeights: [0.25f, 1f, 10f]);
        var ages = Ops.Cast(Tensor.RandomInts(new Shape(Samples, 1), 20, 75, r), DType.Float32);
        var genders = Ops.Cast(Tensor.RandomInts(new Shape(Samples, 1), 0, 2, r), DType.Float32);
        return (model, [Tensor.RandomInts(new Shape(Samples, 200), 1, 50000, r)], [ages, OneHotRandom(r, 10), genders]);
    }

    private static (Model, Tensor[], Tensor[]) Residual(RandomGenerator r)
    {
        var input = Input([32, 32, 3]);
        var x = new Conv2D(32, 3, padding: Padding.Same, activation: "relu").Apply(input);
        for (int block = 0; block < 2; block++)
        {
            var y = new Conv2D(32, 3, padding: Padding.Same, activation: "relu").Apply(x);
            y = new Conv2D(32, 3, padding: Padding.Same).Apply(y);
            x = Add([x, y]);
        }
        var z = new Conv2D(64, 3, padding: Padding.Same, activation: "relu").Apply(x);
        z = new Conv2D(64, 3, padding: Padding.Same, activation: "relu").Apply(z);
        z = new MaxPooling2D(2).Apply(z);
        x = Add([z, new Conv2D(64, 1, strides: 2).Apply(x)]);
        var model = new Model(input, new Dense(10, "softmax").Apply(new GlobalAveragePooling2D().Apply(x)));
        model.Compile("rmsprop", "categorical_crossentropy");
        return (model, [Tensor.Uniform(new Shape(Samples, 32, 32, 3), 0, 1, r)], [OneHotRandom(r, 10)]);
    }

    // The notes' Inception module (docs/functional-api.md), on 32 × 32 × 64 inputs.
    private static (Model, Tensor[], Tensor[]) Inception(RandomGenerator r)
    {
        var input = Input([32, 32, 64]);
        var a = new Conv2D(128, 1, strides: 2, activation: "relu").Apply(input);
        var b = new Conv2D(128, 1, activation: "relu").Apply(input);
        b = new Conv2D(128, 3, strides: 2, padding: Padding.Same, activation: "relu").Apply(b);
        var c = new AveragePooling2D(3, strides: 2, padding: Padding.Same).Apply(input);
        c = new Conv2D(128, 3, padding: Padding.Same, activation: "relu").Apply(c);
        var d = new Conv2D(128, 1, activation: "relu").Apply(input);
        d = new Conv2D(128, 3, padding: Padding.Same, activation: "relu").Apply(d);
        d = new Conv2D(128, 3, strides: 2, padding: Padding.Same, activation: "relu").Apply(d);
        var joined = Concatenate([a, b, c, d], axis: -1);
        var model = new Model(input, new Dense(10, "softmax").Apply(new GlobalAveragePooling2D().Apply(joined)));
        model.Compile("rmsprop", "categorical_crossentropy");
        int n = InceptionSamples;
        return (model, [Tensor.Uniform(new Shape(n, 32, 32, 64), 0, 1, r)], [Ops.OneHot(Tensor.RandomInts(new Shape(n), 0, 10, r), 10)]);
    }

    private static (Model, Tensor[], Tensor[]) Siamese(RandomGenerator r)
    {
        var lstm = new Lstm(32);
        var left = Input([50, 128]);
        var right = Input([50, 128]);
        var model = new Model([left, right], new Dense(1, "sigmoid").Apply(Concatenate([lstm.Apply(left), lstm.Apply(right)])));
        model.Compile("rmsprop", "binary_crossentropy");
        var targets = Ops.Cast(Tensor.RandomInts(new Shape(Samples, 1), 0, 2, r), DType.Float32);
        return (model, [Tensor.Uniform(new Shape(Samples, 50, 128), 0, 1, r), Tensor.Uniform(new Shape(Samples, 50, 128), 0, 1, r)], [targets]);
    }
}
