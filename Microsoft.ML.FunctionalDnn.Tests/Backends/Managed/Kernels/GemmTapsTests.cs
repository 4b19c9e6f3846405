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

    public static IEnumerable<object[]> SegmentCases() =>
        GemmTests.WithEveryKernel([[1, 1, 1], [5, 17, 3], [32, 32, 32], [13, 40, 19], [28, 48, 16], [24, 33, 7], [37, 32, 9]]);

    [TestMethod]
    public void SegmentTilesAreChosenByTheRowsTheyWaste()
    {
        // AVX-512 runs: 8-row tiles where 12-row ones would overshoot (16- and 32-pixel image rows), 12-row ones otherwise.
        foreach (int length in new[] { 8, 14, 16, 28, 32, 37 }) Assert.IsTrue(Gemm.PrefersEightRowTiles(length), $"{length} rows");
        foreach (int length in new[] { 12, 24, 36, 48 }) Assert.IsFalse(Gemm.PrefersEightRowTiles(length), $"{length} rows");
    }

    [TestMethod]
    [DynamicData(nameof(SegmentCases))]
    public void SegmentsMatchTheDefinitionAndStoreOnlyTheirRows(int length, int n, int depth, int kernel)
    {
        // Segments as a convolution lays them out (rows of a wide image, gaps between their C runs),
        // the last one ending where A's slack begins; C rows outside the segments keep their values.
        var r = new RandomGenerator(length * 3 + n + depth);
        int[] offsets = [0, 1, 2, 40, 41, 42];
        int[] aStarts = [0, 45, 90, 200];
        int[] cStarts = [3, 3 + length + 2, 3 + 2 * length + 7, 3 + 3 * length + 9];
        int aRows = aStarts[^1] + length + Gemm.SegmentSlackRows + offsets[^1], cRows = cStarts[^1] + length + 4;
        var a = Tensor.Uniform(new Shape(aRows * depth), -1, 1, r).ToArray();
        var b = Tensor.Uniform(new Shape(offsets.Length * depth * n), -1, 1, r).ToArray();
        var initial = Tensor.Uniform(new Shape(cRows * n), -1, 1, r).ToArray();
        foreach (bool transB in new[] { false, true })
            foreach (bool accumulate in new[] { false, true })
            {
                var c = (float[])initial.Clone();
                Gemm.MultiplyTapSegments(aStarts, cStarts, length, n, depth, offsets, a, depth, b, transB, c, n, accumulate, kernel: (GemmKernelKind)kernel);
                var expected = (float[])initial.Clone();
                for (int s = 0; s < aStarts.Length; s++)
                {
                    // The definition on the segment's own rows: A shifted to the segment's start.
                    var shifted = a.AsSpan(aStarts[s] * depth).ToArray();
                    var rows = Naive(length, n, depth, offsets, shifted, b, transB, accumulate ? initial.AsSpan(cStarts[s] * n, length * n).ToArray() : null);
                    rows.CopyTo(expected, cStarts[s] * n);
                }
                for (int i = 0; i < c.Length; i++)
                    Assert.AreEqual(expected[i], c[i], 1e-5f * depth * offsets.Length, $"transB={transB} accumulate={accumulate} element {i} (row {i / n})");
            }
    }

    [TestMethod]
    public void SegmentsGiveTheSameBitsOnAnyThreadCountAndCheckTheSlack()
    {
        var r = new RandomGenerator(9);
        int length = 30, n = 40, depth = 24, segments = 200;
        int[] offsets = [0, 1, 2, 34, 35, 36];
        var aStarts = Enumerable.Range(0, segments).Select(s => s * 34).ToArray();
        var cStarts = Enumerable.Range(0, segments).Select(s => s * length).ToArray();
        int aRows = aStarts[^1] + length + Gemm.SegmentSlackRows + offsets[^1];
        var a = Tensor.Uniform(new Shape(aRows * depth), -1, 1, r).ToArray();
        var b = Tensor.Uniform(new Shape(offsets.Length * depth * n), -1, 1, r).ToArray();
        var one = new float[segments * length * n];
        var many = new float[segments * length * n];
        Gemm.MultiplyTapSegments(aStarts, cStarts, length, n, depth, offsets, a, depth, b, false, one, n, false, threads: 1);
        Gemm.MultiplyTapSegments(aStarts, cStarts, length, n, depth, offsets, a, depth, b, false, many, n, false, threads: 4);
        CollectionAssert.AreEqual(one, many);
        var ex = Assert.ThrowsExactly<ArgumentException>(() =>
            Gemm.MultiplyTapSegments(aStarts, cStarts, length, n, depth, offsets, a.AsSpan(0, (aRows - 1) * depth), depth, b, false, one, n, false));
        StringAssert.Contains(ex.Message, "A needs");
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
