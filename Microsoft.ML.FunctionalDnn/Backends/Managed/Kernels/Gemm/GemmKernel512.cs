using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

/// <summary>
/// 12 × 32 tile with twenty-four Vector512 accumulators, for AVX-512 machines (32 vector registers:
/// accumulators, two B vectors and one broadcast).
/// </summary>
/// <remarks>
/// Reads like <see cref="GemmKernel256"/> on purpose: a micro-kernel is its register tile spelled
/// out, and the JIT keeps the accumulators in registers only when each is a named local of one
/// width, so the two widths are written separately rather than through a generic vector type.
/// </remarks>
internal readonly struct GemmKernel512 : IGemmMicroKernel
{
    public static int Mr => 12;

    public static int Nr => 32;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Run(int depth, int taps, int* tapOffsets, float* a, nint rowStride, nint step,
        float* b, nint bStep, float* c, int ldc, bool accumulate)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default, c80 = default, c81 = default;
        Vector512<float> c90 = default, c91 = default, c100 = default, c101 = default, c110 = default, c111 = default;
        // Rows are read from four bases (rows 0-2, 3-5, 6-8, 9-11) plus 0, 1 or 2 row strides: one
        // addressing mode each, so a depth step advances four pointers instead of twelve.
        nint rs = rowStride, rs2 = 2 * rowStride;
        for (int t = 0; t < taps; t++)
        {
            float* a0 = a + tapOffsets[t], a3 = a0 + 3 * rs, a6 = a0 + 6 * rs, a9 = a0 + 9 * rs;
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
                x = Vector512.Create(a6[rs2]);
                c80 = Vector512.FusedMultiplyAdd(x, b0, c80);
                c81 = Vector512.FusedMultiplyAdd(x, b1, c81);
                x = Vector512.Create(a9[0]);
                c90 = Vector512.FusedMultiplyAdd(x, b0, c90);
                c91 = Vector512.FusedMultiplyAdd(x, b1, c91);
                x = Vector512.Create(a9[rs]);
                c100 = Vector512.FusedMultiplyAdd(x, b0, c100);
                c101 = Vector512.FusedMultiplyAdd(x, b1, c101);
                x = Vector512.Create(a9[rs2]);
                c110 = Vector512.FusedMultiplyAdd(x, b0, c110);
                c111 = Vector512.FusedMultiplyAdd(x, b1, c111);
                a0 += step;
                a3 += step;
                a6 += step;
                a9 += step;
                b += bStep;
            }
        }
        Store(c, c00, c01, accumulate);
        Store(c + ldc, c10, c11, accumulate);
        Store(c + 2 * ldc, c20, c21, accumulate);
        Store(c + 3 * ldc, c30, c31, accumulate);
        Store(c + 4 * ldc, c40, c41, accumulate);
        Store(c + 5 * ldc, c50, c51, accumulate);
        Store(c + 6 * ldc, c60, c61, accumulate);
        Store(c + 7 * ldc, c70, c71, accumulate);
        Store(c + 8 * ldc, c80, c81, accumulate);
        Store(c + 9 * ldc, c90, c91, accumulate);
        Store(c + 10 * ldc, c100, c101, accumulate);
        Store(c + 11 * ldc, c110, c111, accumulate);
    }

    /// <summary>Writes (or adds) one row's two vectors of a tile; shared with <see cref="GemmKernel512Rows8"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe void Store(float* row, Vector512<float> v0, Vector512<float> v1, bool accumulate)
    {
        if (accumulate)
        {
            v0 += Vector512.Load(row);
            v1 += Vector512.Load(row + 16);
        }
        v0.Store(row);
        v1.Store(row + 16);
    }
}
