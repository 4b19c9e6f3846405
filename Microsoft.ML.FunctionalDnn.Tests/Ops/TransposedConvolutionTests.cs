using Microsoft.ML.FunctionalDnn.Tests.Backends;

namespace Microsoft.ML.FunctionalDnn.Tests.OpTests;

[TestClass]
public class TransposedConvolutionTests : BackendTestBase
{
    private readonly RandomGenerator _r = new(81);

    /// <summary>Keras's deconv_output_length (dilation 1).</summary>
    private static int KerasLength(int n, int k, int s, Padding padding, int? outputPadding) => (padding, outputPadding) switch
    {
        (Padding.Same, null) => n * s,
        (Padding.Same, int p) => (n - 1) * s + k % 2 + p,
        (_, null) => (n - 1) * s + k + Math.Max(k, s) - k,
        (_, int p) => (n - 1) * s + k + p,
    };

    /// <summary>
    /// Leading rows of the full (n - 1)·s + k result that Keras drops: kernel - 1 minus the left padding of
    /// its JAX conversion (_convert_conv_transpose_padding_args_from_keras_to_jax).
    /// </summary>
    private static int KerasCrop(int k, int s, Padding padding, int? outputPadding)
    {
        if (padding != Padding.Same) return 0;
        int padLength = outputPadding is int p ? k + k % 2 - 2 + p : s + k - 2;
        return k - 1 - Math.Min(padLength / 2 + padLength % 2, k - 1);
    }

    /// <summary>The definition: every input pixel adds kernel × value into the output window it spreads to.</summary>
    private static float[] Naive(Tensor x, Tensor k, int s, Padding padding, out Shape shape, int? outputPadding = null)
    {
        int n = x.Shape[0], h = x.Shape[1], w = x.Shape[2], c = x.Shape[3], kh = k.Shape[0], kw = k.Shape[1], f = k.Shape[2];
        int oh = KerasLength(h, kh, s, padding, outputPadding);
        int ow = KerasLength(w, kw, s, padding, outputPadding);
        int pt = KerasCrop(kh, s, padding, outputPadding), pl = KerasCrop(kw, s, padding, outputPadding);
        shape = new Shape(n, oh, ow, f);
        // Host copies: indexing a torch tensor element by element would cross into libtorch each time.
        float[] xs = x.ToArray(), ks = k.ToArray();
        var y = new double[n * oh * ow * f];
        for (int b = 0; b < n; b++)
            for (int i = 0; i < h; i++)
                for (int j = 0; j < w; j++)
                    for (int p = 0; p < kh; p++)
                        for (int q = 0; q < kw; q++)
                        {
                            int yi = i * s - pt + p, yj = j * s - pl + q;
                            if (yi < 0 || yi >= oh || yj < 0 || yj >= ow) continue;
                            for (int o = 0; o < f; o++)
                                for (int ch = 0; ch < c; ch++)
                                    y[((b * oh + yi) * ow + yj) * f + o] += xs[((b * h + i) * w + j) * c + ch] * ks[((p * kw + q) * f + o) * c + ch];
                        }
        return y.Select(v => (float)v).ToArray();
    }

    [TestMethod]
    [DataRow(1, Padding.Valid)]
    [DataRow(2, Padding.Valid)]
    [DataRow(2, Padding.Same)]
    [DataRow(3, Padding.Same)]
    public void MatchesTheDefinitionAndGradients(int stride, Padding padding)
    {
        var x = GradCheck.Rand(_r, 2, 3, 4, 3);
        var k = GradCheck.Rand(_r, 3, 3, 2, 3);
        var expected = Naive(x, k, stride, padding, out var shape);
        var y = Ops.Conv2DTranspose(x, k, (stride, stride), padding);
        Assert.AreEqual(shape, y.Shape);
        var actual = y.ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.AreEqual(expected[i], actual[i], 1e-4f);
        GradCheck.Check(t => Ops.Conv2DTranspose(t[0], t[1], (stride, stride), padding), [GradCheck.Rand(_r, 1, 2, 3, 2), GradCheck.Rand(_r, 3, 3, 2, 2)]);
    }

    /// <summary>Kernel smaller than the stride ('valid'): Keras keeps in·stride rows, the last ones zeros (issue 14).</summary>
    [TestMethod]
    [DataRow(2, 3)]
    [DataRow(1, 2)]
    public void ValidWithKernelSmallerThanStrideKeepsKerasLength(int kernel, int stride)
    {
        var x = GradCheck.Rand(_r, 1, 3, 4, 2);
        var k = GradCheck.Rand(_r, kernel, kernel, 2, 2);
        var y = Ops.Conv2DTranspose(x, k, (stride, stride));
        Assert.AreEqual(new Shape(1, 3 * stride, 4 * stride, 2), y.Shape);
        var expected = Naive(x, k, stride, Padding.Valid, out _);
        var actual = y.ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.AreEqual(expected[i], actual[i], 1e-5f);
        GradCheck.Check(t => Ops.Conv2DTranspose(t[0], t[1], (stride, stride)), [GradCheck.Rand(_r, 1, 2, 3, 2), GradCheck.Rand(_r, kernel, kernel, 2, 2)]);
    }

    [TestMethod]
    [DataRow(3, 2, Padding.Valid, 1)]
    [DataRow(3, 2, Padding.Same, 0)]
    [DataRow(3, 2, Padding.Same, 1)]
    [DataRow(4, 2, Padding.Same, 0)]
    [DataRow(4, 3, Padding.Same, 2)]
    [DataRow(2, 3, Padding.Valid, 0)]
    public void OutputPaddingMatchesKeras(int kernel, int stride, Padding padding, int outputPadding)
    {
        var x = GradCheck.Rand(_r, 2, 3, 4, 2);
        var k = GradCheck.Rand(_r, kernel, kernel, 3, 2);
        var expected = Naive(x, k, stride, padding, out var shape, outputPadding);
        var y = Ops.Conv2DTranspose(x, k, (stride, stride), padding, (outputPadding, outputPadding));
        Assert.AreEqual(shape, y.Shape);
        var actual = y.ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.AreEqual(expected[i], actual[i], 1e-4f);
        GradCheck.Check(t => Ops.Conv2DTranspose(t[0], t[1], (stride, stride), padding, (outputPadding, outputPadding)),
            [GradCheck.Rand(_r, 1, 2, 3, 2), GradCheck.Rand(_r, kernel, kernel, 2, 2)]);
    }

    [TestMethod]
    public void OutputPaddingMustBeSmallerThanTheStride() =>
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            Ops.Conv2DTranspose(GradCheck.Rand(_r, 1, 2, 2, 1), GradCheck.Rand(_r, 3, 3, 1, 1), (2, 2), Padding.Valid, (2, 0)));
}
