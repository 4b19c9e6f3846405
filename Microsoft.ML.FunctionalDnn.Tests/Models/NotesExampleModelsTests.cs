using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.FunctionalDnn.Tests.Backends;
using static Microsoft.ML.FunctionalDnn.Keras;

namespace Microsoft.ML.FunctionalDnn.Tests.Models;

/// <summary>The models of the Keras notes (shared/docs/examples), with the parameter counts Keras printed — on each backend (see Backends/Torch).</summary>
[TestClass]
public class NotesExampleModelsTests : BackendTestBase
{
    [TestInitialize]
    public void ResetNames() => LayerNames.Reset();

    private static long Params(Model model, string layer) => model.GetLayer(layer).CountParams();

    [TestMethod]
    public void QuestionAnsweringModel()
    {
        var text = Input([200], DType.Int32, "text");
        var encodedText = new Lstm(32, name: "lstm_text").Apply(new Embedding(10000, 64, name: "embed_text").Apply(text));
        var question = Input([200], DType.Int32, "question");
        var encodedQuestion = new Lstm(16, name: "lstm_question").Apply(new Embedding(10000, 32, name: "embed_question").Apply(question));
        var answer = new Dense(500, "softmax", name: "answer").Apply(Concatenate([encodedText, encodedQuestion]));
        var model = new Model([text, question], answer);

        Assert.AreEqual(640_000, Params(model, "embed_text"));
        Assert.AreEqual(12_416, Params(model, "lstm_text"));
        Assert.AreEqual(320_000, Params(model, "embed_question"));
        Assert.AreEqual(3_136, Params(model, "lstm_question"));
        Assert.AreEqual(24_500, Params(model, "answer"));
        string summary = model.Summary();
        StringAssert.Contains(summary, "embed_text (Embedding)           (None, 200, 64)       640000      text[0][0]");
        StringAssert.Contains(summary, "answer (Dense)                   (None, 500)           24500       concatenate[0][0]");
        StringAssert.Contains(summary, "Total params: 1,000,052");

        var r = new RandomGenerator(1);
        var probs = model.Predict([Tensor.RandomInts(new Shape(3, 200), 1, 10000, r), Tensor.RandomInts(new Shape(3, 200), 1, 10000, r)])[0];
        Assert.AreEqual(new Shape(3, 500), probs.Shape);
    }

    private static (SymbolicTensor Posts, SymbolicTensor X) SocialTrunk(int? length, bool trimmed)
    {
        var posts = Input([length], DType.Int32, "posts");
        var x = new Embedding(50000, 256, name: "embedding").Apply(posts);
        x = new Conv1D(128, 5, activation: "relu", name: "conv1d").Apply(x);
        x = new MaxPooling1D(5).Apply(x);
        x = new Conv1D(256, 5, activation: "relu", name: "conv1d_1").Apply(x);
        x = new Conv1D(256, 5, activation: "relu", name: "conv1d_2").Apply(x);
        if (!trimmed)
        {
            x = new MaxPooling1D(5).Apply(x);
            x = new Conv1D(256, 5, activation: "relu", name: "conv1d_3").Apply(x);
            x = new Conv1D(256, 5, activation: "relu", name: "conv1d_4").Apply(x);
        }
        return (posts, x);
    }

    [TestMethod]
    public void SocialMediaThreeHeadModel()
    {
        var (posts, x) = SocialTrunk(null, trimmed: true);
        x = new GlobalMaxPooling1D().Apply(x);
        x = new Dense(128, "relu").Apply(x);
        var age = new Dense(1, name: "age").Apply(x);
        var income = new Dense(10, "softmax", name: "income").Apply(x);
        var gender = new Dense(1, "sigmoid", name: "gender").Apply(x);
        var model = new Model([posts], [age, income, gender]);

        Assert.AreEqual(12_800_000, Params(model, "embedding"));
        Assert.AreEqual(163_968, Params(model, "conv1d"));
        Assert.AreEqual(164_096, Params(model, "conv1d_1"));
        Assert.AreEqual(327_936, Params(model, "conv1d_2"));
        CollectionAssert.AreEqual(new[] { "age", "income", "gender" }, model.OutputNames.ToArray());
        StringAssert.Contains(model.Summary(), "embedding (Embedding)            (None, None, 256)     12800000    posts[0][0]");
        StringAssert.Contains(model.Summary(), "conv1d (Conv1D)                  (None, None, 128)     163968      embedding[0][0]");

        var outputs = model.Predict([Tensor.RandomInts(new Shape(2, 60), 1, 50000, new RandomGenerator(2))]);
        Assert.AreEqual(new Shape(2, 1), outputs[0].Shape);
        Assert.AreEqual(new Shape(2, 10), outputs[1].Shape);
    }

    [TestMethod]
    public void NotesConv1DStackThatGoesNegativeFailsAtBuildTimeWithKnownLength()
    {
        // 200 → 196 → 39 → 35 → 31 → 6 → 2 → the last Conv1D(5) would give -2.
        var ex = Assert.ThrowsExactly<ArgumentException>(() => SocialTrunk(200, trimmed: false));
        StringAssert.Contains(ex.Message, "'conv1d_4' (Conv1D)");
        StringAssert.Contains(ex.Message, "length (steps) of the input is 2");
        StringAssert.Contains(ex.Message, "(5)");
    }

    [TestMethod]
    public void NotesConv1DStackWithUnknownLengthFailsAtTheFirstBatchWithTheActualLength()
    {
        var (posts, x) = SocialTrunk(null, trimmed: false);
        var model = new Model(posts, new GlobalMaxPooling1D().Apply(x));
        var ex = Assert.ThrowsExactly<ArgumentException>(() => model.Predict([Tensor.RandomInts(new Shape(1, 200), 1, 50000, new RandomGenerator(3))]));
        StringAssert.Contains(ex.Message, "'conv1d_4' (Conv1D)");
        StringAssert.Contains(ex.Message, "length (steps) of the input is 2");
    }

    [TestMethod]
    public void ResidualBlockOfSameSizeConvolutions()
    {
        var x = Input([32, 32, 3]);
        var y = new Conv2D(3, 5, padding: Padding.Same, activation: "relu").Apply(x);
        y = new Conv2D(3, 5, padding: Padding.Same, activation: "relu").Apply(y);
        y = new Conv2D(3, 5, padding: Padding.Same, activation: "relu").Apply(y);
        var model = new Model(x, Add([y, x]));
        var convs = model.Layers.OfType<Conv2D>().ToList();
        CollectionAssert.AreEqual(new long[] { 228, 228, 228 }, convs.Select(c => c.CountParams()).ToArray());
        StringAssert.Contains(model.Summary(), "conv2d (Conv2D)                  (None, 32, 32, 3)     228         input_layer[0][0]");
    }

    [TestMethod]
    public void ResidualWithStridedProjection()
    {
        var x = Input([32, 32, 3]);
        var y = new Conv2D(3, 5, activation: "relu").Apply(x);
        y = new Conv2D(3, 5, activation: "relu").Apply(y);
        y = new Conv2D(3, 3, activation: "relu").Apply(y);
        y = new MaxPooling2D(2, strides: 2).Apply(y);
        var residual = new Conv2D(3, 1, strides: 3).Apply(x);
        var model = new Model(x, Add([y, residual]));
        Assert.AreEqual(new TensorShape(null, 11, 11, 3), model.Outputs[0].Shape);
        CollectionAssert.AreEqual(new long[] { 228, 228, 84, 12 }, model.Layers.OfType<Conv2D>().Select(c => c.CountParams()).ToArray());
        var images = Tensor.Uniform(new Shape(2, 32, 32, 3), 0, 1, new RandomGenerator(4));
        Assert.AreEqual(new Shape(2, 11, 11, 3), model.Predict([images])[0].Shape);
    }

    [TestMethod]
    public void SharedLstmWeightGradientIsTheSumOfBothBranches()
    {
        using var seed = SeedScope.Begin(7);
        var left = Input([6, 5], name: "left");
        var right = Input([6, 5], name: "right");
        var shared = new Lstm(4, name: "shared");
        var head = new Dense(1, "sigmoid", name: "head");
        var model = new Model([left, right], head.Apply(Concatenate([shared.Apply(left), shared.Apply(right)])));
        Assert.AreEqual(2, shared.InboundNodes.Count);
        StringAssert.Contains(model.Summary(), "left[0][0]");
        StringAssert.Contains(model.Summary(), "right[0][0]");

        var r = new RandomGenerator(8);
        var l = Tensor.Uniform(new Shape(3, 6, 5), -1, 1, r);
        var rr = Tensor.Uniform(new Shape(3, 6, 5), -1, 1, r);
        Ops.Sum(model.ApplyMany([l, rr])[0]).Backward();
        var sharedGrads = shared.TrainableWeights.Select(w => w.Grad!.ToArray()).ToArray();

        // The same computation with two separate copies of the Lstm: their gradients must add up to the shared one.
        var a = Copy(shared);
        var b = Copy(shared);
        var ya = a.Apply(l);
        var yb = b.Apply(rr);
        Ops.Sum(head.Apply(Ops.Concatenate([ya, yb], -1))).Backward();
        for (int w = 0; w < sharedGrads.Length; w++)
        {
            var sum = a.TrainableWeights[w].Grad!.ToArray().Zip(b.TrainableWeights[w].Grad!.ToArray(), (p, q) => p + q).ToArray();
            for (int i = 0; i < sum.Length; i++) Assert.AreEqual(sum[i], sharedGrads[w][i], 1e-5f, $"weight {w} element {i}");
        }
    }

    private static Lstm Copy(Lstm source)
    {
        var copy = new Lstm(source.Units);
        copy.Apply(Tensor.Zeros(new Shape(1, 1, source.TrainableWeights[0].Shape[0])));
        for (int i = 0; i < source.Weights.Count; i++) copy.Weights[i].Value.Assign(source.Weights[i].Value);
        return copy;
    }
}
