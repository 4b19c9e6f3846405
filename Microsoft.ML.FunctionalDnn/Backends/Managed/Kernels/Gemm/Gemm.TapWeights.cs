using System.Runtime.CompilerServices;

namespace Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

internal static partial class Gemm
{
    /// <summary>Fewest rows of the product's depth summed by one task.</summary>
    internal const int TapWeightChunk = 1024;

    /// <summary>Most partial sums a product keeps (longer depths get longer chunks), which bounds the scratch memory to this many copies of C.</summary>
    internal const int MaxTapWeightChunks = 16;

    /// <summary>Rows per task: fixed by m alone (never by the thread count), so the sums do not depend on the threads.</summary>
    private static int TapWeightChunkRows(int m) => Math.Max(TapWeightChunk, (m + MaxTapWeightChunks - 1) / MaxTapWeightChunks);

    /// <summary>
    /// The weight gradient of a stride-1 convolution without a patch matrix:
    /// C[t] (+)= Σ_q A[q + offsets[t], 0..depth)ᵀ · B[q, 0..n) for q in [0, m), for every tap t, where A
    /// has rows of <paramref name="depth"/> floats, B rows of <paramref name="n"/>, and C holds one
    /// depth × n block per tap.
    /// </summary>
    /// <remarks>
    /// Nothing is packed: rows of op(A) = Aᵀ are consecutive floats of A's rows (row stride 1, depth
    /// step <paramref name="depth"/>) and B's rows are read where they are, so the micro-kernel
    /// streams both from an L1-sized block of rows, once per tile. Tiles that overhang the last
    /// channels or columns read on into the next row and keep only their valid part; the few depth
    /// steps whose reads would pass the end of A or B run from zero-padded copies. The depth m is
    /// cut into at most <see cref="MaxTapWeightChunks"/> chunks of at least <see cref="TapWeightChunk"/>
    /// rows, their length fixed by m alone, computed in parallel into partial
    /// sums that are added in chunk order, so results do not depend on the number of threads.
    /// </remarks>
    internal static void MultiplyTapsTransposed(int m, int n, int depth, ReadOnlySpan<int> offsets,
        ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, bool accumulate, int threads = 0, GemmKernelKind? kernel = null)
    {
        if (m < 0 || n <= 0 || depth <= 0 || offsets.Length == 0)
            throw new ArgumentException($"Tap weight GEMM sizes must be positive; received m={m}, n={n}, depth={depth}, {offsets.Length} taps.");
        int maxOffset = 0;
        foreach (int o in offsets)
        {
            if (o < 0) throw new ArgumentException($"Tap weight GEMM offsets must be non-negative; received {o}.");
            maxOffset = Math.Max(maxOffset, o);
        }
        int size = offsets.Length * depth * n;
        CheckMatrix("C", 1, size, c.Length, size);
        if (!accumulate) c[..size].Clear();
        if (m == 0) return;
        CheckLength("A", (long)(m + maxOffset) * depth, a.Length);
        CheckLength("B", (long)m * n, b.Length);
        if (threads <= 0) threads = Environment.ProcessorCount;
        int chunkRows = TapWeightChunkRows(m), chunks = (m + chunkRows - 1) / chunkRows;
        if ((long)m * n * depth * offsets.Length < ParallelThreshold) threads = 1;
        var taps = offsets.ToArray();
        var partial = Scratch.Get(Scratch.Slot.Partials, chunks * size);
        unsafe
        {
            fixed (float* pa = a, pb = b)
            fixed (float* pp = partial)
            {
                var args = new TapWeightArgs(m, n, depth, taps, a.Length, b.Length) { A = pa, B = pb, Partials = pp };
                var kind = kernel ?? BestKernel;
                if (threads == 1 || chunks == 1)
                    for (int chunk = 0; chunk < chunks; chunk++) TapWeightChunkSums(kind, args, chunk);
                else
                    Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = threads }, chunk => TapWeightChunkSums(kind, args, chunk));
            }
        }
        for (int chunk = 0; chunk < chunks; chunk++)
            System.Numerics.Tensors.TensorPrimitives.Add(c[..size], partial.AsSpan(chunk * size, size), c[..size]);
    }

    private static void CheckLength(string name, long needed, int length)
    {
        if (needed > length)
            throw new ArgumentException($"Tap weight GEMM: {name} needs {needed} floats; the buffer has {length}.");
    }

    private static void TapWeightChunkSums(GemmKernelKind kind, TapWeightArgs args, int chunk)
    {
        switch (kind)
        {
            case GemmKernelKind.Vector512: TapWeightChunkSums<GemmKernel512>(args, chunk); break;
            case GemmKernelKind.Vector256: TapWeightChunkSums<GemmKernel256>(args, chunk); break;
            default: TapWeightChunkSums<GemmKernelScalar>(args, chunk); break;
        }
    }

    private unsafe struct TapWeightArgs(int m, int n, int depth, int[] offsets, long aLength, long bLength)
    {
        public readonly int M = m, N = n, Depth = depth;
        public readonly long ALength = aLength, BLength = bLength;
        public readonly int[] Offsets = offsets;
        public float* A, B, Partials;
    }

    /// <summary>Chunk <paramref name="chunk"/>'s sums over its rows, for every tap, into its partial block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void TapWeightChunkSums<TK>(TapWeightArgs g, int chunk) where TK : IGemmMicroKernel
    {
        int mr = TK.Mr, nr = TK.Nr, depth = g.Depth, n = g.N, taps = g.Offsets.Length;
        int chunkRows = TapWeightChunkRows(g.M), q0 = chunk * chunkRows, q1 = Math.Min(g.M, q0 + chunkRows);
        float* into = g.Partials + (long)chunk * taps * depth * n;
        float* edge = stackalloc float[mr * nr];
        int zero = 0;
        // Blocks of rows whose A and B rows fit in L1 together, every tile of every tap summed over a block before the next.
        int block = Math.Clamp(32 * 1024 / (sizeof(float) * (depth + n)), 16, chunkRows);
        for (int p0 = q0; p0 < q1; p0 += block)
        {
            int kc = Math.Min(block, q1 - p0);
            bool add = p0 > q0;
            for (int t = 0; t < taps; t++)
            {
                float* aTap = g.A + (long)(p0 + g.Offsets[t]) * depth;
                float* cTap = into + (long)t * depth * n;
                for (int i = 0; i < depth; i += mr)
                {
                    int mm = Math.Min(mr, depth - i);
                    for (int j = 0; j < n; j += nr)
                    {
                        int nn = Math.Min(nr, n - j);
                        float* b = g.B + (long)p0 * n + j;
                        float* tile = cTap + (long)i * n + j;
                        if (mm == mr && nn == nr)
                        {
                            TK.Run(kc, 1, &zero, aTap + i, 1, depth, b, n, tile, n, add);
                            continue;
                        }
                        EdgeTile<TK>(ref g, kc, p0 + g.Offsets[t], i, mm, p0, j, nn, edge);
                        StoreEdge(edge, nr, tile, n, mm, nn, add);
                    }
                }
            }
        }
    }

    /// <summary>Most depth steps a tile that overhangs the end of A or B can have past the end: mr/depth + nr/n rows, rounded up.</summary>
    private const int MaxTailSteps = 48;

    /// <summary>
    /// An overhanging tile (rows [i, i + mm) of A, columns [j, j + nn) of B, kc depth steps from
    /// row aRow of A and bRow of B) into <paramref name="edge"/>: read in place while every read
    /// stays inside A and B, the last steps from zero-padded copies.
    /// </summary>
    private static unsafe void EdgeTile<TK>(ref TapWeightArgs g, int kc, long aRow, int i, int mm, long bRow, int j, int nn, float* edge)
        where TK : IGemmMicroKernel
    {
        int mr = TK.Mr, nr = TK.Nr, depth = g.Depth, n = g.N, zero = 0;
        // Step p reads A[(aRow + p)·depth + i .. + mr) and B[(bRow + p)·n + j .. + nr).
        long roomA = g.ALength - i - mr, roomB = g.BLength - j - nr;
        long safeA = (roomA < 0 ? -1 : roomA / depth) - aRow + 1, safeB = (roomB < 0 ? -1 : roomB / n) - bRow + 1;
        int safe = (int)Math.Clamp(Math.Min(safeA, safeB), 0, kc), tail = kc - safe;
        if (safe > 0) TK.Run(safe, 1, &zero, g.A + aRow * depth + i, 1, depth, g.B + bRow * n + j, n, edge, nr, false);
        if (tail == 0) return;
        if (tail > MaxTailSteps) throw new InvalidOperationException($"Tap weight GEMM: {tail} overhanging steps, more than {MaxTailSteps}.");
        float* ta = stackalloc float[MaxTailSteps * mr];
        float* tb = stackalloc float[MaxTailSteps * nr];
        for (int p = 0; p < tail; p++)
        {
            float* srcA = g.A + (aRow + safe + p) * depth + i;
            float* srcB = g.B + (bRow + safe + p) * n + j;
            for (int r = 0; r < mr; r++) ta[p * mr + r] = r < mm ? srcA[r] : 0;
            for (int c = 0; c < nr; c++) tb[p * nr + c] = c < nn ? srcB[c] : 0;
        }
        TK.Run(tail, 1, &zero, ta, 1, mr, tb, nr, edge, nr, accumulate: safe > 0);
    }
}
