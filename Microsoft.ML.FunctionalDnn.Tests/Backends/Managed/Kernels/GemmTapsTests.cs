using Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

namespace Microsoft.ML.FunctionalDnn.Tests.Kernels;

[TestClass]
public sealed class GemmTapsTests
{
    /// <summary>Σₜ A[q + offsets[t]] · Bₜ in double, straight from the definition.</summary>
    private static float[] Naive(int m, int n, int depth, int[] offsets, float[] a, float[] b, bool transB, float[]? initial)
    {
        var c = new float[m * n];
        for (int q = 0; q < m; q++)
            for (int j = 0; j < n; j++)
            {
                double s = initial?[q * n + j] ?? 0;
                for (int t = 0; t < offsets.Length; t++)
                    for (int p = 0; p < depth; p++)
                        s += (double)a[(q + offsets[t]) * depth + p] * (transB ? b[t * n * depth + j * depth + p] : b[t * depth * n + p * n + j]);
                c[q * n + j] = (float)s;
            }
        return c;
    }

    public static IEnumerable<object[]> Cases()
    {
        int[][] shapes = [[1, 1, 1], [7, 17, 3], [64, 32, 32], [101, 40, 19], [600, 48, 16]];
        return GemmTests.WithEveryKernel(shapes);
    }

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void MatchesTheDefinitionForBothLayoutsOfB(int m, int n, int depth, int kernel)
    {
        var r = new RandomGenerator(m + n * 7 + depth * 13);
        int[] offsets = [0, 1, 5, 9, 2];
        var a = Tensor.Uniform(new Shape((m + 9) * depth), -1, 1, r).ToArray();
        var b = Tensor.Uniform(new Shape(offsets.Length * depth * n), -1, 1, r).ToArray();
        var initial = Tensor.Uniform(new Shape(m * n), -1, 1, r).ToArray();
        foreach (bool transB in new[] { false, true })
            foreach (bool accumulate in new[] { false, true })
            {
                var c = (float[])initial.Clone();
                Gemm.MultiplyTaps(m, n, depth, offsets, a, depth, b, transB, c, n, accumulate, kernel: (GemmKernelKind)kernel);
                var expected = Naive(m, n, depth, offsets, a, b, transB, accumulate ? initial : null);
                for (int i = 0; i < c.Length; i++)
                    Assert.AreEqual(expected[i], c[i], 1e-5f * depth * offsets.Length, $"transB={transB} accumulate={accumulate} element {i}");
            }
    }

    [TestMethod]
    public void ResultDoesNotDependOnTheThreadCount()
    {
        var r = new RandomGenerator(3);
        int m = 5000, n = 40, depth = 32;
        int[] offsets = [0, 1, 2, 70, 71, 72];
        var a = Tensor.Uniform(new Shape((m + 72) * depth), -1, 1, r).ToArray();
        var b = Tensor.Uniform(new Shape(offsets.Length * depth * n), -1, 1, r).ToArray();
        var one = new float[m * n];
        var many = new float[m * n];
        Gemm.MultiplyTaps(m, n, depth, offsets, a, depth, b, false, one, n, false, threads: 1);
        Gemm.MultiplyTaps(m, n, depth, offsets, a, depth, b, false, many, n, false, threads: 4);
        CollectionAssert.AreEqual(one, many);
    }

    [TestMethod]
    public void AnInputTooShortForTheLargestOffsetIsRejected()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() =>
            Gemm.MultiplyTaps(4, 2, 2, [0, 3], new float[12], 2, new float[8], false, new float[8], 2, false));
        StringAssert.Contains(ex.Message, "A needs 14 elements");
    }

    /// <summary>C[t] = Σ_q A[q + offsets[t]]ᵀ · B[q] in double, straight from the definition.</summary>
    private static float[] NaiveTransposed(int m, int n, int depth, int[] offsets, float[] a, float[] b, float[]? initial)
    {
        var c = new float[offsets.Length * depth * n];
        for (int t = 0; t < offsets.Length; t++)
            for (int i = 0; i < depth; i++)
                for (int j = 0; j < n; j++)
                {
                    int at = (t * depth + i) * n + j;
                    double s = initial?[at] ?? 0;
                    for (int q = 0; q < m; q++) s += (double)a[(q + offsets[t]) * depth + i] * b[q * n + j];
                    c[at] = (float)s;
                }
        return c;
    }

    public static IEnumerable<object[]> TransposedCases()
    {
        // Depths and widths off every tile size (12 × 32, 6 × 16, 4 × 4), and m across several chunks (17,000: chunks longer than 1,024 rows).
        int[][] shapes = [[1, 1, 1], [7, 17, 3], [64, 32, 32], [101, 40, 19], [2500, 48, 13], [1030, 33, 9], [17000, 9, 5]];
        return GemmTests.WithEveryKernel(shapes);
    }

    [TestMethod]
    [DynamicData(nameof(TransposedCases))]
    public void TheWeightProductMatchesTheDefinition(int m, int n, int depth, int kernel)
    {
        var r = new RandomGenerator(m + n * 5 + depth * 11);
        int[] offsets = [0, 1, 5, 9, 2];
        // Exactly sized operands: tiles that overhang the last row must not read past them.
        var a = Tensor.Uniform(new Shape((m + 9) * depth), -1, 1, r).ToArray();
        var b = Tensor.Uniform(new Shape(m * n), -1, 1, r).ToArray();
        var initial = Tensor.Uniform(new Shape(offsets.Length * depth * n), -1, 1, r).ToArray();
        foreach (bool accumulate in new[] { false, true })
        {
            var c = (float[])initial.Clone();
            Gemm.MultiplyTapsTransposed(m, n, depth, offsets, a, b, c, accumulate, kernel: (GemmKernelKind)kernel);
            var expected = NaiveTransposed(m, n, depth, offsets, a, b, accumulate ? initial : null);
            for (int i = 0; i < c.Length; i++)
                Assert.AreEqual(expected[i], c[i], 1e-5f * m, $"accumulate={accumulate} element {i}");
        }
    }

    [TestMethod]
    public void TheWeightProductDoesNotDependOnTheThreadCount()
    {
        var r = new RandomGenerator(4);
        int m = 5000, n = 40, depth = 32;
        int[] offsets = [0, 1, 2, 70, 71, 72];
        var a = Tensor.Uniform(new Shape((m + 72) * depth), -1, 1, r).ToArray();
        var b = Tensor.Uniform(new Shape(m * n), -1, 1, r).ToArray();
        var one = new float[offsets.Length * depth * n];
        var many = new float[one.Length];
        Gemm.MultiplyTapsTransposed(m, n, depth, offsets, a, b, one, false, threads: 1);
        Gemm.MultiplyTapsTransposed(m, n, depth, offsets, a, b, many, false, threads: 4);
        CollectionAssert.AreEqual(one, many);
    }

    [TestMethod]
    public void TheWeightProductRefusesAnInputTooShortForTheLargestOffset()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() =>
            Gemm.MultiplyTapsTransposed(4, 2, 2, [0, 3], new float[12], new float[8], new float[8], false));
        StringAssert.Contains(ex.Message, "A needs 14 floats");
    }
}
