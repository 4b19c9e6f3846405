using System.Runtime.Intrinsics;

namespace Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

/// <summary>The micro-kernel family a GEMM runs with.</summary>
internal enum GemmKernelKind
{
    /// <summary>4 × 4 scalar tiles.</summary>
    Scalar,

    /// <summary>6 × 16 Vector256 FMA tiles (AVX2).</summary>
    Vector256,

    /// <summary>12 × 32 Vector512 FMA tiles (AVX-512).</summary>
    Vector512,
}

/// <summary>
/// Single-precision matrix product C = op(A) · op(B) (+ C), row-major, any transposes. Blocked the
/// Goto/BLIS way: B is packed into kc × nc panels of Nr-wide slivers, A into mc × kc blocks of
/// Mr-tall slivers, and a register-blocked micro-kernel computes each Mr × Nr tile. Large products
/// split their tiles over the cores; each tile is always computed by one thread with the same
/// summation order, so results do not depend on the number of threads or their timing.
/// </summary>
internal static partial class Gemm
{
    /// <summary>Deepest depth block: a B sliver (Kc × 16 floats) and an A sliver stay in a 32 KB L1 cache.</summary>
    private const int Kc = 320;
    private const int Mc = 96;   // a multiple of every kernel's Mr (4, 6, 12)
    private const int Nc = 2048; // a multiple of every kernel's Nr (4, 16, 32)

    /// <summary>Products with fewer multiply-adds than this stay on the calling thread.</summary>
    internal const long ParallelThreshold = 1L << 21;

    /// <summary>The fastest kernel this machine accelerates.</summary>
    internal static GemmKernelKind BestKernel { get; } =
        Vector512.IsHardwareAccelerated ? GemmKernelKind.Vector512
        : Vector256.IsHardwareAccelerated ? GemmKernelKind.Vector256
        : GemmKernelKind.Scalar;

    /// <summary>
    /// C[m × n] = op(A)[m × k] · op(B)[k × n], added to C when <paramref name="accumulate"/>.
    /// op(A) is A, or Aᵀ of a stored k × m matrix when <paramref name="transA"/>; likewise for B.
    /// </summary>
    /// <remarks>
    /// <paramref name="lda"/>, <paramref name="ldb"/> and <paramref name="ldc"/> are the row strides
    /// of the stored matrices; <paramref name="threads"/> 0 means all cores (small products always
    /// use one); <paramref name="kernel"/> forces a micro-kernel family (tests), otherwise the
    /// fastest this machine accelerates. Sizes: <paramref name="m"/>, <paramref name="n"/>,
    /// <paramref name="k"/>; operands <paramref name="a"/>, <paramref name="b"/>, <paramref name="c"/>.
    /// </remarks>
    internal static void Multiply(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc,
        bool accumulate, int threads = 0, GemmKernelKind? kernel = null)
    {
        CheckArguments(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            if (!accumulate) for (int i = 0; i < m; i++) c.Slice(i * ldc, n).Clear();
            return;
        }
        if (threads <= 0) threads = Environment.ProcessorCount;
        if ((long)m * n * k < ParallelThreshold) threads = 1;
        var args = new GemmArgs(transA, transB, m, n, k, lda, ldb, ldc, accumulate, threads);
        unsafe
        {
            fixed (float* pa = a, pb = b, pc = c)
            {
                args.A = pa;
                args.B = pb;
                args.C = pc;
                switch (kernel ?? BestKernel)
                {
                    case GemmKernelKind.Vector512: Run<GemmKernel512>(ref args); break;
                    case GemmKernelKind.Vector256: Run<GemmKernel256>(ref args); break;
                    default: Run<GemmKernelScalar>(ref args); break;
                }
            }
        }
    }

    private static void CheckArguments(bool transA, bool transB, int m, int n, int k,
        int aLength, int lda, int bLength, int ldb, int cLength, int ldc)
    {
        if (m < 0 || n < 0 || k < 0) throw new ArgumentException($"GEMM sizes must be non-negative; received m={m}, n={n}, k={k}.");
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        CheckMatrix("A", aRows, aCols, aLength, lda);
        CheckMatrix("B", bRows, bCols, bLength, ldb);
        CheckMatrix("C", m, n, cLength, ldc);
    }

    private static void CheckMatrix(string name, int rows, int cols, int length, int ld)
    {
        if (rows == 0 || cols == 0) return;
        if (ld < cols) throw new ArgumentException($"GEMM: the row stride of {name} is {ld}, less than its {cols} columns.");
        if ((long)(rows - 1) * ld + cols > length)
            throw new ArgumentException($"GEMM: {name} needs {(long)(rows - 1) * ld + cols} elements for {rows} × {cols} with row stride {ld}; the buffer has {length}.");
    }
}
