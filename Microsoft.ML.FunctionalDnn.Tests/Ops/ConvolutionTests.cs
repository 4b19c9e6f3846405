using Microsoft.ML.FunctionalDnn.Backends.Managed;
using Microsoft.ML.FunctionalDnn.Tests.Backends;

namespace Microsoft.ML.FunctionalDnn.Tests.OpTests;

[TestClass]
public class ConvolutionTests : BackendTestBase
{
    private readonly RandomGenerator _r = new(61);

    /// <summary>Direct convolution in double, following the definition with TensorFlow's 'same' padding split.</summary>
    internal static float[] NaiveConv2D(Tensor x, Tensor k, int sh, int sw, int dh, int dw, Padding padding, bool depthwise = false)
    {
        int n = x.Shape[0], h = x.Shape[1], w = x.Shape[2], c = x.Shape[3];
        int kh = k.Shape[0], kw = k.Shape[1], f = k.Shape[3];
        // Host copies: indexing a torch tensor element by element would cross into libtorch each time.
        float[] xs = x.ToArray(), ks = k.ToArray();
        int spanH = dh * (kh - 1) + 1, spanW = dw * (kw - 1) + 1;
        int oh, ow, pt = 0, pl = 0;
        if (padding == Padding.Valid) { oh = (h - spanH) / sh + 1; ow = (w - spanW) / sw + 1; }
        else
        {
            oh = (h + sh - 1) / sh; ow = (w + sw - 1) / sw;
            pt = Math.Max((oh - 1) * sh + spanH - h, 0) / 2;
            pl = Math.Max((ow - 1) * sw + spanW - w, 0) / 2;
        }
        int outC = depthwise ? c * f : f;
        var y = new float[n * oh * ow * outC];
        for (int b = 0; b < n; b++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                    for (int o = 0; o < outC; o++)
                    {
                        double s = 0;
                        for (int p = 0; p < kh; p++)
                            for (int q = 0; q < kw; q++)
                            {
                                int ih = i * sh - pt + p * dh, iw = j * sw - pl + q * dw;
                                if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
                                int pixel = ((b * h + ih) * w + iw) * c, tap = (p * kw + q) * k.Shape[2];
                                if (depthwise) s += xs[pixel + o / f] * ks[(tap + o / f) * f + o % f];
                                else for (int ch = 0; ch < c; ch++) s += xs[pixel + ch] * ks[(tap + ch) * f + o];
                            }
                        y[((b * oh + i) * ow + j) * outC + o] = (float)s;
                    }
        return y;
    }

    public static IEnumerable<object[]> Conv2DCases() =>
    [
        [1, 1, 1, 1, Padding.Valid], [2, 2, 1, 1, Padding.Valid], [1, 1, 1, 1, Padding.Same], [2, 1, 1, 1, Padding.Same],
        [1, 1, 2, 2, Padding.Valid], [1, 2, 2, 1, Padding.Same], [3, 3, 1, 1, Padding.Same],
    ];

    [TestMethod]
    [DynamicData(nameof(Conv2DCases))]
    public void Conv2DMatchesDirectConvolutionAndGradients(int sh, int sw, int dh, int dw, Padding padding)
    {
        var x = GradCheck.Rand(_r, 2, 7, 6, 3);
        var k = GradCheck.Rand(_r, 3, 2, 3, 4);
        var expected = NaiveConv2D(x, k, sh, sw, dh, dw, padding);
        var actual = Ops.Conv2D(x, k, (sh, sw), padding, (dh, dw)).ToArray();
        Assert.HasCount(expected.Length, actual);
        for (int i = 0; i < expected.Length; i++) Assert.AreEqual(expected[i], actual[i], 1e-4f);
        GradCheck.Check(t => Ops.Conv2D(t[0], t[1], (sh, sw), padding, (dh, dw)), [GradCheck.Rand(_r, 2, 5, 4, 2), GradCheck.Rand(_r, 3, 2, 2, 3)]);
    }

    [TestMethod]
    [DataRow(1, 1, Padding.Same)]
    [DataRow(2, 1, Padding.Same)]
    [DataRow(1, 2, Padding.Valid)]
    public void SingleChannelConv2DMatchesDirectConvolutionAndGradients(int stride, int dilation, Padding padding)
    {
        var x = GradCheck.Rand(_r, 2, 7, 8, 1);
        var k = GradCheck.Rand(_r, 3, 3, 1, 4);
        var expected = NaiveConv2D(x, k, stride, stride, dilation, dilation, padding);
        var actual = Ops.Conv2D(x, k, (stride, stride), padding, (dilation, dilation)).ToArray();
        Assert.HasCount(expected.Length, actual);
        for (int i = 0; i < expected.Length; i++) Assert.AreEqual(expected[i], actual[i], 1e-4f);
        GradCheck.Check(t => Ops.Conv2D(t[0], t[1], (stride, stride), padding, (dilation, dilation)), [GradCheck.Rand(_r, 2, 6, 5, 1), GradCheck.Rand(_r, 3, 3, 1, 2)]);
    }

    [TestMethod]
    public void PointwiseConv2DUsesTheDirectProduct()
    {
        var x = GradCheck.Rand(_r, 2, 3, 3, 4);
        var k = GradCheck.Rand(_r, 1, 1, 4, 5);
        var expected = NaiveConv2D(x, k, 1, 1, 1, 1, Padding.Valid);
        var actual = Ops.Conv2D(x, k).ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.AreEqual(expected[i], actual[i], 1e-4f);
        GradCheck.Check(t => Ops.Conv2D(t[0], t[1]), [GradCheck.Rand(_r, 2, 2, 2, 3), GradCheck.Rand(_r, 1, 1, 3, 2)]);
    }

    [TestMethod]
    [DataRow(1, 1, Padding.Valid)]
    [DataRow(2, 1, Padding.Same)]
    [DataRow(1, 2, Padding.Causal)]
    [DataRow(3, 1, Padding.Valid)]
    public void Conv1DGradientsAndCausalPadding(int stride, int dilation, Padding padding)
    {
        GradCheck.Check(t => Ops.Conv1D(t[0], t[1], stride, padding, dilation), [GradCheck.Rand(_r, 2, 9, 3), GradCheck.Rand(_r, 3, 3, 2)]);
        if (padding != Padding.Causal) return;
        // Causal: output t must not depend on inputs after t.
        var x = GradCheck.Rand(_r, 1, 6, 1);
        var k = GradCheck.Rand(_r, 3, 1, 1);
        var before = Ops.Conv1D(x, k, stride, padding, dilation).ToArray();
        var changed = x.ToArray();
        changed[5] += 10;
        var after = Ops.Conv1D(Tensor.FromArray(changed, x.Shape), k, stride, padding, dilation).ToArray();
        Assert.HasCount(6, before);
        for (int t = 0; t < 5; t++) Assert.AreEqual(before[t], after[t]);
        Assert.AreNotEqual(before[5], after[5]);
    }

    [TestMethod]
    public void OutputLengthBelowOneNamesInputKernelAndStride()
    {
        // The Keras notes' Conv1D stack: length 4 is shorter than a kernel of 5.
        var ex = Assert.ThrowsExactly<ArgumentException>(() => Ops.Conv1D(Tensor.Zeros(new Shape(1, 4, 8)), Tensor.Zeros(new Shape(5, 8, 2))));
        StringAssert.Contains(ex.Message, "length (steps) of the input is 4");
        StringAssert.Contains(ex.Message, "(5)");
        var ex2 = Assert.ThrowsExactly<ArgumentException>(() => Ops.Conv2D(Tensor.Zeros(new Shape(1, 4, 4, 3)), Tensor.Zeros(new Shape(3, 3, 2, 2))));
        StringAssert.Contains(ex2.Message, "expects 2 input channels");
    }

    [TestMethod]
    [DataRow(1, 1, Padding.Valid, 1)]
    [DataRow(2, 2, Padding.Same, 2)]
    [DataRow(1, 1, Padding.Same, 1)]
    public void DepthwiseConv2DMatchesDirectAndGradients(int sh, int dh, Padding padding, int multiplier)
    {
        var x = GradCheck.Rand(_r, 2, 6, 5, 3);
        var k = GradCheck.Rand(_r, 3, 3, 3, multiplier);
        var expected = NaiveConv2D(x, k, sh, sh, dh, dh, padding, depthwise: true);
        var actual = Ops.DepthwiseConv2D(x, k, (sh, sh), padding, (dh, dh)).ToArray();
        Assert.HasCount(expected.Length, actual);
        for (int i = 0; i < expected.Length; i++) Assert.AreEqual(expected[i], actual[i], 1e-4f);
        GradCheck.Check(t => Ops.DepthwiseConv2D(t[0], t[1], (sh, sh), padding, (dh, dh)), [GradCheck.Rand(_r, 1, 5, 5, 2), GradCheck.Rand(_r, 3, 3, 2, multiplier)]);
    }

    [TestMethod]
    [DataRow(1, false, 3)]
    [DataRow(1, true, 3)]
    [DataRow(2, true, 8)]
    [DataRow(1, true, 8)]
    [DataRow(1, false, 8)]
    public void ConvolutionWithItsBiasAndReluMatchesTheSeparateOpsAndGradients(int stride, bool relu, int channels)
    {
        // The layers' one-op convolution: conv + bias (+ ReLU), against the ops it replaces, and by finite differences.
        var x = GradCheck.Rand(_r, 2, 6, 7, channels);
        var k = GradCheck.Rand(_r, 3, 3, channels, 5);
        var b = GradCheck.Rand(_r, 5);
        var fused = Ops.Conv2DWithBias(x, k, b, relu, (stride, stride), Padding.Same).ToArray();
        var sum = Ops.Add(Ops.Conv2D(x, k, (stride, stride), Padding.Same), b);
        var separate = (relu ? Ops.Relu(sum) : sum).ToArray();
        Assert.HasCount(separate.Length, fused);
        for (int i = 0; i < separate.Length; i++) Assert.AreEqual(separate[i], fused[i], 1e-5f, $"output {i}");
        // Inputs of the gradient check kept off the ReLU's kink: a bias that keeps every sum clear of 0 either way.
        var away = Tensor.FromArray(Enumerable.Range(0, 5).Select(i => i % 2 == 0 ? 6f : -6f).ToArray(), new Shape(5));
        GradCheck.Check(t => Ops.Conv2DWithBias(t[0], t[1], t[2], relu, (stride, stride), Padding.Same),
            [GradCheck.Rand(_r, 2, 5, 4, channels), GradCheck.Rand(_r, 3, 3, channels, 5), relu ? away : GradCheck.Rand(_r, 5)]);
        GradCheck.Check(t => Ops.Conv1DWithBias(t[0], t[1], t[2], relu, stride, Padding.Causal),
            [GradCheck.Rand(_r, 2, 7, channels), GradCheck.Rand(_r, 3, channels, 5), relu ? away : GradCheck.Rand(_r, 5)]);
    }

    [TestMethod]
    public void AConvolutionBiasOfTheWrongLengthNamesTheFilters()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => Ops.Conv2DWithBias(Tensor.Zeros(new Shape(1, 4, 4, 2)), Tensor.Zeros(new Shape(3, 3, 2, 6)), Tensor.Zeros(new Shape(5)), relu: false));
        StringAssert.Contains(e.Message, "(6,)");
        StringAssert.Contains(e.Message, "(5,)");
    }
}

/// <summary>
/// The managed engine's two convolution algorithms (im2col and implicit GEMM), each forced: tests of
/// that engine's internals, so pinned to it (whatever the process default) and not rerun on other backends.
/// </summary>
[TestClass]
public sealed class ManagedConvolutionAlgorithmTests : BackendTestBase
{
    private readonly RandomGenerator _r = new(61);

    [TestMethod]
    [DataRow(2, 2, 1, Padding.Same)]
    [DataRow(2, 2, 1, Padding.Valid)]
    [DataRow(2, 3, 1, Padding.Same)]
    [DataRow(2, 1, 2, Padding.Same)]
    public void StridedImplicitGemmMatchesThePatchMatrixAtScale(int sh, int sw, int dilation, Padding padding)
    {
        // Stride phases over many tiles, runs and chunks: outputs and both gradients as the patch matrix gives them.
        var x = GradCheck.Rand(_r, 3, 17, 22, 16);
        var k = GradCheck.Rand(_r, 3, 3, 16, 40);
        var up = Tensor.Uniform(ManagedBackend.Instance.Conv2DCore(x, k, (sh, sw), padding, (dilation, dilation), implicitGemm: false).Shape, -1, 1, _r);
        float[][] Run(bool implicitGemm)
        {
            var xi = Tensor.FromArray(x.ToArray(), x.Shape);
            var ki = Tensor.FromArray(k.ToArray(), k.Shape);
            xi.RequiresGrad = true;
            ki.RequiresGrad = true;
            var y = ManagedBackend.Instance.Conv2DCore(xi, ki, (sh, sw), padding, (dilation, dilation), implicitGemm);
            Ops.Sum(Ops.Multiply(y, up)).Backward();
            return [y.ToArray(), xi.Grad!.ToArray(), ki.Grad!.ToArray()];
        }
        var patches = Run(false);
        var phases = Run(true);
        string[] names = ["output", "input gradient", "kernel gradient"];
        for (int r = 0; r < 3; r++)
            for (int i = 0; i < patches[r].Length; i++)
                Assert.AreEqual(patches[r][i], phases[r][i], 2e-3f * (1 + MathF.Abs(patches[r][i])), $"{names[r]} {i}");
    }

    [TestMethod]
    [DataRow(Padding.Same)]
    [DataRow(Padding.Valid)]
    public void ImplicitGemmWritesEveryPaddingValueItReads(Padding padding)
    {
        // The padded and wide buffers are per-thread scratch, cleared only where the image does not
        // land: larger runs on NaN-filled tensors first leave NaN over the buffers (their images
        // cover what are pads and dropped columns in the run after), which must still match direct
        // convolution, gradients included.
        foreach (var dirtyPadding in new[] { Padding.Valid, Padding.Same })
        {
            var nan = Tensor.Full(new Shape(3, 30, 30, 8), float.NaN);
            var nanKernel = Tensor.Full(new Shape(3, 3, 8, 5), float.NaN);
            nan.RequiresGrad = true;
            nanKernel.RequiresGrad = true;
            var dirty = ManagedBackend.Instance.Conv2DCore(nan, nanKernel, (1, 1), dirtyPadding, (1, 1), implicitGemm: true);
            Ops.Sum(Ops.Multiply(dirty, Tensor.Full(dirty.Shape, float.NaN))).Backward();
        }
        var x = GradCheck.Rand(_r, 3, 9, 10, 8);
        var k = GradCheck.Rand(_r, 3, 3, 8, 5);
        var expected = ConvolutionTests.NaiveConv2D(x, k, 1, 1, 1, 1, padding);
        var actual = ManagedBackend.Instance.Conv2DCore(x, k, (1, 1), padding, (1, 1), implicitGemm: true).ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.AreEqual(expected[i], actual[i], 1e-4f, $"output {i}");
        GradCheck.Check(t => ManagedBackend.Instance.Conv2DCore(t[0], t[1], (1, 1), padding, (1, 1), implicitGemm: true), [GradCheck.Rand(_r, 2, 9, 10, 8), GradCheck.Rand(_r, 3, 3, 8, 2)]);
    }

    [TestMethod]
    [DynamicData(nameof(ConvolutionTests.Conv2DCases), typeof(ConvolutionTests))]
    public void BothConv2DAlgorithmsMatchDirectConvolutionAndGradients(int sh, int sw, int dh, int dw, Padding padding)
    {
        var x = GradCheck.Rand(_r, 2, 7, 6, 3);
        var k = GradCheck.Rand(_r, 3, 2, 3, 4);
        var expected = ConvolutionTests.NaiveConv2D(x, k, sh, sw, dh, dw, padding);
        foreach (bool implicitGemm in new[] { false, true })
        {
            var actual = ManagedBackend.Instance.Conv2DCore(x, k, (sh, sw), padding, (dh, dw), implicitGemm).ToArray();
            Assert.HasCount(expected.Length, actual);
            for (int i = 0; i < expected.Length; i++) Assert.AreEqual(expected[i], actual[i], 1e-4f);
            GradCheck.Check(t => ManagedBackend.Instance.Conv2DCore(t[0], t[1], (sh, sw), padding, (dh, dw), implicitGemm), [GradCheck.Rand(_r, 2, 5, 4, 2), GradCheck.Rand(_r, 3, 2, 2, 3)]);
        }
    }

    [TestMethod]
    [DataRow(1, 1, Padding.Same)]
    [DataRow(2, 1, Padding.Same)]
    [DataRow(1, 2, Padding.Valid)]
    public void SingleChannelIm2ColMatchesDirectConvolutionAndGradients(int stride, int dilation, Padding padding)
    {
        // A grayscale stem: one float per tap in the patch matrix, moved without a span.
        var x = GradCheck.Rand(_r, 2, 7, 8, 1);
        var k = GradCheck.Rand(_r, 3, 3, 1, 4);
        var expected = ConvolutionTests.NaiveConv2D(x, k, stride, stride, dilation, dilation, padding);
        var actual = ManagedBackend.Instance.Conv2DCore(x, k, (stride, stride), padding, (dilation, dilation), implicitGemm: false).ToArray();
        Assert.HasCount(expected.Length, actual);
        for (int i = 0; i < expected.Length; i++) Assert.AreEqual(expected[i], actual[i], 1e-4f);
        GradCheck.Check(t => ManagedBackend.Instance.Conv2DCore(t[0], t[1], (stride, stride), padding, (dilation, dilation), implicitGemm: false), [GradCheck.Rand(_r, 2, 6, 5, 1), GradCheck.Rand(_r, 3, 3, 1, 2)]);
    }

    [TestMethod]
    [DataRow(Padding.Valid, 1)]
    [DataRow(Padding.Same, 1)]
    [DataRow(Padding.Causal, 2)]
    [DataRow(Padding.Same, 3)]
    public void ImplicitGemmConv1DEqualsIm2ColAndHasCorrectGradients(Padding padding, int dilation)
    {
        var x = GradCheck.Rand(_r, 3, 11, 4);
        var k = GradCheck.Rand(_r, 3, 4, 5);
        var viaIm2Col = ManagedBackend.Instance.Conv1DCore(x, k, 1, padding, dilation, implicitGemm: false);
        var viaShift = ManagedBackend.Instance.Conv1DCore(x, k, 1, padding, dilation, implicitGemm: true);
        Assert.AreEqual(viaIm2Col.Shape, viaShift.Shape);
        var a = viaIm2Col.ToArray();
        var b = viaShift.ToArray();
        for (int i = 0; i < a.Length; i++) Assert.AreEqual(a[i], b[i], 1e-5f);
        GradCheck.Check(t => ManagedBackend.Instance.Conv1DCore(t[0], t[1], 1, padding, dilation, implicitGemm: true), [GradCheck.Rand(_r, 2, 7, 3), GradCheck.Rand(_r, 3, 3, 2)]);
        // Same gradients as the im2col path.
        float[] InputGrad(bool implicitGemm)
        {
            x.RequiresGrad = k.RequiresGrad = true;
            x.ZeroGrad();
            Ops.Sum(Ops.Square(ManagedBackend.Instance.Conv1DCore(x, k, 1, padding, dilation, implicitGemm))).Backward();
            return x.Grad!.ToArray();
        }
        var viaShiftGrad = InputGrad(implicitGemm: true);
        var viaIm2ColGrad = InputGrad(implicitGemm: false);
        for (int i = 0; i < viaShiftGrad.Length; i++) Assert.AreEqual(viaIm2ColGrad[i], viaShiftGrad[i], 1e-4f);
    }

    [TestMethod]
    [DataRow(1, 1, Padding.Same)]
    [DataRow(2, 2, Padding.Same)]
    [DataRow(1, 2, Padding.Valid)]
    public void BiasAndReluInTheConvolutionChangeNoBitOfOutputOrInputAndKernelGradients(int sh, int sw, Padding padding)
    {
        // In the product's store and in the wide gradient's layout, the epilogue computes what Add and
        // Relu compute: the same bits for y, dx and dW on both algorithms; the bias gradient is a
        // sum in another order.
        var x = GradCheck.Rand(_r, 3, 12, 11, 16);
        var k = GradCheck.Rand(_r, 3, 3, 16, 24);
        var b = GradCheck.Rand(_r, 24);
        foreach (bool implicitGemm in new[] { false, true })
            foreach (bool relu in new[] { false, true })
            {
                var up = Tensor.Uniform(ManagedBackend.Instance.Conv2DCore(x, k, (sh, sw), padding, (1, 1), implicitGemm).Shape, -1, 1, _r);
                float[][] Run(bool fused)
                {
                    var xi = Tensor.FromArray(x.ToArray(), x.Shape);
                    var ki = Tensor.FromArray(k.ToArray(), k.Shape);
                    var bi = Tensor.FromArray(b.ToArray(), b.Shape);
                    xi.RequiresGrad = ki.RequiresGrad = bi.RequiresGrad = true;
                    Tensor y;
                    if (fused) y = ManagedBackend.Instance.Conv2DCore(xi, ki, (sh, sw), padding, (1, 1), implicitGemm, bi, relu);
                    else
                    {
                        var sum = Ops.Add(ManagedBackend.Instance.Conv2DCore(xi, ki, (sh, sw), padding, (1, 1), implicitGemm), bi);
                        y = relu ? Ops.Relu(sum) : sum;
                    }
                    Ops.Sum(Ops.Multiply(y, up)).Backward();
                    return [y.ToArray(), xi.Grad!.ToArray(), ki.Grad!.ToArray(), bi.Grad!.ToArray()];
                }
                var separate = Run(false);
                var fused = Run(true);
                string what = $"implicit={implicitGemm}, relu={relu}";
                CollectionAssert.AreEqual(separate[0], fused[0], $"{what}: output");
                CollectionAssert.AreEqual(separate[1], fused[1], $"{what}: input gradient");
                CollectionAssert.AreEqual(separate[2], fused[2], $"{what}: kernel gradient");
                for (int i = 0; i < separate[3].Length; i++) Assert.AreEqual(separate[3][i], fused[3][i], 1e-3f * (1 + MathF.Abs(separate[3][i])), $"{what}: bias gradient {i}");
            }
    }
}
