using Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

namespace Microsoft.ML.FunctionalDnn.Tests.Backends.Managed;

/// <summary>
/// Element-wise ops, bias-like broadcasts, normalization, pooling, patch matrices, the implicit convolution's wide copies and table lookups split large tensors over the cores. The split
/// must change nothing: outputs and gradients are bit-identical for one part and for uneven splits.
/// </summary>
[TestClass]
public sealed class ParallelElementwiseTests : BackendTestBase
{
    protected override string BackendName => "managed";

    private static float[][] Run(int parts, Func<Tensor, Tensor, Tensor> f, Shape xShape, Shape wShape)
    {
        Parallelism.ForcedParts = parts;
        try
        {
            var r = new RandomGenerator(5);
            var x = Tensor.Uniform(xShape, -1, 1, r);
            var w = Tensor.Uniform(wShape, -1, 1, r);
            x.RequiresGrad = true;
            w.RequiresGrad = true;
            var y = f(x, w);
            // A non-uniform upstream gradient, so every element's gradient differs.
            Ops.Sum(Ops.Multiply(y, Tensor.Uniform(y.Shape, -1, 1, r))).Backward();
            return [y.ToArray(), x.Grad!.ToArray(), w.Grad!.ToArray()];
        }
        finally
        {
            Parallelism.ForcedParts = null;
        }
    }

    private static readonly Shape X = new(8, 10, 9, 7);

    public static IEnumerable<object[]> Cases() =>
    [
        ["relu", new Func<Tensor, Tensor, Tensor>((x, w) => Ops.Add(Ops.Relu(x), w)), X],
        ["tanh", new Func<Tensor, Tensor, Tensor>((x, w) => Ops.Multiply(Ops.Tanh(x), w)), X],
        ["bias on the right", new Func<Tensor, Tensor, Tensor>((x, w) => Ops.Subtract(x, w)), new Shape(7)],
        ["two-axis bias on the right", new Func<Tensor, Tensor, Tensor>((x, w) => Ops.Add(x, w)), new Shape(9, 7)],
        ["bias on the left", new Func<Tensor, Tensor, Tensor>((x, w) => Ops.Divide(w, Ops.Add(Ops.Square(x), Tensor.Scalar(1f)))), new Shape(7)],
        // 720 rows of 7: six blocks of the bias gradient's partial sums, shared out differently by each split.
        ["bias and relu in one op", new Func<Tensor, Tensor, Tensor>((x, w) => Ops.BiasAdd(x, w, relu: true)), new Shape(7)],
        ["bias alone in one op", new Func<Tensor, Tensor, Tensor>((x, w) => Ops.BiasAdd(Ops.Square(x), w)), new Shape(7)],
        ["max pool", new Func<Tensor, Tensor, Tensor>((x, w) => Ops.Add(Ops.MaxPool2D(x, (3, 3), (1, 1), Padding.Same), w)), X],
        ["patch-matrix convolution", new Func<Tensor, Tensor, Tensor>((x, w) => Ops.Conv2D(x, w, (2, 1), Padding.Same)), new Shape(3, 3, 7, 5)],
        ["implicit convolution", new Func<Tensor, Tensor, Tensor>((x, w) => Ops.Conv2D(Ops.Concatenate([x, Ops.Square(x), Ops.Negate(x)]), w, padding: Padding.Same)), new Shape(3, 3, 21, 5)],
        ["implicit convolution with its bias and relu", new Func<Tensor, Tensor, Tensor>((x, w) => Ops.Conv2DWithBias(Ops.Concatenate([x, Ops.Square(x), Ops.Negate(x)]), w, Ops.Sum(w, [0, 1, 2]), relu: true, padding: Padding.Same)), new Shape(3, 3, 21, 5)],
        ["patch-matrix convolution with its bias", new Func<Tensor, Tensor, Tensor>((x, w) => Ops.Conv2DWithBias(x, w, Ops.Sum(w, [0, 1, 2]), relu: false, (2, 1), Padding.Same)), new Shape(3, 3, 7, 5)],
        ["transposed convolution", new Func<Tensor, Tensor, Tensor>((x, w) => Ops.Conv2DTranspose(x, w, (2, 2), Padding.Same)), new Shape(3, 3, 4, 7)],
        ["batch normalization", new Func<Tensor, Tensor, Tensor>((x, w) => Ops.BatchNormTraining(x, w, Ops.Negate(w), 1e-3f, out _, out _)), new Shape(7)],
        ["layer normalization", new Func<Tensor, Tensor, Tensor>((x, w) => Ops.LayerNorm(x, w, Ops.Square(w))), new Shape(7)],
        ["average pool", new Func<Tensor, Tensor, Tensor>((x, w) => Ops.Multiply(Ops.AveragePool2D(x, (3, 2), (2, 1), Padding.Same), w)), new Shape(8, 5, 9, 7)],
        // Ids with many repeats, so table rows gather several gradient rows; a weight table (rows added in place) and a computed one.
        ["embedding lookup", new Func<Tensor, Tensor, Tensor>((x, w) => Ops.Add(Ops.Take(w, Ids(), 0), x)), new Shape(13, 7)],
        ["lookup in a computed table", new Func<Tensor, Tensor, Tensor>((x, w) => Ops.Multiply(Ops.Take(Ops.Square(w), Ids(), 0), x)), new Shape(13, 7)],
    ];

    private static Tensor Ids() => Tensor.RandomInts(new Shape(8, 10, 9), 0, 13, new RandomGenerator(3));

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void SplittingChangesNoBit(string name, Func<Tensor, Tensor, Tensor> f, Shape weight)
    {
        var one = Run(1, f, X, weight);
        foreach (int parts in new[] { 2, 3, 4 })
        {
            var split = Run(parts, f, X, weight);
            for (int i = 0; i < one.Length; i++) CollectionAssert.AreEqual(one[i], split[i], $"{name}: result {i} with {parts} parts");
        }
    }
}
