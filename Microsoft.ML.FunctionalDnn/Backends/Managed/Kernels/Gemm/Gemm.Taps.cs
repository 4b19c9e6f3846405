using System.Buffers;
using System.Runtime.CompilerServices;

namespace Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

internal static partial class Gemm
{
    /// <summary>
    /// A sum of row-shifted products, the core of a stride-1 convolution without a patch matrix
    /// ("implicit GEMM"): C[q, 0..n) = (accumulate ? C[q] : 0) + Σₜ A[q + offsets[t], 0..depth) · Bₜ
    /// for q in [0, m). Bₜ is the depth × n block t of B (row-major, row stride n), or with
    /// <paramref name="transB"/> the transpose of the n × depth block t (row stride depth).
    /// </summary>
    /// <remarks>
    /// All of B is packed once and shared by the workers (a convolution's kernel is small); each
    /// Mr × Nr tile is one micro-kernel call that sums every tap in registers, and A's rows are
    /// read in place. Rows are split over the cores in whole tiles, each computed by
    /// one thread in tap order, so results do not depend on the number of threads.
    /// </remarks>
    internal static void MultiplyTaps(int m, int n, int depth, ReadOnlySpan<int> offsets,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, bool transB, Span<float> c, int ldc,
        bool accumulate, int threads = 0, GemmKernelKind? kernel = null)
    {
        if (m < 0 || n < 0 || depth <= 0 || offsets.Length == 0)
            throw new ArgumentException($"Tap GEMM sizes must be positive; received m={m}, n={n}, depth={depth}, {offsets.Length} taps.");
        int maxOffset = 0;
        foreach (int o in offsets)
        {
            if (o < 0) throw new ArgumentException($"Tap GEMM offsets must be non-negative; received {o}.");
            maxOffset = Math.Max(maxOffset, o);
        }
        if (m == 0 || n == 0) return;
        CheckMatrix("A", m + maxOffset, depth, a.Length, lda);
        CheckMatrix("B", offsets.Length * (transB ? n : depth), transB ? depth : n, b.Length, transB ? depth : n);
        CheckMatrix("C", m, n, c.Length, ldc);
        if (threads <= 0) threads = Environment.ProcessorCount;
        if ((long)m * n * depth * offsets.Length < ParallelThreshold) threads = 1;
        var taps = offsets.ToArray();
        unsafe
        {
            fixed (float* pa = a, pb = b, pc = c)
            {
                var args = new TapArgs(m, n, depth, lda, ldc, accumulate, threads, taps) { A = pa, C = pc };
                switch (kernel ?? BestKernel)
                {
                    case GemmKernelKind.Vector512: RunTaps<GemmKernel512>(ref args, pb, transB); break;
                    case GemmKernelKind.Vector256: RunTaps<GemmKernel256>(ref args, pb, transB); break;
                    default: RunTaps<GemmKernelScalar>(ref args, pb, transB); break;
                }
            }
        }
    }

    /// <summary>
    /// Whether <paramref name="length"/> rows (a run of a segmented tap product, or all the rows of
    /// a product with a packed B) go faster in 8-row than in 12-row AVX-512 tiles: the last tile is
    /// computed whole, so 12-row tiles waste a third of 16 rows, and 8 of a recurrent block's 64.
    /// Compares the rows computed, the 8-row kernel counted 5 % slower (measured on tap products).
    /// </summary>
    internal static bool PrefersEightRowTiles(int length) =>
        (length + 7) / 8 * 8 * 1.05 < (length + 11) / 12 * 12;

    private unsafe struct TapArgs(int m, int n, int depth, int lda, int ldc, bool accumulate, int threads, int[] offsets)
    {
        public readonly int M = m, N = n, Depth = depth, Lda = lda, Ldc = ldc, Threads = threads;
        public readonly bool Accumulate = accumulate;
        public readonly int[] Offsets = offsets;
        public float* A, C, PackedB;

        /// <summary>With segments: the first A row and the first C row of each run of <see cref="SegmentLength"/> rows (M is then the segment count).</summary>
        public int[]? ASegments, CSegments;
        public int SegmentLength;

        /// <summary>With segments: a bias of N values added to each segment's rows once they are final (null: none), then the ReLU when <see cref="Relu"/>.</summary>
        public float* Bias;
        public bool Relu;
    }

    /// <summary>
    /// Rows an A operand of <see cref="MultiplyTapSegments"/> must have past its last segment's
    /// rows (plus the largest offset): a segment's last tile is computed whole, reading on into
    /// them, and only its own rows are stored. At least every kernel's Mr.
    /// </summary>
    internal const int SegmentSlackRows = 16;

    /// <summary>
    /// <see cref="MultiplyTaps"/> on runs of rows: for each segment s and i in [0, <paramref name="length"/>),
    /// C[cStarts[s] + i] = (accumulate ? C : 0) + Σₜ A[aStarts[s] + i + offsets[t]] · Bₜ. A
    /// convolution's valid output positions are such runs in the padded "wide" input (one per image
    /// row), so the results go straight into the output tensor: no wide result to crop and no
    /// products for the positions that would be dropped. A needs <see cref="SegmentSlackRows"/>
    /// readable rows past the last segment. With a <paramref name="bias"/> (n values), each
    /// segment's rows get it added (and the ReLU when <paramref name="relu"/>) as soon as they are
    /// final, while they are still in cache: a convolution layer's epilogue without another pass.
    /// </summary>
    internal static void MultiplyTapSegments(ReadOnlySpan<int> aStarts, ReadOnlySpan<int> cStarts, int length, int n, int depth, ReadOnlySpan<int> offsets,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, bool transB, Span<float> c, int ldc,
        bool accumulate, int threads = 0, GemmKernelKind? kernel = null, ReadOnlySpan<float> bias = default, bool relu = false)
    {
        if (!bias.IsEmpty && bias.Length != n)
            throw new ArgumentException($"Tap GEMM segments: the bias has {bias.Length} values for {n} columns.");
        if (relu && bias.IsEmpty)
            throw new ArgumentException("Tap GEMM segments: the ReLU epilogue comes with a bias (pass zeros for none).");
        if (aStarts.Length != cStarts.Length)
            throw new ArgumentException($"Tap GEMM segments: {aStarts.Length} A starts but {cStarts.Length} C starts.");
        if (length < 0 || n < 0 || depth <= 0 || offsets.Length == 0)
            throw new ArgumentException($"Tap GEMM sizes must be positive; received length={length}, n={n}, depth={depth}, {offsets.Length} taps.");
        if (aStarts.Length == 0 || length == 0 || n == 0) return;
        int maxOffset = 0, maxA = 0, maxC = 0;
        foreach (int o in offsets)
        {
            if (o < 0) throw new ArgumentException($"Tap GEMM offsets must be non-negative; received {o}.");
            maxOffset = Math.Max(maxOffset, o);
        }
        for (int i = 0; i < aStarts.Length; i++)
        {
            if (aStarts[i] < 0 || cStarts[i] < 0) throw new ArgumentException($"Tap GEMM segment {i} starts at A row {aStarts[i]}, C row {cStarts[i]}; rows are non-negative.");
            maxA = Math.Max(maxA, aStarts[i]);
            maxC = Math.Max(maxC, cStarts[i]);
        }
        CheckMatrix("A", maxA + length + SegmentSlackRows + maxOffset, depth, a.Length, lda);
        CheckMatrix("B", offsets.Length * (transB ? n : depth), transB ? depth : n, b.Length, transB ? depth : n);
        CheckMatrix("C", maxC + length, n, c.Length, ldc);
        if (threads <= 0) threads = Environment.ProcessorCount;
        if ((long)aStarts.Length * length * n * depth * offsets.Length < ParallelThreshold) threads = 1;
        unsafe
        {
            fixed (float* pa = a, pb = b, pc = c, pbias = bias)
            {
                var args = new TapArgs(aStarts.Length, n, depth, lda, ldc, accumulate, threads, offsets.ToArray())
                {
                    A = pa, C = pc, ASegments = aStarts.ToArray(), CSegments = cStarts.ToArray(), SegmentLength = length,
                    Bias = bias.IsEmpty ? null : pbias, Relu = relu,
                };
                switch (kernel ?? BestKernel)
                {
                    case GemmKernelKind.Vector512 when PrefersEightRowTiles(length): RunTaps<GemmKernel512Rows8>(ref args, pb, transB); break;
                    case GemmKernelKind.Vector512: RunTaps<GemmKernel512>(ref args, pb, transB); break;
                    case GemmKernelKind.Vector256: RunTaps<GemmKernel256>(ref args, pb, transB); break;
                    default: RunTaps<GemmKernelScalar>(ref args, pb, transB); break;
                }
            }
        }
    }

    private static unsafe void RunTaps<TK>(ref TapArgs g, float* b, bool transB) where TK : IGemmMicroKernel
    {
        int nr = TK.Nr, taps = g.Offsets.Length, slivers = (g.N + nr - 1) / nr;
        int sliverFloats = taps * g.Depth * nr;
        var packed = ArrayPool<float>.Shared.Rent(slivers * sliverFloats + 16);
        try
        {
            fixed (float* pp = packed)
            {
                PackTapB(b, pp, g.N, g.Depth, taps, nr, transB);
                g.PackedB = pp;
                if (g.ASegments is not null)
                {
                    // Whole segments per worker, about two tiles' worth of rows each at least.
                    int segmentParts = Math.Min(g.Threads, Math.Max(1, g.M * g.SegmentLength / (8 * TK.Mr)));
                    if (segmentParts <= 1)
                    {
                        TapSegments<TK>(ref g, 0, g.M);
                        return;
                    }
                    var segmentArgs = g;
                    Parallel.For(0, segmentParts, new ParallelOptions { MaxDegreeOfParallelism = segmentParts }, part =>
                    {
                        int start = (int)((long)part * segmentArgs.M / segmentParts), end = (int)((long)(part + 1) * segmentArgs.M / segmentParts);
                        var local = segmentArgs;
                        if (start < end) TapSegments<TK>(ref local, start, end);
                    });
                    return;
                }
                int tiles = (g.M + TK.Mr - 1) / TK.Mr;
                int parts = Math.Min(g.Threads, Math.Max(1, tiles / 4));
                if (parts <= 1)
                {
                    TapRows<TK>(ref g, 0, g.M);
                    return;
                }
                int per = (tiles + parts - 1) / parts * TK.Mr;
                var args = g;
                Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, part =>
                {
                    int start = part * per, end = Math.Min(args.M, start + per);
                    var local = args;
                    if (start < end) TapRows<TK>(ref local, start, end);
                });
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(packed);
        }
    }

    /// <summary>For each Nr-wide sliver, for each tap, depth rows of Nr values (zero past n).</summary>
    private static unsafe void PackTapB(float* b, float* dst, int n, int depth, int taps, int nr, bool transB)
    {
        for (int j0 = 0, s = 0; j0 < n; j0 += nr, s++)
        {
            int nn = Math.Min(nr, n - j0);
            for (int t = 0; t < taps; t++)
            {
                float* d = dst + ((long)s * taps + t) * depth * nr;
                float* block = b + (long)t * depth * n;
                for (int p = 0; p < depth; p++, d += nr)
                {
                    int j = 0;
                    if (transB) for (; j < nn; j++) d[j] = block[(long)(j0 + j) * depth + p];
                    else for (; j < nn; j++) d[j] = block[(long)p * n + j0 + j];
                    for (; j < nr; j++) d[j] = 0;
                }
            }
        }
    }

    /// <summary>Rows [q0, q1) of C on the calling thread.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void TapRows<TK>(ref TapArgs g, int q0, int q1) where TK : IGemmMicroKernel
    {
        int mr = TK.Mr, nr = TK.Nr, depth = g.Depth, taps = g.Offsets.Length;
        float* edge = stackalloc float[mr * nr];
        // Every tap's A block starts at its row offset; the last, ragged tile reads packed copies instead.
        var inPlace = new int[taps];
        var packed = new int[taps];
        for (int t = 0; t < taps; t++)
        {
            inPlace[t] = checked(g.Offsets[t] * g.Lda);
            packed[t] = t * depth * mr;
        }
        var ragged = new float[taps * depth * mr];
        fixed (int* offsets = g.Offsets, rowOffsets = inPlace, packedOffsets = packed)
        fixed (float* pr = ragged)
        {
            for (int q = q0; q < q1; q += mr)
            {
                int mm = Math.Min(mr, q1 - q);
                if (mm < mr)
                    for (int t = 0; t < taps; t++)
                        PackRaggedRows(g.A + (long)(q + offsets[t]) * g.Lda, g.Lda, pr + packedOffsets[t], mr, mm, depth);
                for (int j0 = 0, s = 0; j0 < g.N; j0 += nr, s++)
                {
                    int nn = Math.Min(nr, g.N - j0);
                    float* sliver = g.PackedB + (long)s * taps * depth * nr;
                    bool full = mm == mr && nn == nr;
                    float* tile = full ? g.C + (long)q * g.Ldc + j0 : edge;
                    int ldt = full ? g.Ldc : nr;
                    bool add = full && g.Accumulate;
                    // All taps summed in the micro-kernel's registers: C is read and written once per tile.
                    if (mm == mr) TK.Run(depth, taps, rowOffsets, g.A + (long)q * g.Lda, g.Lda, 1, sliver, nr, tile, ldt, add);
                    else TK.Run(depth, taps, packedOffsets, pr, 1, mr, sliver, nr, tile, ldt, add);
                    if (!full) StoreEdge(edge, nr, g.C + (long)q * g.Ldc + j0, g.Ldc, mm, nn, g.Accumulate);
                }
            }
        }
    }

    /// <summary>Segments [s0, s1) on the calling thread: each segment's tiles read A in place (the last one on into the next rows or the slack) and store only the segment's rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    private static unsafe void TapSegments<TK>(ref TapArgs g, int s0, int s1) where TK : IGemmMicroKernel
    {
        int mr = TK.Mr, nr = TK.Nr, depth = g.Depth, taps = g.Offsets.Length, length = g.SegmentLength;
        float* edge = stackalloc float[mr * nr];
        int* rowOffsets = stackalloc int[taps];
        for (int t = 0; t < taps; t++) rowOffsets[t] = checked(g.Offsets[t] * g.Lda);
        var aStarts = g.ASegments!;
        var cStarts = g.CSegments!;
        for (int s = s0; s < s1; s++)
        {
            for (int q = 0; q < length; q += mr)
            {
                int mm = Math.Min(mr, length - q);
                float* a = g.A + (long)(aStarts[s] + q) * g.Lda;
                float* c = g.C + (long)(cStarts[s] + q) * g.Ldc;
                for (int j0 = 0, sl = 0; j0 < g.N; j0 += nr, sl++)
                {
                    int nn = Math.Min(nr, g.N - j0);
                    float* sliver = g.PackedB + (long)sl * taps * depth * nr;
                    if (mm == mr && nn == nr)
                    {
                        TK.Run(depth, taps, rowOffsets, a, g.Lda, 1, sliver, nr, c + j0, g.Ldc, g.Accumulate);
                        continue;
                    }
                    TK.Run(depth, taps, rowOffsets, a, g.Lda, 1, sliver, nr, edge, nr, false);
                    StoreEdge(edge, nr, c + j0, g.Ldc, mm, nn, g.Accumulate);
                }
            }
            if (g.Bias != null) BiasKernel.ApplyInPlace(g.C + (long)cStarts[s] * g.Ldc, length, g.Ldc, new ReadOnlySpan<float>(g.Bias, g.N), g.Relu);
        }
    }
}
