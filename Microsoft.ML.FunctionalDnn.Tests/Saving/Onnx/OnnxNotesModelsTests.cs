using Microsoft.ML.FunctionalDnn.Applications;
using Microsoft.ML.FunctionalDnn.Layers;
using static Microsoft.ML.FunctionalDnn.Keras;

namespace Microsoft.ML.FunctionalDnn.Tests.Saving.Onnx;

/// <summary>
/// Every model of the Keras notes (../shared/docs/examples), exported and run in ONNX Runtime on random
/// inputs and random weights, equal to Predict within 1e-5 (the structures as in the notes; sizes cut
/// where a full-size run would only cost time).
/// </summary>
[TestClass]
public sealed class OnnxNotesModelsTests
{
    [TestInitialize]
    public void ResetNames() => LayerNames.Reset();

    private static Tensor Floats(int seed, params int[] shape) => Tensor.Uniform(new Shape(shape), -1, 1, new RandomGenerator(seed));

    private static Tensor Ids(int seed, int high, params int[] shape) => Tensor.RandomInts(new Shape(shape), 0, high, new RandomGenerator(seed));

    private static void Check(Model model, int seed, params Tensor[] inputs)
    {
        OnnxCheck.Randomize(model, seed);
        OnnxCheck.Matches(model, inputs);
    }

    [TestMethod]
    public void SequentialAndItsFunctionalTwin()
    {
        var sequential = new Sequential([new Dense(32, "relu"), new Dense(32, "relu"), new Dense(10, "softmax")], inputShape: [64], name: "seq_model");
        Check(sequential, 1, Floats(1, 4, 64));
        var input = Input([64]);
        var x = new Dense(32, "relu").Apply(new Dense(32, "relu").Apply(input));
        Check(new Model(input, new Dense(10, "softmax").Apply(x), name: "functional"), 2, Floats(2, 4, 64));
    }

    [TestMethod]
    public void QuestionAnswering()
    {
        var text = Input([200], DType.Int32, name: "text");
        var question = Input([200], DType.Int32, name: "question");
        var encodedText = new Lstm(32).Apply(new Embedding(10000, 64).Apply(text));
        var encodedQuestion = new Lstm(16).Apply(new Embedding(10000, 32).Apply(question));
        var answer = new Dense(500, "softmax").Apply(Concatenate([encodedText, encodedQuestion]));
        Check(new Model([text, question], answer, name: "qa"), 3, Ids(3, 10000, 3, 200), Ids(4, 10000, 3, 200));
    }

    [TestMethod]
    public void SocialMediaThreeHeadsOnPostsOfAnyLength()
    {
        var posts = Input([null], DType.Int32, name: "posts");
        var x = new Embedding(2000, 32).Apply(posts);
        x = new MaxPooling1D(5).Apply(new Conv1D(16, 5, activation: "relu").Apply(x));
        x = new MaxPooling1D(5).Apply(new Conv1D(32, 5, activation: "relu").Apply(new Conv1D(32, 5, activation: "relu").Apply(x)));
        x = new GlobalMaxPooling1D().Apply(new Conv1D(32, 5, activation: "relu").Apply(new Conv1D(32, 5, activation: "relu").Apply(x)));
        x = new Dense(128, "relu").Apply(x);
        var model = new Model(posts,
            [new Dense(1, name: "age").Apply(x), new Dense(10, "softmax", name: "income").Apply(x), new Dense(1, "sigmoid", name: "gender").Apply(x)], name: "social");
        Check(model, 5, Ids(5, 2000, 2, 300));
        OnnxCheck.Matches(model, [Ids(6, 2000, 3, 420)], because: "another length");
    }

    [TestMethod]
    public void InceptionModule()
    {
        var input = Input([16, 16, 8], name: "x");
        var a = new Conv2D(16, 1, strides: 2, activation: "relu").Apply(input);
        var b = new Conv2D(16, 3, strides: 2, padding: Padding.Same, activation: "relu").Apply(new Conv2D(16, 1, activation: "relu").Apply(input));
        var c = new Conv2D(16, 3, padding: Padding.Same, activation: "relu").Apply(new AveragePooling2D(3, 2, Padding.Same).Apply(input));
        var d = new Conv2D(16, 1, activation: "relu").Apply(input);
        d = new Conv2D(16, 3, strides: 2, padding: Padding.Same, activation: "relu").Apply(new Conv2D(16, 3, padding: Padding.Same, activation: "relu").Apply(d));
        Check(new Model(input, Concatenate([a, b, c, d]), name: "inception"), 6, Floats(6, 2, 16, 16, 8));
    }

    [TestMethod]
    public void ResidualConnections()
    {
        var x = Input([32, 32, 3], name: "x");
        var y = new Conv2D(3, 5, padding: Padding.Same, activation: "relu").Apply(x);
        y = new Conv2D(3, 5, padding: Padding.Same, activation: "relu").Apply(y);
        y = new Conv2D(3, 5, padding: Padding.Same, activation: "relu").Apply(y);
        Check(new Model(x, new Add().Apply([y, x]), name: "identity_residual"), 7, Floats(7, 2, 32, 32, 3));

        var p = Input([32, 32, 3], name: "p");
        var q = new Conv2D(3, 5, activation: "relu").Apply(p);
        q = new Conv2D(3, 3, activation: "relu").Apply(new Conv2D(3, 5, activation: "relu").Apply(q));
        q = new MaxPooling2D(2, 2).Apply(q);
        var residual = new Conv2D(3, 1, strides: 3).Apply(p);
        Check(new Model(p, new Add().Apply([q, residual]), name: "projection_residual"), 8, Floats(8, 2, 32, 32, 3));
    }

    [TestMethod]
    public void SiameseLstmOnSentencesOfAnyLength()
    {
        var lstm = new Lstm(32);
        var left = Input([null, 128], name: "left");
        var right = Input([null, 128], name: "right");
        var merged = Concatenate([lstm.Apply(left), lstm.Apply(right)]);
        var model = new Model([left, right], new Dense(1, "sigmoid").Apply(merged), name: "siamese");
        Check(model, 9, Floats(9, 2, 6, 128), Floats(10, 2, 6, 128));
        OnnxCheck.Matches(model, [Floats(11, 2, 11, 128), Floats(12, 2, 11, 128)], because: "longer sentences");
    }

    [TestMethod]
    public void DualCameraXceptionSharesOneBase()
    {
        var xception = Xception.Build(includeTop: false, inputShape: (71, 71, 3), name: "xception");
        var left = Input([71, 71, 3], name: "left");
        var right = Input([71, 71, 3], name: "right");
        var merged = Concatenate([new GlobalAveragePooling2D().Apply(xception.Apply(left)), new GlobalAveragePooling2D().Apply(xception.Apply(right))]);
        var model = new Model([left, right], new Dense(1, "sigmoid").Apply(merged), name: "dual_camera");
        Check(model, 10, Floats(13, 1, 71, 71, 3), Floats(14, 1, 71, 71, 3));
    }

    [TestMethod]
    public void MultiModalPriceAndCategory()
    {
        var model = Microsoft.ML.FunctionalDnn.Tests.MLNet.MultiModalPipelineTests.ClothingModel(20);
        Check(model, 11, Floats(15, 3, 8, 8, 1), Floats(16, 3, 3), Ids(17, 20, 3, 6));
    }
}
