using Microsoft.ML.FunctionalDnn.Layers;
using static Microsoft.ML.FunctionalDnn.Keras;

namespace Microsoft.ML.FunctionalDnn.Tests.Layers;

/// <summary>
/// Regressions for places where our masked layers and transposed convolution differed from Keras 3
/// (issue 14, items 1–4). Expected values come from loops in the test or from an unmasked run on the
/// sequence with its masked steps removed.
/// </summary>
[TestClass]
public sealed class KerasSemanticsTests
{
    private readonly RandomGenerator _r = new(1401);

    // Sample 0 masks steps 1 and 3 (the last); sample 1 masks the first two.
    private static readonly float[,] MaskValues = { { 1, 0, 1, 0 }, { 0, 0, 1, 1 } };

    private static int[] Kept(int sample) => [.. Enumerable.Range(0, MaskValues.GetLength(1)).Where(t => MaskValues[sample, t] != 0)];

    private static RecurrentLayer Recurrent(string kind) => kind switch
    {
        "lstm" => new Lstm(3, returnSequences: true),
        "gru" => new Gru(3, returnSequences: true),
        _ => new SimpleRnn(3, returnSequences: true),
    };

    [TestMethod]
    [DataRow("lstm", MergeMode.Concat)]
    [DataRow("gru", MergeMode.Sum)]
    [DataRow("rnn", MergeMode.Mul)]
    public void BidirectionalSequenceIsZeroAtMaskedStepsWithKerasGradients(string kind, MergeMode mode)
    {
        Bidirectional bi;
        using (SeedScope.Begin(5)) bi = new Bidirectional(Recurrent(kind), mode);
        var x = GradCheck.Rand(_r, 2, 4, 2);
        x.RequiresGrad = true;
        var y = bi.ApplyMasked([x], [Tensor.FromArray(MaskValues)], training: false).Outputs[0];
        var weights = Tensor.Uniform(y.Shape, -1, 1, new RandomGenerator(3));
        Ops.Sum(Ops.Multiply(y, weights)).Backward();
        var dx = x.Grad!.ToArray();
        var dWeights = bi.Weights.Select(w => w.Value.Grad!.ToArray()).ToArray();
        int width = y.Shape[2];
        var xValues = x.ToArray();
        var weightValues = weights.ToArray();

        // Keras: each sample as if its masked steps were removed, zeros (and no gradient) at masked steps.
        var expectedDWeights = bi.Weights.Select(w => new double[w.Value.Size]).ToArray();
        for (int b = 0; b < 2; b++)
        {
            var kept = Kept(b);
            foreach (var w in bi.Weights) w.Value.ZeroGrad();
            var xsValues = new float[kept.Length * 2];
            for (int i = 0; i < kept.Length; i++)
                for (int f = 0; f < 2; f++) xsValues[i * 2 + f] = xValues[(b * 4 + kept[i]) * 2 + f];
            var xs = Tensor.FromArray(xsValues, new Shape(1, kept.Length, 2));
            xs.RequiresGrad = true;
            var reference = bi.Apply(xs);
            var w2Values = new float[kept.Length * width];
            for (int i = 0; i < kept.Length; i++)
                for (int j = 0; j < width; j++) w2Values[i * width + j] = weightValues[(b * 4 + kept[i]) * width + j];
            Ops.Sum(Ops.Multiply(reference, Tensor.FromArray(w2Values, reference.Shape))).Backward();
            for (int t = 0; t < 4; t++)
            {
                int i = Array.IndexOf(kept, t);
                for (int j = 0; j < width; j++)
                    Assert.AreEqual(i < 0 ? 0f : reference[0, i, j], y[b, t, j], 1e-5f, $"sample {b} step {t} unit {j}");
                for (int f = 0; f < 2; f++)
                    Assert.AreEqual(i < 0 ? 0f : xs.Grad![0, i, f], dx[(b * 4 + t) * 2 + f], 1e-5f, $"dx sample {b} step {t}");
            }
            for (int k = 0; k < bi.Weights.Count; k++)
            {
                var g = bi.Weights[k].Value.Grad!.ToArray();
                for (int i = 0; i < g.Length; i++) expectedDWeights[k][i] += g[i];
            }
        }
        for (int k = 0; k < dWeights.Length; k++)
            for (int i = 0; i < dWeights[k].Length; i++)
                Assert.AreEqual(expectedDWeights[k][i], dWeights[k][i], 1e-4, $"weight {bi.Weights[k].Name} element {i}");
    }

    [TestMethod]
    public void MaskedRecurrentLayerAloneStillRepeatsItsPreviousOutput()
    {
        RecurrentLayer lstm;
        using (SeedScope.Begin(5)) lstm = new Lstm(3, returnSequences: true);
        var y = lstm.ApplyMasked([GradCheck.Rand(_r, 2, 4, 2)], [Tensor.FromArray(MaskValues)], training: false).Outputs[0];
        for (int j = 0; j < 3; j++)
        {
            Assert.AreEqual(y[0, 0, j], y[0, 1, j]);
            Assert.AreEqual(y[0, 2, j], y[0, 3, j]);
            Assert.AreEqual(0f, y[1, 0, j]);
        }
    }

    [TestMethod]
    public void GlobalAveragePooling1DAveragesOnlyUnmaskedSteps()
    {
        var ids = Input([4], DType.Int32);
        var emb = new Embedding(3, 1, maskZero: true);
        var model = new Model(ids, new GlobalAveragePooling1D().Apply(emb.Apply(ids)));
        emb.SetWeights([[0f, 2f, 4f]]);
        var y = model.Predict([Tensor.FromArray(new[,] { { 0, 0, 1, 1 }, { 2, 1, 0, 2 } })])[0];
        Assert.AreEqual(2f, y[0, 0], 1e-6f);
        Assert.AreEqual(10f / 3, y[1, 0], 1e-6f);
    }

    [TestMethod]
    public void MaskedGlobalAveragePoolMatchesLoopsAndGradients()
    {
        var x = GradCheck.Rand(_r, 2, 4, 3);
        var mask = Tensor.FromArray(MaskValues);
        var y = Ops.GlobalAveragePool(x, mask);
        Assert.AreEqual(new Shape(2, 3), y.Shape);
        for (int b = 0; b < 2; b++)
            for (int c = 0; c < 3; c++)
            {
                double sum = 0;
                int count = 0;
                for (int t = 0; t < 4; t++)
                    if (MaskValues[b, t] != 0) { sum += x[b, t, c]; count++; }
                Assert.AreEqual((float)(sum / count), y[b, c], 1e-6f);
            }
        GradCheck.Check(t => Ops.GlobalAveragePool(t[0], mask), [GradCheck.Rand(_r, 2, 4, 3)]);
        x.RequiresGrad = true;
        Ops.Sum(Ops.GlobalAveragePool(x, mask)).Backward();
        Assert.AreEqual(0f, x.Grad![0, 1, 0], "a masked step gets no gradient");
        Assert.AreEqual(0.5f, x.Grad![0, 0, 0], 1e-6f);
    }

    [TestMethod]
    public void GlobalMaxPooling1DIgnoresTheMaskAsKeras3Does()
    {
        var ids = Input([2], DType.Int32);
        var emb = new Embedding(3, 1, maskZero: true);
        var model = new Model(ids, new GlobalMaxPooling1D().Apply(emb.Apply(ids)));
        emb.SetWeights([[5f, 2f, 4f]]);
        Assert.AreEqual(5f, model.Predict([Tensor.FromArray(new[,] { { 0, 1 } })])[0][0, 0]);
    }

    [TestMethod]
    public void BatchNormalizationTrainsOnUnmaskedPositionsOnly()
    {
        var layer = new BatchNormalization(momentum: 0.9f, epsilon: 1e-3f);
        var x = GradCheck.Rand(_r, 2, 4, 3);
        var mask = Tensor.FromArray(MaskValues);
        layer.EnsureBuilt([new TensorShape(null, 4, 3)]);
        layer.SetWeights([[1.5f, 0.5f, 2f], [0.1f, -0.2f, 0.3f], [0f, 0f, 0f], [1f, 1f, 1f]]);
        var (outputs, outMask) = layer.ApplyMasked([x], [mask], training: true);
        Assert.AreSame(mask, outMask);
        var y = outputs[0];
        float[] gamma = [1.5f, 0.5f, 2f], beta = [0.1f, -0.2f, 0.3f];
        var moving = layer.GetWeights();
        for (int c = 0; c < 3; c++)
        {
            double sum = 0, count = 0;
            for (int b = 0; b < 2; b++)
                for (int t = 0; t < 4; t++)
                    if (MaskValues[b, t] != 0) { sum += x[b, t, c]; count++; }
            double mean = sum / count, sq = 0;
            for (int b = 0; b < 2; b++)
                for (int t = 0; t < 4; t++)
                    if (MaskValues[b, t] != 0) sq += (x[b, t, c] - mean) * (x[b, t, c] - mean);
            double variance = sq / count;
            for (int b = 0; b < 2; b++)
                for (int t = 0; t < 4; t++)
                    Assert.AreEqual((float)((x[b, t, c] - mean) / Math.Sqrt(variance + 1e-3) * gamma[c] + beta[c]), y[b, t, c], 1e-5f, $"[{b}, {t}, {c}]");
            Assert.AreEqual((float)(0.1 * mean), moving[2][c], 1e-6f, "moving mean");
            Assert.AreEqual((float)(0.9 + 0.1 * variance), moving[3][c], 1e-6f, "moving variance");
        }
    }

    [TestMethod]
    public void MaskedBatchNormTrainingGradients()
    {
        var keep = Ops.BroadcastTo(Ops.MaskIndicator(Tensor.FromArray(MaskValues), Tensor.Zeros(new Shape(2, 4, 3)), "test"), new Shape(2, 4, 3));
        GradCheck.Check(t => Ops.BatchNormTraining(t[0], keep, t[1], t[2], 1e-3f, out _, out _),
            [GradCheck.Rand(_r, 2, 4, 3), GradCheck.Rand(_r, 3), GradCheck.Rand(_r, 3)]);
    }

    [TestMethod]
    public void BatchNormalizationWithAMaskAtInferenceUsesTheMovingStatistics()
    {
        var layer = new BatchNormalization();
        var x = GradCheck.Rand(_r, 2, 4, 3);
        var masked = layer.ApplyMasked([x], [Tensor.FromArray(MaskValues)], training: false).Outputs[0].ToArray();
        var plain = layer.Apply(x).ToArray();
        CollectionAssert.AreEqual(plain, masked);
    }

    [TestMethod]
    [DataRow(3, 4, 2, 3, Padding.Valid, 9, 12)]
    [DataRow(3, 4, 3, 2, Padding.Valid, 7, 9)]
    [DataRow(3, 4, 3, 2, Padding.Same, 6, 8)]
    [DataRow(3, 4, 1, 2, Padding.Valid, 6, 8)]
    public void Conv2DTransposeOutputShapeFollowsKeras(int h, int w, int kernel, int stride, Padding padding, int oh, int ow)
    {
        var layer = new Conv2DTranspose(2, kernel, stride, padding);
        var input = Input([h, w, 1]);
        Assert.AreEqual(new TensorShape(null, oh, ow, 2), layer.Apply(input).Shape);
        Assert.AreEqual(new Shape(1, oh, ow, 2), layer.Apply(Tensor.Zeros(new Shape(1, h, w, 1))).Shape);
    }

    private static Tensor Mask(params float[] values) => Tensor.FromArray(values, new Shape(1, values.Length));

    [TestMethod]
    public void MergeLayersOrTheirInputsMasksAndDropThemWhenAnInputHasNone()
    {
        var x = Tensor.Ones(new Shape(1, 3, 2));
        var (_, or) = new Add().CallMasked([x, x], [Mask(1, 0, 0), Mask(0, 0, 1)], training: false);
        CollectionAssert.AreEqual(new[] { 1f, 0, 1 }, or!.ToArray(), "Keras 3 ORs the masks of Add, Multiply, Average …");
        var (_, none) = new Multiply().CallMasked([x, x], [Mask(1, 0, 0), null], training: false);
        Assert.IsNull(none, "an input without a mask makes the output unmasked");
    }

    [TestMethod]
    public void ConcatenateMasksCountAMissingMaskAsAllKept()
    {
        var x = Tensor.Ones(new Shape(1, 3, 2));
        var (_, features) = new Concatenate().CallMasked([x, x], [Mask(1, 0, 0), Mask(0, 0, 1)], training: false);
        CollectionAssert.AreEqual(new[] { 1f, 0, 1 }, features!.ToArray(), "along the features a step is kept when any input keeps it");
        var (_, oneMissing) = new Concatenate().CallMasked([x, x], [Mask(1, 0, 0), null], training: false);
        CollectionAssert.AreEqual(new[] { 1f, 1, 1 }, oneMissing!.ToArray());
        var (_, steps) = new Concatenate(axis: 1).CallMasked([x, x], [Mask(1, 0, 0), null], training: false);
        Assert.AreEqual(new Shape(1, 6), steps!.Shape);
        CollectionAssert.AreEqual(new[] { 1f, 0, 0, 1, 1, 1 }, steps.ToArray(), "along the steps the masks are joined like the inputs");
        Assert.IsNull(new Concatenate().CallMasked([x, x], [null, null], training: false).Mask);
    }

    [TestMethod]
    public void Conv2DTransposeOutputPaddingShapesTheLayerAndSurvivesSaving()
    {
        using var dir = new TempDirectory();
        LayerNames.Reset();
        var x = Input([3, 4, 2]);
        var model = new Model(x, new Conv2DTranspose(5, 3, strides: 2, outputPadding: 1, name: "up").Apply(x));
        Assert.AreEqual(new TensorShape([null, 8, 10, 5]), model.Outputs[0].Shape, "(n − 1)·s + k + p: 2·2 + 3 + 1 = 8, 3·2 + 3 + 1 = 10");
        var input = Tensor.Uniform(new Shape(2, 3, 4, 2), -1, 1, new RandomGenerator(1));
        var expected = model.Predict(input)[0];
        Assert.AreEqual(new Shape(2, 8, 10, 5), expected.Shape);
        model.Save(dir.File("up.fdnn"));
        var loaded = Model.Load(dir.File("up.fdnn"));
        Assert.AreEqual(1, ((Conv2DTranspose)loaded.GetLayer("up")).OutputPadding);
        CollectionAssert.AreEqual(expected.ToArray(), loaded.Predict(input)[0].ToArray());
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new Conv2DTranspose(5, 3, strides: 2, outputPadding: 2));
    }

    [TestMethod]
    public void MaximumAndMinimumTakeTheOtherSidesValueWhereOneSideIsMasked()
    {
        // Two samples' worth of one sample: 3 steps, 1 feature. x1 is masked at step 1, x2 at step 2.
        var x1 = Tensor.FromArray(new[] { 5f, 9f, 1f }, new Shape(1, 3, 1));
        var x2 = Tensor.FromArray(new[] { 2f, 3f, 7f }, new Shape(1, 3, 1));
        var (max, maxMask) = new Maximum().CallMasked([x1, x2], [Mask(1, 0, 1), Mask(1, 1, 0)], training: false);
        CollectionAssert.AreEqual(new[] { 5f, 3f, 1f }, max[0].ToArray(), "a masked 9 or 7 never wins: each masked step takes the other side's value");
        CollectionAssert.AreEqual(new[] { 1f, 1f, 1f }, maxMask!.ToArray());
        var (min, _) = new Minimum().CallMasked([x1, x2], [Mask(1, 0, 1), Mask(1, 1, 0)], training: false);
        CollectionAssert.AreEqual(new[] { 2f, 3f, 1f }, min[0].ToArray());
        var (sum, _) = new Add().CallMasked([x1, x2], [Mask(1, 0, 1), Mask(1, 1, 0)], training: false);
        CollectionAssert.AreEqual(new[] { 7f, 12f, 8f }, sum[0].ToArray(), "Add keeps every value, as in Keras 3");
    }
}
