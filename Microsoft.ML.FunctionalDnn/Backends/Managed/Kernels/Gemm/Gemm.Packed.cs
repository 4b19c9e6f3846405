using System.Runtime.CompilerServices;

namespace Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

/// <summary>
/// A right operand packed once into the micro-kernel's slivers, for many products that share it:
/// a recurrent layer multiplies every step's rows by the same kernel and recurrent kernel, and at
/// those sizes (a few dozen rows) packing B on every call would cost as much as the product.
/// The layout is the blocked GEMM's own: depth blocks of <c>DepthBlock(k)</c>, column panels of
/// Nc, Nr-wide slivers, zero past the last column.
/// </summary>
internal sealed class PackedMatrix
{
    internal PackedMatrix(GemmKernelKind kernel, int k, int n, int paddedColumns, float[] data) =>
        (Kernel, K, N, PaddedColumns, Data) = (kernel, k, n, paddedColumns, data);

    /// <summary>The kernel family whose sliver width the packing used.</summary>
    internal GemmKernelKind Kernel { get; }

    /// <summary>Rows of B (the products' depth).</summary>
    internal int K { get; }

    /// <summary>Columns of B.</summary>
    internal int N { get; }

    /// <summary>Columns rounded up to the sliver width.</summary>
    internal int PaddedColumns { get; }

    /// <summary>The packed values (pinned by <c>fixed</c> for the length of each product).</summary>
    internal float[] Data { get; }
}

internal static partial class Gemm
{
    /// <summary>
    /// Packs op(B) (k × n) for <see cref="Multiply(int, ReadOnlySpan{float}, int, PackedMatrix, Span{float}, int, bool)"/>:
    /// B itself (row stride <paramref name="ldb"/>), or with <paramref name="transposed"/> the transpose of a stored n × k B.
    /// </summary>
    internal static unsafe PackedMatrix Pack(ReadOnlySpan<float> b, int k, int n, int ldb, bool transposed = false, GemmKernelKind? kernel = null)
    {
        if (k < 0 || n < 0) throw new ArgumentException($"GEMM sizes must be non-negative; received k={k}, n={n}.");
        CheckMatrix("B", transposed ? n : k, transposed ? k : n, b.Length, ldb);
        var kind = kernel ?? BestKernel;
        int nr = kind switch { GemmKernelKind.Vector512 => GemmKernel512.Nr, GemmKernelKind.Vector256 => GemmKernel256.Nr, _ => GemmKernelScalar.Nr };
        int padded = (n + nr - 1) / nr * nr;
        var data = GC.AllocateUninitializedArray<float>(Math.Max(1, k * padded));
        if (k == 0 || n == 0) return new PackedMatrix(kind, k, n, padded, data);
        fixed (float* pb = b, dst = data)
        {
            var g = new GemmArgs(false, transposed, 0, n, k, 0, ldb, 0, false, 1) { B = pb };
            switch (kind)
            {
                case GemmKernelKind.Vector512: PackAll<GemmKernel512>(ref g, dst, padded); break;
                case GemmKernelKind.Vector256: PackAll<GemmKernel256>(ref g, dst, padded); break;
                default: PackAll<GemmKernelScalar>(ref g, dst, padded); break;
            }
        }
        return new PackedMatrix(kind, k, n, padded, data);
    }

    /// <summary>Every (depth block, column panel) of B at <see cref="PanelOffset"/>.</summary>
    private static unsafe void PackAll<TK>(ref GemmArgs g, float* dst, int padded) where TK : IGemmMicroKernel
    {
        int depthBlock = DepthBlock(g.K);
        for (int jc = 0; jc < g.N; jc += Nc)
            for (int pc = 0; pc < g.K; pc += depthBlock)
            {
                int kc = Math.Min(depthBlock, g.K - pc);
                PackB<TK>(ref g, dst + PanelOffset(pc, kc, jc, padded), pc, kc, jc, Math.Min(Nc, g.N - jc));
            }
    }

    /// <summary>Where the panel of depths [pc, pc + kc) and columns from <paramref name="jc"/> starts: depth blocks one after another, panels side by side within one.</summary>
    private static int PanelOffset(int pc, int kc, int jc, int padded) => pc * padded + jc * kc;

    /// <summary>
    /// C[m × n] = A[m × k] · B (+ C when <paramref name="accumulate"/>) on the calling thread, B
    /// packed by <see cref="Pack"/>: the same tiles, depth blocks and summation order as the
    /// unpacked product, so the results are the same bits.
    /// </summary>
    [SkipLocalsInit]
    internal static unsafe void Multiply(int m, ReadOnlySpan<float> a, int lda, PackedMatrix b, Span<float> c, int ldc, bool accumulate)
    {
        ArgumentNullException.ThrowIfNull(b);
        if (m < 0) throw new ArgumentException($"GEMM sizes must be non-negative; received m={m}.");
        CheckMatrix("A", m, b.K, a.Length, lda);
        CheckMatrix("C", m, b.N, c.Length, ldc);
        if (m == 0 || b.N == 0) return;
        if (b.K == 0)
        {
            if (!accumulate) for (int i = 0; i < m; i++) c.Slice(i * ldc, b.N).Clear();
            return;
        }
        var g = new GemmArgs(false, false, m, b.N, b.K, lda, b.N, ldc, accumulate, 1);
        fixed (float* pa = a, pc = c, pb = b.Data)
        {
            g.A = pa;
            g.C = pc;
            switch (b.Kernel)
            {
                case GemmKernelKind.Vector512 when PrefersEightRowTiles(m): MultiplyPacked<GemmKernel512Rows8>(ref g, pb, b.PaddedColumns); break;
                case GemmKernelKind.Vector512: MultiplyPacked<GemmKernel512>(ref g, pb, b.PaddedColumns); break;
                case GemmKernelKind.Vector256: MultiplyPacked<GemmKernel256>(ref g, pb, b.PaddedColumns); break;
                default: MultiplyPacked<GemmKernelScalar>(ref g, pb, b.PaddedColumns); break;
            }
        }
    }

    [SkipLocalsInit]
    private static unsafe void MultiplyPacked<TK>(ref GemmArgs g, float* packed, int padded) where TK : IGemmMicroKernel
    {
        float* edge = stackalloc float[TK.Mr * TK.Nr];
        float* ragged = stackalloc float[TK.Mr * Kc];
        int depthBlock = DepthBlock(g.K);
        for (int jc = 0; jc < g.N; jc += Nc)
        {
            int nc = Math.Min(Nc, g.N - jc);
            for (int pc = 0; pc < g.K; pc += depthBlock)
            {
                int kc = Math.Min(depthBlock, g.K - pc);
                // A is read in place (not transposed), so the packed-A scratch is never touched.
                Panel<TK>(ref g, packed + PanelOffset(pc, kc, jc, padded), null, edge, ragged, 0, g.M, pc, kc, jc, nc, g.Accumulate || pc > 0);
            }
        }
    }
}
