namespace Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

/// <summary>A 4 × 4 scalar tile for machines without 256-bit vectors; also the reference the vector kernels are tested against.</summary>
internal readonly struct GemmKernelScalar : IGemmMicroKernel
{
    public static int Mr => 4;

    public static int Nr => 4;

    public static unsafe void Run(int depth, int taps, int* tapOffsets, float* a, nint rowStride, nint step,
        float* b, nint bStep, float* c, int ldc, bool accumulate)
    {
        float* acc = stackalloc float[16];
        for (int i = 0; i < 16; i++) acc[i] = 0;
        for (int t = 0; t < taps; t++)
        {
            float* at = a + tapOffsets[t];
            for (int p = 0; p < depth; p++)
            {
                for (int r = 0; r < 4; r++)
                {
                    float x = at[r * rowStride];
                    for (int j = 0; j < 4; j++) acc[r * 4 + j] = MathF.FusedMultiplyAdd(x, b[j], acc[r * 4 + j]);
                }
                at += step;
                b += bStep;
            }
        }
        for (int r = 0; r < 4; r++)
            for (int j = 0; j < 4; j++)
                c[r * ldc + j] = accumulate ? c[r * ldc + j] + acc[r * 4 + j] : acc[r * 4 + j];
    }
}
