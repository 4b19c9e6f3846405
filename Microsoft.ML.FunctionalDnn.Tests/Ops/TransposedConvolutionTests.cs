namespace Microsoft.ML.FunctionalDnn.Tests.OpTests;

[TestClass]
public sealed class TransposedConvolutionTests
{
    private readonly RandomGenerator _r = new(81);

    /// <summary>The definition: every input pixel adds kernel × value into the output window it spreads to.</summary>
    private static float[] Naive(Tensor x, Tensor k, int s, Padding padding, out Shape shape)
    {
        int n = x.Shape[0], h = x.Shape[1], w = x.Shape[2], c = x.Shape[3], kh = k.Shape[0], kw = k.Shape[1], f = k.Shape[2];
        int oh = padding == Padding.Same ? h * s : (h - 1) * s + kh;
        int ow = padding == Padding.Same ? w * s : (w - 1) * s + kw;
        int pt = padding == Padding.Same ? Math.Max((h - 1) * s + kh - oh, 0) / 2 : 0;
        int pl = padding == Padding.Same ? Math.Max((w - 1) * s + kw - ow, 0) / 2 : 0;
        shape = new Shape(n, oh, ow, f);
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
                                    y[((b * oh + yi) * ow + yj) * f + o] += x[b, i, j, ch] * k[p, q, o, ch];
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
}
