using Microsoft.ML.FunctionalDnn.Layers;
using static Microsoft.ML.FunctionalDnn.Keras;

namespace Microsoft.ML.FunctionalDnn.Tests.Models;

[TestClass]
public sealed class MaskingTests
{
    private static Model Build(bool maskZero)
    {
        using var seed = SeedScope.Begin(21);
        var ids = Input([null], DType.Int32);
        var x = new Embedding(20, 6, maskZero: maskZero).Apply(ids);
        x = new Lstm(5, returnSequences: true).Apply(x);
        x = new Dense(4, "tanh").Apply(x);                 // keeps the mask
        x = new Bidirectional(new Gru(3)).Apply(x);
        return new Model(ids, new Dense(2, "softmax").Apply(x));
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void PaddingWithZerosDoesNotChangeTheResultWhenMasked(bool padFront)
    {
        var model = Build(maskZero: true);
        var plain = Tensor.FromArray(new[] { 3, 7, 1, 9 }, new Shape(1, 4));
        var padded = Tensor.FromArray(padFront ? new[] { 0, 0, 3, 7, 1, 9 } : new[] { 3, 7, 1, 9, 0, 0 }, new Shape(1, 6));
        var expected = model.Predict([plain])[0].ToArray();
        var actual = model.Predict([padded])[0].ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.AreEqual(expected[i], actual[i], 1e-5f);
    }

    [TestMethod]
    public void WithoutMaskThePaddingCounts()
    {
        var model = Build(maskZero: false);
        var plain = model.Predict([Tensor.FromArray(new[] { 3, 7, 1, 9 }, new Shape(1, 4))])[0].ToArray();
        var padded = model.Predict([Tensor.FromArray(new[] { 3, 7, 1, 9, 0, 0 }, new Shape(1, 6))])[0].ToArray();
        Assert.AreNotEqual(plain[0], padded[0]);
    }

    [TestMethod]
    public void MaskedBatchMatchesEachSampleAlone()
    {
        var model = Build(maskZero: true);
        var batch = Tensor.FromArray(new[,] { { 0, 0, 5, 6 }, { 1, 2, 3, 4 } });
        var together = model.Predict([batch])[0].ToArray();
        var first = model.Predict([Tensor.FromArray(new[] { 5, 6 }, new Shape(1, 2))])[0].ToArray();
        var second = model.Predict([Tensor.FromArray(new[] { 1, 2, 3, 4 }, new Shape(1, 4))])[0].ToArray();
        for (int i = 0; i < 2; i++)
        {
            Assert.AreEqual(first[i], together[i], 1e-5f);
            Assert.AreEqual(second[i], together[2 + i], 1e-5f);
        }
    }
}
