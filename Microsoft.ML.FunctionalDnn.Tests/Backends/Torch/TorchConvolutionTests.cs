using Microsoft.ML.FunctionalDnn.Tests.OpTests;

namespace Microsoft.ML.FunctionalDnn.Tests.Backends.Torch;

[TestClass]
public sealed class TorchConvolutionTests : ConvolutionTests
{
    protected override string BackendName => "torch";
}

[TestClass]
public sealed class TorchTransposedConvolutionTests : TransposedConvolutionTests
{
    protected override string BackendName => "torch";
}

[TestClass]
public sealed class TorchPoolingAndNormalizationTests : PoolingAndNormalizationTests
{
    protected override string BackendName => "torch";
}

/// <summary>
/// Convolutions and pools on torch against the managed engine over a grid of strides, dilations and
/// paddings ('same' with even windows, causal, strides above 1): the same host inputs on both, the
/// same outputs and the same gradients for the input and the kernel; and the same errors.
/// </summary>
[TestClass]
public sealed class TorchConvolutionParityTests : BackendTestBase
{
    protected override string BackendName => "torch";

    private static readonly Padding[] TwoD = [Padding.Valid, Padding.Same];

    [TestMethod]
    public void Conv1DMatchesTheManagedEngine()
    {
        foreach (int kernel in new[] { 1, 2, 3, 4 })
            foreach (int stride in new[] { 1, 2, 3 })
                foreach (int dilation in new[] { 1, 2 })
                    foreach (var padding in new[] { Padding.Valid, Padding.Same, Padding.Causal })
                        Compare($"Conv1D kernel {kernel}, stride {stride}, dilation {dilation}, {padding}",
                            t => Ops.Conv1D(t[0], t[1], stride, padding, dilation), new Shape(2, 11, 3), new Shape(kernel, 3, 4));
    }

    [TestMethod]
    public void Conv2DMatchesTheManagedEngine()
    {
        foreach (var (kh, kw) in new[] { (3, 3), (2, 2), (2, 3), (4, 1) })
            foreach (var strides in new[] { (1, 1), (2, 2), (2, 1), (3, 2) })
                foreach (var dilation in new[] { (1, 1), (2, 2), (1, 2) })
                    foreach (var padding in TwoD)
                        Compare($"Conv2D kernel ({kh}, {kw}), strides {strides}, dilation {dilation}, {padding}",
                            t => Ops.Conv2D(t[0], t[1], strides, padding, dilation), new Shape(2, 8, 7, 3), new Shape(kh, kw, 3, 4));
    }

    [TestMethod]
    public void DepthwiseConv2DMatchesTheManagedEngine()
    {
        foreach (var (kh, kw) in new[] { (3, 3), (2, 2), (2, 3) })
            foreach (var strides in new[] { (1, 1), (2, 2), (1, 3) })
                foreach (var dilation in new[] { (1, 1), (2, 1) })
                    foreach (var padding in TwoD)
                        foreach (int multiplier in new[] { 1, 2 })
                            Compare($"DepthwiseConv2D kernel ({kh}, {kw}), strides {strides}, dilation {dilation}, {padding}, multiplier {multiplier}",
                                t => Ops.DepthwiseConv2D(t[0], t[1], strides, padding, dilation), new Shape(2, 7, 8, 3), new Shape(kh, kw, 3, multiplier));
    }

    [TestMethod]
    public void Conv2DTransposeMatchesTheManagedEngine()
    {
        foreach (var (kh, kw) in new[] { (3, 3), (2, 2), (4, 3), (1, 2) })
            foreach (var (sh, sw) in new[] { (1, 1), (2, 2), (3, 2) })
                foreach (var padding in TwoD)
                    foreach (int? outputPadding in new int?[] { null, 0, 1, 2 })
                    {
                        if (outputPadding >= Math.Min(sh, sw)) continue;
                        (int, int)? op = outputPadding is int p ? (p, p) : null;
                        Compare($"Conv2DTranspose kernel ({kh}, {kw}), strides ({sh}, {sw}), {padding}, output padding {outputPadding}",
                            t => Ops.Conv2DTranspose(t[0], t[1], (sh, sw), padding, op), new Shape(2, 3, 4, 3), new Shape(kh, kw, 2, 3));
                    }
    }

    [TestMethod]
    public void Pool1DMatchesTheManagedEngine()
    {
        foreach (int pool in new[] { 1, 2, 3, 4 })
            foreach (int? stride in new int?[] { null, 1, 2, 3 })
                foreach (var padding in TwoD)
                {
                    Compare($"MaxPool1D pool {pool}, stride {stride}, {padding}", t => Ops.MaxPool1D(t[0], pool, stride, padding), new Shape(2, 9, 3));
                    Compare($"AveragePool1D pool {pool}, stride {stride}, {padding}", t => Ops.AveragePool1D(t[0], pool, stride, padding), new Shape(2, 9, 3));
                }
    }

    [TestMethod]
    public void Pool2DMatchesTheManagedEngine()
    {
        foreach (var pool in new[] { (2, 2), (3, 3), (2, 3), (4, 1) })
            foreach (var strides in new (int, int)?[] { null, (1, 1), (2, 2), (1, 2), (3, 2) })
                foreach (var padding in TwoD)
                {
                    Compare($"MaxPool2D pool {pool}, strides {strides}, {padding}", t => Ops.MaxPool2D(t[0], pool, strides, padding), new Shape(2, 7, 8, 3));
                    Compare($"AveragePool2D pool {pool}, strides {strides}, {padding}", t => Ops.AveragePool2D(t[0], pool, strides, padding), new Shape(2, 7, 8, 3));
                }
    }

    /// <summary>Invalid arguments fail on torch with the managed engine's exception type and message.</summary>
    [TestMethod]
    public void ErrorsMatchTheManagedEngine()
    {
        var cases = new (string Name, Func<Tensor> Op)[]
        {
            ("Conv1D input shorter than the kernel", () => Ops.Conv1D(Tensor.Zeros(new Shape(1, 4, 8)), Tensor.Zeros(new Shape(5, 8, 2)))),
            ("Conv1D dilated kernel too long", () => Ops.Conv1D(Tensor.Zeros(new Shape(1, 6, 2)), Tensor.Zeros(new Shape(3, 2, 2)), dilation: 3)),
            ("Conv1D channels", () => Ops.Conv1D(Tensor.Zeros(new Shape(1, 6, 3)), Tensor.Zeros(new Shape(3, 2, 2)))),
            ("Conv1D rank", () => Ops.Conv1D(Tensor.Zeros(new Shape(6, 3)), Tensor.Zeros(new Shape(3, 3, 2)))),
            ("Conv1D stride 0", () => Ops.Conv1D(Tensor.Zeros(new Shape(1, 6, 3)), Tensor.Zeros(new Shape(3, 3, 2)), stride: 0)),
            ("Conv2D channels", () => Ops.Conv2D(Tensor.Zeros(new Shape(1, 4, 4, 3)), Tensor.Zeros(new Shape(3, 3, 2, 2)))),
            ("Conv2D causal", () => Ops.Conv2D(Tensor.Zeros(new Shape(1, 4, 4, 2)), Tensor.Zeros(new Shape(3, 3, 2, 2)), padding: Padding.Causal)),
            ("Conv2D kernel rank", () => Ops.Conv2D(Tensor.Zeros(new Shape(1, 4, 4, 2)), Tensor.Zeros(new Shape(3, 2, 2)))),
            ("Conv2D width too small", () => Ops.Conv2D(Tensor.Zeros(new Shape(1, 5, 2, 2)), Tensor.Zeros(new Shape(3, 3, 2, 2)))),
            ("Conv2D height too small", () => Ops.Conv2D(Tensor.Zeros(new Shape(1, 2, 2, 2)), Tensor.Zeros(new Shape(3, 3, 2, 2)), dilation: (1, 2))),
            ("DepthwiseConv2D channels", () => Ops.DepthwiseConv2D(Tensor.Zeros(new Shape(1, 4, 4, 3)), Tensor.Zeros(new Shape(3, 3, 2, 1)))),
            ("DepthwiseConv2D int input", () => Ops.DepthwiseConv2D(Tensor.FromArray(new int[4], new Shape(1, 2, 2, 1)), Tensor.Zeros(new Shape(1, 1, 1, 1)))),
            ("DepthwiseConv2D causal", () => Ops.DepthwiseConv2D(Tensor.Zeros(new Shape(1, 4, 4, 2)), Tensor.Zeros(new Shape(3, 3, 2, 1)), padding: Padding.Causal)),
            ("Conv2DTranspose output padding", () => Ops.Conv2DTranspose(Tensor.Zeros(new Shape(1, 2, 2, 1)), Tensor.Zeros(new Shape(3, 3, 1, 1)), (2, 2), Padding.Valid, (2, 0))),
            ("Conv2DTranspose channels", () => Ops.Conv2DTranspose(Tensor.Zeros(new Shape(1, 2, 2, 3)), Tensor.Zeros(new Shape(3, 3, 1, 2)))),
            ("Conv2DTranspose strides", () => Ops.Conv2DTranspose(Tensor.Zeros(new Shape(1, 2, 2, 1)), Tensor.Zeros(new Shape(3, 3, 1, 1)), (0, 1))),
            ("Conv2DTranspose causal", () => Ops.Conv2DTranspose(Tensor.Zeros(new Shape(1, 2, 2, 1)), Tensor.Zeros(new Shape(3, 3, 1, 1)), padding: Padding.Causal)),
            ("MaxPool1D causal", () => Ops.MaxPool1D(Tensor.Zeros(new Shape(1, 6, 2)), 2, padding: Padding.Causal)),
            ("AveragePool1D too short", () => Ops.AveragePool1D(Tensor.Zeros(new Shape(1, 2, 2)), 3)),
            ("MaxPool2D rank", () => Ops.MaxPool2D(Tensor.Zeros(new Shape(1, 6, 2)), (2, 2))),
            ("AveragePool2D width too small", () => Ops.AveragePool2D(Tensor.Zeros(new Shape(1, 6, 2, 1)), (2, 3))),
            ("MaxPool2D int input", () => Ops.MaxPool2D(Tensor.FromArray(new int[16], new Shape(1, 4, 4, 1)), (2, 2))),
            ("AveragePool2D stride 0", () => Ops.AveragePool2D(Tensor.Zeros(new Shape(1, 4, 4, 1)), (2, 2), (0, 1))),
        };
        foreach (var (name, op) in cases)
        {
            Exception managed;
            using (TestBackends.Use("managed")) managed = Assert.Throws<ArgumentException>(() => op());
            var torch = Assert.Throws<ArgumentException>(() => op());
            Assert.AreEqual(managed.GetType(), torch.GetType(), name);
            Assert.AreEqual(managed.Message, torch.Message, name);
        }
        // The managed engine checks a 1-D op's element type after viewing the input as 2-D, so its
        // message shows (1, 1, 6, 3); torch names the shape the caller passed.
        var conv = Assert.Throws<ArgumentException>(() => Ops.Conv1D(Tensor.FromArray(new int[18], new Shape(1, 6, 3)), Tensor.Zeros(new Shape(3, 3, 2))));
        Assert.AreEqual("Conv1D needs a float32 tensor; received Int32 (1, 6, 3). Convert ids with Ops.Cast first.", conv.Message);
        var pool = Assert.Throws<ArgumentException>(() => Ops.AveragePool1D(Tensor.FromArray(new int[18], new Shape(1, 6, 3)), 2));
        Assert.AreEqual("AveragePool1D needs a float32 tensor; received Int32 (1, 6, 3). Convert ids with Ops.Cast first.", pool.Message);
    }

    /// <summary>
    /// Runs <paramref name="op"/> on both backends with the same inputs (uniform in [-1, 1]) and
    /// compares its output and the gradients of Σ y·w (w random, so every output counts differently)
    /// for every input, within 1e-4 relative to the managed values.
    /// </summary>
    private static void Compare(string name, Func<Tensor[], Tensor> op, params Shape[] shapes)
    {
        var random = new Random(17);
        var inputs = shapes.Select(s => Uniform(random, s.Size)).ToArray();
        (Shape Shape, float[] Y, float[][] Grads) managed;
        using (TestBackends.Use("managed")) managed = Run(op, inputs, shapes);
        var torch = Run(op, inputs, shapes);
        Assert.AreEqual(managed.Shape, torch.Shape, name);
        AssertClose(managed.Y, torch.Y, $"{name}: output");
        for (int i = 0; i < shapes.Length; i++) AssertClose(managed.Grads[i], torch.Grads[i], $"{name}: gradient of input {i}");
    }

    private static (Shape Shape, float[] Y, float[][] Grads) Run(Func<Tensor[], Tensor> op, float[][] inputs, Shape[] shapes)
    {
        var tensors = inputs.Select((v, i) => Tensor.FromArray((float[])v.Clone(), shapes[i])).ToArray();
        foreach (var t in tensors) t.RequiresGrad = true;
        var y = op(tensors);
        // The output weights depend only on the output's size, so both backends draw the same ones.
        var weights = Tensor.FromArray(Uniform(new Random(y.Shape.Size), y.Shape.Size), y.Shape);
        Ops.Sum(Ops.Multiply(y, weights)).Backward();
        return (y.Shape, y.ToArray(), tensors.Select(t => t.Grad!.ToArray()).ToArray());
    }

    private static float[] Uniform(Random random, int size) =>
        Enumerable.Range(0, size).Select(_ => random.NextSingle() * 2 - 1).ToArray();

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.HasCount(expected.Length, actual, what);
        for (int i = 0; i < expected.Length; i++)
            Assert.AreEqual(expected[i], actual[i], 1e-4 * Math.Max(1, Math.Abs(expected[i])), $"{what}, element {i}: managed {expected[i]}, torch {actual[i]}");
    }
}
