using System.Runtime.CompilerServices;

namespace Microsoft.ML.FunctionalDnn.Kernels;

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

    // Hot loops: skip tier-0 so the first (often the only) calls of a large product run optimized.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Run<TK>(ref GemmArgs g) where TK : IGemmMicroKernel
    {
        var packB = PinnedBuffer(ref t_packB, Kc * Nc);
        fixed (float* pb = packB)
        {
            for (int jc = 0; jc < g.N; jc += Nc)
            {
                int nc = Math.Min(Nc, g.N - jc);
                for (int pc = 0; pc < g.K; pc += Kc)
                {
                    int kc = Math.Min(Kc, g.K - pc);
                    bool accumulate = g.Accumulate || pc > 0;
                    if (g.Threads == 1)
                    {
                        PackB<TK>(ref g, pb, pc, kc, jc, 0, nc);
                        for (int ic = 0; ic < g.M; ic += Mc)
                            ComputeBlock<TK>(ref g, pb, pc, kc, jc, ic, Math.Min(Mc, g.M - ic), 0, nc, accumulate);
                    }
                    else
                    {
                        RunParallel<TK>(g, pb, pc, kc, jc, nc, accumulate);
                    }
                }
            }
        }
    }

    private static unsafe void RunParallel<TK>(GemmArgs g, float* pb, int pc, int kc, int jc, int nc, bool accumulate)
        where TK : IGemmMicroKernel
    {
        int slivers = (nc + TK.Nr - 1) / TK.Nr;
        int mBlocks = (g.M + Mc - 1) / Mc;
        // Enough tasks to keep every core busy: split the panel's columns too when M has few blocks.
        int nChunks = Math.Min(slivers, Math.Max(1, (2 * g.Threads + mBlocks - 1) / mBlocks));
        int sliversPerChunk = (slivers + nChunks - 1) / nChunks;
        nChunks = (slivers + sliversPerChunk - 1) / sliversPerChunk;
        var options = new ParallelOptions { MaxDegreeOfParallelism = g.Threads };
        nint bPtr = (nint)pb;

        Parallel.For(0, nChunks, options, chunk =>
        {
            int j0 = chunk * sliversPerChunk * TK.Nr;
            int j1 = Math.Min(nc, j0 + sliversPerChunk * TK.Nr);
            var local = g;
            PackB<TK>(ref local, (float*)bPtr, pc, kc, jc, j0, j1);
        });
        Parallel.For(0, mBlocks * nChunks, options, task =>
        {
            int ic = task / nChunks * Mc;
            int chunk = task % nChunks;
            int j0 = chunk * sliversPerChunk * TK.Nr;
            int j1 = Math.Min(nc, j0 + sliversPerChunk * TK.Nr);
            var local = g;
            ComputeBlock<TK>(ref local, (float*)bPtr, pc, kc, jc, ic, Math.Min(Mc, g.M - ic), j0, j1, accumulate);
        });
    }

    /// <summary>Packs rows [ic, ic+mc) × depth [pc, pc+kc) of A, then runs the tiles of panel columns [j0, j1).</summary>
    // Hot loops: skip tier-0 so the first (often the only) calls of a large product run optimized.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void ComputeBlock<TK>(ref GemmArgs g, float* packedB, int pc, int kc, int jc, int ic, int mc,
        int j0, int j1, bool accumulate) where TK : IGemmMicroKernel
    {
        var packA = PinnedBuffer(ref t_packA, Mc * Kc);
        int mr = TK.Mr, nr = TK.Nr;
        float* edge = stackalloc float[mr * nr];
        fixed (float* pa = packA)
        {
            PackA<TK>(ref g, pa, ic, mc, pc, kc);
            for (int jr = j0; jr < j1; jr += nr)
            {
                int nn = Math.Min(nr, j1 - jr);
                float* bSliver = packedB + jr * kc;
                for (int ir = 0; ir < mc; ir += mr)
                {
                    int mm = Math.Min(mr, mc - ir);
                    float* aSliver = pa + ir * kc;
                    float* cTile = g.C + (long)(ic + ir) * g.Ldc + jc + jr;
                    if (mm == mr && nn == nr)
                    {
                        TK.Run(kc, aSliver, bSliver, cTile, g.Ldc, accumulate);
                        continue;
                    }
                    TK.Run(kc, aSliver, bSliver, edge, nr, false);
                    for (int r = 0; r < mm; r++)
                    {
                        float* dst = cTile + (long)r * g.Ldc;
                        float* src = edge + r * nr;
                        if (accumulate) for (int j = 0; j < nn; j++) dst[j] += src[j];
                        else for (int j = 0; j < nn; j++) dst[j] = src[j];
                    }
                }
            }
        }
    }

    /// <summary>Mr-tall slivers: for each depth p, Mr consecutive values of op(A)[ic + r, pc + p], zero past row m.</summary>
    // Hot loops: skip tier-0 so the first (often the only) calls of a large product run optimized.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PackA<TK>(ref GemmArgs g, float* dst, int ic, int mc, int pc, int kc) where TK : IGemmMicroKernel
    {
        int mr = TK.Mr;
        for (int ir = 0; ir < mc; ir += mr)
        {
            int mm = Math.Min(mr, mc - ir);
            float* sliver = dst + ir * kc;
            if (g.TransA)
            {
                // op(A)[i, p] = A[p, i]: each depth is a contiguous run of rows.
                for (int p = 0; p < kc; p++)
                {
                    float* src = g.A + (long)(pc + p) * g.Lda + ic + ir;
                    float* d = sliver + p * mr;
                    int r = 0;
                    for (; r < mm; r++) d[r] = src[r];
                    for (; r < mr; r++) d[r] = 0;
                }
            }
            else
            {
                for (int r = 0; r < mr; r++)
                {
                    if (r >= mm)
                    {
                        for (int p = 0; p < kc; p++) sliver[p * mr + r] = 0;
                        continue;
                    }
                    float* src = g.A + (long)(ic + ir + r) * g.Lda + pc;
                    for (int p = 0; p < kc; p++) sliver[p * mr + r] = src[p];
                }
            }
        }
    }

    /// <summary>Nr-wide slivers of panel columns [j0, j1): for each depth p, Nr consecutive values of op(B)[pc + p, jc + j], zero past column n.</summary>
    // Hot loops: skip tier-0 so the first (often the only) calls of a large product run optimized.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PackB<TK>(ref GemmArgs g, float* dst, int pc, int kc, int jc, int j0, int j1) where TK : IGemmMicroKernel
    {
        int nr = TK.Nr;
        for (int jr = j0; jr < j1; jr += nr)
        {
            int nn = Math.Min(nr, j1 - jr);
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
