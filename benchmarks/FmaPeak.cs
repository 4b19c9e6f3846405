using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Microsoft.ML.FunctionalDnn.Benchmarks;

/// <summary>
/// This machine's float32 fused multiply-add peak: independent FMA chains on the widest vector the
/// runtime accelerates, one core and every core at once. It is the ceiling the workloads' sustained
/// GFLOP/s are compared with (<c>workloads</c> prints that fraction). Twelve accumulators cover
/// the FMA latency (4 cycles) times the two FMA ports of the cores this runs on; the loop does no
/// memory traffic, so the figure is the arithmetic limit, not a reachable GEMM rate.
/// </summary>
internal static class FmaPeak
{
    private const int ChainCount = 12;

    /// <summary>The peak measured once per process (best of forty runs of about 0.05 s each: on a shared machine most runs lose some time to other processes, and short ones are likelier to see none).</summary>
    internal static (double OneCore, double AllCores, string Vector) Measure()
    {
        string vector = Vector512.IsHardwareAccelerated && Avx512F.IsSupported ? "Vector512 (AVX-512)" : Fma.IsSupported ? "Vector256 (AVX2 + FMA)" : "Vector128";
        long iterations = Calibrate();
        double one = Best(() => Run(iterations), iterations);
        int cores = Environment.ProcessorCount;
        double all = Best(() => Parallel.For(0, cores, new ParallelOptions { MaxDegreeOfParallelism = cores }, _ => Run(iterations)), iterations * cores);
        return (one, all, vector);
    }

    public static void Print()
    {
        var (one, all, vector) = Measure();
        Console.WriteLine($"FMA peak, float32, {vector}, {ChainCount} independent chains: one core {one:F1} GFLOP/s, {Environment.ProcessorCount} cores {all:F1} GFLOP/s");
    }

    /// <summary>One line for a table that quotes <paramref name="allCores"/> as its ceiling.</summary>
    public static void Print(double allCores) =>
        Console.WriteLine($"FMA peak (float32, {Environment.ProcessorCount} cores, benchmarks -- peak): {allCores:F1} GFLOP/s; %peak = our sustained paper GFLOP/s / this");

    private static int Lanes => Vector512.IsHardwareAccelerated && Avx512F.IsSupported ? 16 : Fma.IsSupported ? 8 : 4;

    private static long Calibrate()
    {
        long iterations = 1 << 16;
        while (true)
        {
            var sw = Stopwatch.StartNew();
            Run(iterations);
            if (sw.Elapsed.TotalSeconds > 0.05 || iterations > 1L << 34) return iterations;
            iterations *= 2;
        }
    }

    private static double Best(Action run, long totalIterations)
    {
        double best = double.MaxValue;
        for (int trial = 0; trial < 40; trial++)
        {
            var sw = Stopwatch.StartNew();
            run();
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        // Each iteration: ChainCount FMAs of Lanes lanes, two flops each.
        return totalIterations * (double)ChainCount * Lanes * 2 / best / 1e9;
    }

    private static void Run(long iterations)
    {
        float sink = Vector512.IsHardwareAccelerated && Avx512F.IsSupported ? Chains<Vector512<float>, Wide>(iterations)
            : Fma.IsSupported ? Chains<Vector256<float>, Middle>(iterations) : Chains<Vector128<float>, Narrow>(iterations);
        if (sink == 42.4242f) Console.Write(""); // keeps the chains from being removed
    }

    /// <summary>The vector operations the chains need, one struct per width (the JIT specializes <see cref="Chains"/> for each).</summary>
    private interface IVectorOps<TVector>
    {
        static abstract TVector Create(float value);

        static abstract TVector MultiplyAdd(TVector a, TVector b, TVector c);

        static abstract TVector Add(TVector a, TVector b);

        static abstract float Sum(TVector v);
    }

    private readonly struct Wide : IVectorOps<Vector512<float>>
    {
        public static Vector512<float> Create(float value) => Vector512.Create(value);

        public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Avx512F.FusedMultiplyAdd(a, b, c);

        public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;

        public static float Sum(Vector512<float> v) => Vector512.Sum(v);
    }

    private readonly struct Middle : IVectorOps<Vector256<float>>
    {
        public static Vector256<float> Create(float value) => Vector256.Create(value);

        public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Fma.MultiplyAdd(a, b, c);

        public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;

        public static float Sum(Vector256<float> v) => Vector256.Sum(v);
    }

    private readonly struct Narrow : IVectorOps<Vector128<float>>
    {
        public static Vector128<float> Create(float value) => Vector128.Create(value);

        public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => a * b + c;

        public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;

        public static float Sum(Vector128<float> v) => Vector128.Sum(v);
    }

    /// <summary><see cref="ChainCount"/> independent multiply-add chains (a = a·m + c), each iteration one step of every chain.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Chains<TVector, TOps>(long iterations) where TVector : struct where TOps : IVectorOps<TVector>
    {
        TVector m = TOps.Create(0.999999f), c = TOps.Create(1e-7f);
        TVector a0 = TOps.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (long i = 0; i < iterations; i++)
        {
            a0 = TOps.MultiplyAdd(a0, m, c); a1 = TOps.MultiplyAdd(a1, m, c);
            a2 = TOps.MultiplyAdd(a2, m, c); a3 = TOps.MultiplyAdd(a3, m, c);
            a4 = TOps.MultiplyAdd(a4, m, c); a5 = TOps.MultiplyAdd(a5, m, c);
            a6 = TOps.MultiplyAdd(a6, m, c); a7 = TOps.MultiplyAdd(a7, m, c);
            a8 = TOps.MultiplyAdd(a8, m, c); a9 = TOps.MultiplyAdd(a9, m, c);
            a10 = TOps.MultiplyAdd(a10, m, c); a11 = TOps.MultiplyAdd(a11, m, c);
        }
        var sum = TOps.Add(TOps.Add(TOps.Add(a0, a1), TOps.Add(a2, a3)), TOps.Add(TOps.Add(a4, a5), TOps.Add(a6, a7)));
        return TOps.Sum(TOps.Add(sum, TOps.Add(TOps.Add(a8, a9), TOps.Add(a10, a11))));
    }
}
