using Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

namespace Microsoft.ML.FunctionalDnn.Tests.Kernels;

[TestClass]
public sealed class GemmTests
{
    private static float[] Random(int n, RandomGenerator r)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = r.NextFloat() * 2 - 1;
        return a;
    }

    /// <summary>Plain triple loop in double: the reference every kernel is held to.</summary>
    internal static float[] Naive(bool ta, bool tb, int m, int n, int k, float[] a, float[] b)
    {
        var c = new float[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++)
                    s += (double)(ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
                c[i * n + j] = (float)s;
            }
        return c;
    }

    private static void AssertClose(float[] expected, float[] actual, int k, string what)
    {
        float tol = 1e-5f * (k + 1);
        for (int i = 0; i < expected.Length; i++)
            Assert.IsLessThanOrEqualTo(tol, MathF.Abs(expected[i] - actual[i]), $"{what}: element {i} expected {expected[i]}, got {actual[i]}");
    }

    public static IEnumerable<object[]> Shapes()
    {
        int[][] shapes = [[1, 1, 1], [17, 33, 65], [6, 16, 1], [7, 17, 3], [96, 2048, 5], [100, 70, 300], [5, 1, 9], [1, 40, 513], [130, 130, 257]];
        return WithEveryKernel(shapes);
    }

    /// <summary>Each (m, n, k) shape with each micro-kernel family, as test rows [m, n, k, kernel].</summary>
    internal static IEnumerable<object[]> WithEveryKernel(int[][] shapes)
    {
        foreach (var s in shapes)
            foreach (var kind in new[] { GemmKernelKind.Scalar, GemmKernelKind.Vector256, GemmKernelKind.Vector512 })
                yield return [s[0], s[1], s[2], (int)kind];
    }

    [TestMethod]
    [DynamicData(nameof(Shapes))]
    public void MatchesNaiveForAllTransposes(int m, int n, int k, int kernel)
    {
        var kind = (GemmKernelKind)kernel;
        var r = new RandomGenerator(m * 1000 + n * 10 + k);
        var a = Random(m * k, r);
        var b = Random(k * n, r);
        foreach (bool ta in new[] { false, true })
            foreach (bool tb in new[] { false, true })
            {
                var c = new float[m * n];
                Gemm.Multiply(ta, tb, m, n, k, a, ta ? m : k, b, tb ? k : n, c, n, accumulate: false, kernel: kind);
                AssertClose(Naive(ta, tb, m, n, k, a, b), c, k, $"{kind} ta={ta} tb={tb} {m}x{n}x{k}");
            }
    }

    public static IEnumerable<object[]> PackedShapes() =>
        WithEveryKernel([[1, 1, 1], [64, 128, 32], [7, 17, 3], [13, 2100, 5], [9, 40, 700], [96, 33, 64]]);

    [TestMethod]
    [DynamicData(nameof(PackedShapes))]
    public void PackedRightOperandGivesTheSameBitsAsTheUnpackedProduct(int m, int n, int k, int kernel)
    {
        // Packed once and reused (a recurrent layer's kernels over every step): the same tiles and
        // depth blocks as the unpacked product, A read with a row stride longer than its rows.
        var kind = (GemmKernelKind)kernel;
        var r = new RandomGenerator(m + 7 * n + 31 * k);
        int lda = k + 3;
        var a = Random((m - 1) * lda + k, r);
        var b = Random(k * n, r);
        // B as stored, and the same values stored transposed (n × k) and packed as its transpose.
        foreach (bool transposed in new[] { false, true })
        {
            var stored = transposed ? Transpose(b, k, n) : b;
            var packed = Gemm.Pack(stored, k, n, transposed ? k : n, transposed, kind);
            foreach (bool accumulate in new[] { false, true })
            {
                var start = Random(m * n, r);
                var expected = (float[])start.Clone();
                Gemm.Multiply(false, false, m, n, k, a, lda, b, n, expected, n, accumulate, threads: 1, kernel: kind);
                var actual = (float[])start.Clone();
                Gemm.Multiply(m, a, lda, packed, actual, n, accumulate);
                CollectionAssert.AreEqual(expected, actual, $"{kind} {m}x{n}x{k}, transposed={transposed}, accumulate={accumulate}");
            }
        }
    }

    private static float[] Transpose(float[] b, int rows, int cols)
    {
        var t = new float[b.Length];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) t[j * rows + i] = b[i * cols + j];
        return t;
    }

    [TestMethod]
    public void PackedProductChecksItsOperands()
    {
        var packed = Gemm.Pack(new float[6], 2, 3, 3);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => Gemm.Multiply(2, new float[3], 2, packed, new float[6], 3, false));
        StringAssert.Contains(ex.Message, "A needs 4 elements");
        ex = Assert.ThrowsExactly<ArgumentException>(() => Gemm.Pack(new float[5], 2, 3, 3));
        StringAssert.Contains(ex.Message, "B needs 6 elements");
    }

    [TestMethod]
    public void AccumulateAddsToExistingValues()
    {
        var r = new RandomGenerator(3);
        int m = 13, n = 21, k = 300;
        var a = Random(m * k, r);
        var b = Random(k * n, r);
        var c = Random(m * n, r);
        var expected = Naive(false, false, m, n, k, a, b);
        for (int i = 0; i < expected.Length; i++) expected[i] += c[i];
        Gemm.Multiply(false, false, m, n, k, a, k, b, n, c, n, accumulate: true);
        AssertClose(expected, c, k, "accumulate");
    }

    [TestMethod]
    public void RespectsLeadingDimensionsLargerThanTheMatrix()
    {
        var r = new RandomGenerator(4);
        int m = 9, n = 11, k = 7, lda = 10, ldb = 20, ldc = 15;
        var a = Random(m * lda, r);
        var b = Random(k * ldb, r);
        var c = new float[m * ldc];
        Array.Fill(c, 42f);
        Gemm.Multiply(false, false, m, n, k, a, lda, b, ldb, c, ldc, accumulate: false);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < ldc; j++)
            {
                if (j >= n) { Assert.AreEqual(42f, c[i * ldc + j], "padding of C must be untouched"); continue; }
                double s = 0;
                for (int p = 0; p < k; p++) s += a[i * lda + p] * b[p * ldb + j];
                Assert.AreEqual((float)s, c[i * ldc + j], 1e-4f);
            }
    }

    [TestMethod]
    public void ZeroDepthClearsOrKeepsC()
    {
        var c = new float[] { 1, 2, 3, 4 };
        Gemm.Multiply(false, false, 2, 2, 0, [], 0, [], 2, c, 2, accumulate: true);
        CollectionAssert.AreEqual(new float[] { 1, 2, 3, 4 }, c);
        Gemm.Multiply(false, false, 2, 2, 0, [], 0, [], 2, c, 2, accumulate: false);
        CollectionAssert.AreEqual(new float[] { 0, 0, 0, 0 }, c);
    }

    [TestMethod]
    public void MultiThreadedResultIsBitIdenticalToSingleThreadedAndRepeatable()
    {
        var r = new RandomGenerator(5);
        int m = 300, n = 520, k = 700;
        var a = Random(m * k, r);
        var b = Random(k * n, r);
        var one = new float[m * n];
        var many = new float[m * n];
        var again = new float[m * n];
        Gemm.Multiply(false, true, m, n, k, a, k, b, k, one, n, false, threads: 1);
        Gemm.Multiply(false, true, m, n, k, a, k, b, k, many, n, false, threads: 4);
        Gemm.Multiply(false, true, m, n, k, a, k, b, k, again, n, false, threads: 4);
        CollectionAssert.AreEqual(one, many);
        CollectionAssert.AreEqual(many, again);
    }

    [TestMethod]
    public void BufferTooSmallNamesTheMatrix()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() =>
            Gemm.Multiply(false, false, 4, 4, 4, new float[15], 4, new float[16], 4, new float[16], 4, false));
        StringAssert.Contains(ex.Message, "A needs 16 elements");
    }
}
