using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

/// <summary>
/// 6 × 16 tile with twelve Vector256 accumulators: with the two B vectors and one broadcast A value
/// that is 15 of the 16 AVX2 registers, so the loop runs without spills at two FMAs per cycle.
/// </summary>
internal readonly struct GemmKernel256 : IGemmMicroKernel
{
    public static int Mr => 6;

    public static int Nr => 16;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Run(int depth, int taps, int* tapOffsets, float* a, nint rowStride, nint step,
        float* b, nint bStep, float* c, int ldc, bool accumulate)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        // Rows are read from two bases (rows 0-2, 3-5) plus 0, 1 or 2 row strides: one addressing
        // mode each, so a depth step advances two pointers instead of six.
        nint rs = rowStride, rs2 = 2 * rowStride;
        for (int t = 0; t < taps; t++)
        {
            float* a0 = a + tapOffsets[t], a3 = a0 + 3 * rs;
            for (int p = 0; p < depth; p++)
            {
                var b0 = Vector256.Load(b);
                var b1 = Vector256.Load(b + 8);
                var x = Vector256.Create(a0[0]);
                c00 = Vector256.FusedMultiplyAdd(x, b0, c00);
                c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
                x = Vector256.Create(a0[rs]);
                c10 = Vector256.FusedMultiplyAdd(x, b0, c10);
                c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
                x = Vector256.Create(a0[rs2]);
                c20 = Vector256.FusedMultiplyAdd(x, b0, c20);
                c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
                x = Vector256.Create(a3[0]);
                c30 = Vector256.FusedMultiplyAdd(x, b0, c30);
                c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
                x = Vector256.Create(a3[rs]);
                c40 = Vector256.FusedMultiplyAdd(x, b0, c40);
                c41 = Vector256.FusedMultiplyAdd(x, b1, c41);
                x = Vector256.Create(a3[rs2]);
                c50 = Vector256.FusedMultiplyAdd(x, b0, c50);
                c51 = Vector256.FusedMultiplyAdd(x, b1, c51);
                a0 += step;
                a3 += step;
                b += bStep;
            }
        }
        Store(c, c00, c01, accumulate);
        Store(c + ldc, c10, c11, accumulate);
        Store(c + 2 * ldc, c20, c21, accumulate);
        Store(c + 3 * ldc, c30, c31, accumulate);
        Store(c + 4 * ldc, c40, c41, accumulate);
        Store(c + 5 * ldc, c50, c51, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Store(float* row, Vector256<float> v0, Vector256<float> v1, bool accumulate)
    {
        if (accumulate)
        {
            v0 += Vector256.Load(row);
            v1 += Vector256.Load(row + 8);
        }
        v0.Store(row);
        v1.Store(row + 8);
    }
}
