using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

/// <summary>
/// 8 × 32 tile with sixteen Vector512 accumulators: the AVX-512 kernel for runs of rows whose
/// length 12-row tiles would overshoot (a convolution's 16- or 32-pixel image rows, see
/// <see cref="Gemm.MultiplyTapSegments"/>); <see cref="GemmKernel512"/> (12 × 32) everywhere else.
/// </summary>
/// <remarks>
/// Reads like <see cref="GemmKernel512"/> with four rows fewer on purpose: a micro-kernel is its
/// register tile spelled out, and the JIT keeps the accumulators in registers only when each is a
/// named local, so each tile height is written out rather than generated.
/// </remarks>
internal readonly struct GemmKernel512Rows8 : IGemmMicroKernel
{
    public static int Mr => 8;

    public static int Nr => 32;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Run(int depth, int taps, int* tapOffsets, float* a, nint rowStride, nint step,
        float* b, nint bStep, float* c, int ldc, bool accumulate)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default;
        // Rows are read from three bases (rows 0-2, 3-5, 6-7) plus 0, 1 or 2 row strides: one
        // addressing mode each, so a depth step advances three pointers instead of eight.
        nint rs = rowStride, rs2 = 2 * rowStride;
        for (int t = 0; t < taps; t++)
        {
            float* a0 = a + tapOffsets[t], a3 = a0 + 3 * rs, a6 = a0 + 6 * rs;
            for (int p = 0; p < depth; p++)
            {
                var b0 = Vector512.Load(b);
                var b1 = Vector512.Load(b + 16);
                var x = Vector512.Create(a0[0]);
                c00 = Vector512.FusedMultiplyAdd(x, b0, c00);
                c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
                x = Vector512.Create(a0[rs]);
                c10 = Vector512.FusedMultiplyAdd(x, b0, c10);
                c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
                x = Vector512.Create(a0[rs2]);
                c20 = Vector512.FusedMultiplyAdd(x, b0, c20);
                c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
                x = Vector512.Create(a3[0]);
                c30 = Vector512.FusedMultiplyAdd(x, b0, c30);
                c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
                x = Vector512.Create(a3[rs]);
                c40 = Vector512.FusedMultiplyAdd(x, b0, c40);
                c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
                x = Vector512.Create(a3[rs2]);
                c50 = Vector512.FusedMultiplyAdd(x, b0, c50);
                c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
                x = Vector512.Create(a6[0]);
                c60 = Vector512.FusedMultiplyAdd(x, b0, c60);
                c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
                x = Vector512.Create(a6[rs]);
                c70 = Vector512.FusedMultiplyAdd(x, b0, c70);
                c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
                a0 += step;
                a3 += step;
                a6 += step;
                b += bStep;
            }
        }
        GemmKernel512.Store(c, c00, c01, accumulate);
        GemmKernel512.Store(c + ldc, c10, c11, accumulate);
        GemmKernel512.Store(c + 2 * ldc, c20, c21, accumulate);
        GemmKernel512.Store(c + 3 * ldc, c30, c31, accumulate);
        GemmKernel512.Store(c + 4 * ldc, c40, c41, accumulate);
        GemmKernel512.Store(c + 5 * ldc, c50, c51, accumulate);
        GemmKernel512.Store(c + 6 * ldc, c60, c61, accumulate);
        GemmKernel512.Store(c + 7 * ldc, c70, c71, accumulate);
    }
}
