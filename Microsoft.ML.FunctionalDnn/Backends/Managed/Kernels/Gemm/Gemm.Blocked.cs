using System.Runtime.CompilerServices;

namespace Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

/// <summary>Everything a blocked multiply needs, passed by reference through the loops.</summary>
internal unsafe struct GemmArgs(bool transA, bool transB, int m, int n, int k, int lda, int ldb, int ldc, bool accumulate, int threads)
{
    public readonly bool TransA = transA, TransB = transB;
    public readonly int M = m, N = n, K = k, Lda = lda, Ldb = ldb, Ldc = ldc, Threads = threads;
    public readonly bool Accumulate = accumulate;
    public float* A, B, C;
}

internal static partial class Gemm
{
    [ThreadStatic] private static float[]? t_packA;
    [ThreadStatic] private static float[]? t_packB;

    /// <summary>
    /// Splits C once into one block of rows (or, for few rows, of columns) per worker; each worker
    /// runs the whole blocked loop on its block with its own packed panels. One dispatch per
    /// product keeps skinny, deep products (a convolution's weight gradient) from paying thread
    /// hand-offs per depth block.
    /// </summary>
    private static unsafe void Run<TK>(ref GemmArgs g) where TK : IGemmMicroKernel
    {
        int parts = g.Threads;
        bool byRows = g.M >= parts * 4 * TK.Mr;
        bool byColumns = !byRows && g.N >= parts * 2 * TK.Nr;
        if (parts == 1 || (!byRows && !byColumns))
        {
            Block<TK>(ref g, 0, g.M, 0, g.N);
            return;
        }
        int unit = byRows ? TK.Mr : TK.Nr, total = byRows ? g.M : g.N;
        int units = (total + unit - 1) / unit;
        int per = (units + parts - 1) / parts * unit;
        var args = g;
        Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, part =>
        {
            int start = part * per, end = Math.Min(total, start + per);
            if (start >= end) return;
            var local = args;
            if (byRows) Block<TK>(ref local, start, end, 0, local.N);
            else Block<TK>(ref local, 0, local.M, start, end);
        });
    }

    /// <summary>C[m0..m1, n0..n1] on the calling thread, blocked for the caches.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    private static unsafe void Block<TK>(ref GemmArgs g, int m0, int m1, int n0, int n1) where TK : IGemmMicroKernel
    {
        int mr = TK.Mr, nr = TK.Nr;
        var packB = PinnedBuffer(ref t_packB, Kc * Nc);
        var packA = PinnedBuffer(ref t_packA, Mc * Kc);
        float* edge = stackalloc float[mr * nr];
        float* ragged = stackalloc float[mr * Kc];
        fixed (float* pb = packB, pa = packA)
        {
            for (int jc = n0; jc < n1; jc += Nc)
            {
                int nc = Math.Min(Nc, n1 - jc);
                // Equal depth blocks of at most Kc: K = 288 is one pass, not 256 + a thin 32 that rereads all of C.
                int depthBlock = DepthBlock(g.K);
                for (int pc = 0; pc < g.K; pc += depthBlock)
                {
                    int kc = Math.Min(depthBlock, g.K - pc);
                    bool accumulate = g.Accumulate || pc > 0;
                    PackB<TK>(ref g, pb, pc, kc, jc, nc);
                    Panel<TK>(ref g, pb, pa, edge, ragged, m0, m1, pc, kc, jc, nc, accumulate);
                }
            }
        }
    }

    /// <summary>
    /// Rows [m0, m1) of C's columns [jc, jc + nc) at depths [pc, pc + kc), from that depth block's
    /// packed B panel <paramref name="pb"/>; <paramref name="pa"/>, <paramref name="edge"/> and
    /// <paramref name="ragged"/> are the calling thread's scratch for packed A, edge tiles and
    /// ragged rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Panel<TK>(ref GemmArgs g, float* pb, float* pa, float* edge, float* ragged,
        int m0, int m1, int pc, int kc, int jc, int nc, bool accumulate) where TK : IGemmMicroKernel
    {
        int mr = TK.Mr, nr = TK.Nr;
        for (int ic = m0; ic < m1; ic += Mc)
        {
            int mc = Math.Min(Mc, m1 - ic);
            // A transposed is packed (its rows are strided); otherwise its rows are read in place.
            if (g.TransA) PackA<TK>(ref g, pa, ic, mc, pc, kc);
            for (int jr = 0; jr < nc; jr += nr)
            {
                int nn = Math.Min(nr, nc - jr);
                float* bSliver = pb + jr * kc;
                for (int ir = 0; ir < mc; ir += mr)
                {
                    int mm = Math.Min(mr, mc - ir);
                    float* a;
                    nint rowStride, step;
                    if (g.TransA) { a = pa + ir * kc; rowStride = 1; step = mr; }
                    else if (mm == mr) { a = g.A + (long)(ic + ir) * g.Lda + pc; rowStride = g.Lda; step = 1; }
                    else
                    {
                        // The last rows: copy them with zero padding so the kernel never reads past A.
                        PackRaggedRows(ref g, ragged, mr, ic + ir, mm, pc, kc);
                        a = ragged; rowStride = 1; step = mr;
                    }
                    float* cTile = g.C + (long)(ic + ir) * g.Ldc + jc + jr;
                    if (mm == mr && nn == nr)
                    {
                        Tile<TK>(kc, a, rowStride, step, bSliver, cTile, g.Ldc, accumulate);
                        continue;
                    }
                    Tile<TK>(kc, a, rowStride, step, bSliver, edge, nr, false);
                    StoreEdge(edge, nr, cTile, g.Ldc, mm, nn, accumulate);
                }
            }
        }
    }

    /// <summary>One tile of one product (a single tap at offset 0) from a packed B sliver.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Tile<TK>(int kc, float* a, nint rowStride, nint step, float* b, float* c, int ldc, bool accumulate)
        where TK : IGemmMicroKernel
    {
        int zero = 0;
        TK.Run(kc, 1, &zero, a, rowStride, step, b, TK.Nr, c, ldc, accumulate);
    }

    private static int DepthBlock(int k)
    {
        int blocks = (k + Kc - 1) / Kc;
        return (k + blocks - 1) / blocks;
    }

    /// <summary>Mr-tall slivers of op(A) = Aᵀ: for each depth p, Mr consecutive values op(A)[ic + r, pc + p], zero past the block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PackA<TK>(ref GemmArgs g, float* dst, int ic, int mc, int pc, int kc) where TK : IGemmMicroKernel
    {
        int mr = TK.Mr;
        for (int ir = 0; ir < mc; ir += mr)
        {
            int mm = Math.Min(mr, mc - ir);
            float* sliver = dst + ir * kc;
            for (int p = 0; p < kc; p++)
            {
                // op(A)[i, p] = A[p, i]: each depth is a contiguous run of the block's rows.
                float* src = g.A + (long)(pc + p) * g.Lda + ic + ir;
                float* d = sliver + p * mr;
                if (mm == mr)
                {
                    Unsafe.CopyBlockUnaligned(d, src, (uint)(mr * sizeof(float)));
                    continue;
                }
                int r = 0;
                for (; r < mm; r++) d[r] = src[r];
                for (; r < mr; r++) d[r] = 0;
            }
        }
    }

    /// <summary>Rows [i0, i0 + rows) of a non-transposed A at depths [pc, pc + kc), interleaved Mr-wide with zero rows after.</summary>
    private static unsafe void PackRaggedRows(ref GemmArgs g, float* dst, int mr, int i0, int rows, int pc, int kc) =>
        PackRaggedRows(g.A + (long)i0 * g.Lda + pc, g.Lda, dst, mr, rows, kc);

    /// <summary>The first <paramref name="rows"/> rows (stride <paramref name="lda"/>) of <paramref name="a"/>, <paramref name="kc"/> deep, interleaved Mr-wide with zero rows after, so a kernel never reads past them.</summary>
    private static unsafe void PackRaggedRows(float* a, long lda, float* dst, int mr, int rows, int kc)
    {
        for (int r = 0; r < mr; r++)
        {
            float* src = a + r * lda;
            for (int p = 0; p < kc; p++) dst[p * mr + r] = r < rows ? src[p] : 0;
        }
    }

    /// <summary>Writes (or adds) the <paramref name="rows"/> × <paramref name="cols"/> corner of a tile computed into <paramref name="edge"/> into C.</summary>
    private static unsafe void StoreEdge(float* edge, int edgeStride, float* c, int ldc, int rows, int cols, bool accumulate)
    {
        for (int r = 0; r < rows; r++)
        {
            float* dst = c + (long)r * ldc;
            float* src = edge + r * edgeStride;
            if (accumulate) for (int j = 0; j < cols; j++) dst[j] += src[j];
            else for (int j = 0; j < cols; j++) dst[j] = src[j];
        }
    }

    /// <summary>Nr-wide slivers of panel columns [jc, jc + nc): for each depth p, Nr consecutive values op(B)[pc + p, j], zero past the panel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PackB<TK>(ref GemmArgs g, float* dst, int pc, int kc, int jc, int nc) where TK : IGemmMicroKernel
    {
        int nr = TK.Nr;
        for (int jr = 0; jr < nc; jr += nr)
        {
            int nn = Math.Min(nr, nc - jr);
            float* sliver = dst + jr * kc;
            if (!g.TransB)
            {
                for (int p = 0; p < kc; p++)
                {
                    float* src = g.B + (long)(pc + p) * g.Ldb + jc + jr;
                    float* d = sliver + p * nr;
                    if (nn == nr) Unsafe.CopyBlockUnaligned(d, src, (uint)(nr * sizeof(float)));
                    else
                    {
                        int j = 0;
                        for (; j < nn; j++) d[j] = src[j];
                        for (; j < nr; j++) d[j] = 0;
                    }
                }
            }
            else
            {
                // op(B)[p, j] = B[j, p]: each column of the sliver is a contiguous row of B.
                for (int j = 0; j < nr; j++)
                {
                    if (j >= nn)
                    {
                        for (int p = 0; p < kc; p++) sliver[p * nr + j] = 0;
                        continue;
                    }
                    float* src = g.B + (long)(jc + jr + j) * g.Ldb + pc;
                    for (int p = 0; p < kc; p++) sliver[p * nr + j] = src[p];
                }
            }
        }
    }

    private static float[] PinnedBuffer(ref float[]? cache, int length)
    {
        if (cache is null || cache.Length < length) cache = GC.AllocateUninitializedArray<float>(length, pinned: true);
        return cache;
    }
}
