using System.Diagnostics;
using System.Runtime.Intrinsics;
using Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

namespace Microsoft.ML.FunctionalDnn.Benchmarks;

/// <summary>GFLOP/s of the engine's GEMM (C = A·B, float32, row-major), best of several timed runs.</summary>
internal static class GemmBenchmark
{
    private static readonly (string Name, int M, int N, int K)[] Shapes =
    [
        ("256^3", 256, 256, 256),
        ("512^3", 512, 512, 512),
        ("1024^3", 1024, 1024, 1024),
        ("2048^3", 2048, 2048, 2048),
        ("12544x1280x128", 12544, 128, 1280),
        ("128x96x128", 128, 128, 96),
    ];

    public static void Run()
    {
        Console.WriteLine($"GEMM kernel: {Gemm.BestKernel} (Vector512 accelerated: {Vector512.IsHardwareAccelerated}, Vector256: {Vector256.IsHardwareAccelerated}), cores: {Environment.ProcessorCount}");
        Console.WriteLine("shape (MxNxK)        1 core GFLOP/s   all cores GFLOP/s");
        foreach (var (name, m, n, k) in Shapes)
        {
            double one = Measure(m, n, k, threads: 1);
            double all = Measure(m, n, k, threads: 0);
            Console.WriteLine($"{name,-20} {one,15:F1} {all,19:F1}");
        }
        // The same workload as pytorch_twins.py's gemm1024x20: twenty 1024^3 products, all cores.
        var r = new RandomGenerator(0);
        var a = Tensor.Uniform(new Shape(1024, 1024), 0, 1, r).Data.ToArray();
        var b = Tensor.Uniform(new Shape(1024, 1024), 0, 1, r).Data.ToArray();
        var c = new float[1024 * 1024];
        Gemm.Multiply(false, false, 1024, 1024, 1024, a, 1024, b, 1024, c, 1024, false);
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < 20; i++) Gemm.Multiply(false, false, 1024, 1024, 1024, a, 1024, b, 1024, c, 1024, false);
        double s = sw.Elapsed.TotalSeconds;
        Console.WriteLine($"gemm1024x20 (as pytorch_twins.py): {20 * 2.0 * 1024 * 1024 * 1024 / s / 1e9:F1} GFLOP/s");
    }

    private static double Measure(int m, int n, int k, int threads)
    {
        var r = new RandomGenerator(1);
        var a = new float[m * k];
        var b = new float[k * n];
        var c = new float[m * n];
        for (int i = 0; i < a.Length; i++) a[i] = r.NextFloat();
        for (int i = 0; i < b.Length; i++) b[i] = r.NextFloat();
        double flops = 2.0 * m * n * k;
        Gemm.Multiply(false, false, m, n, k, a, k, b, n, c, n, false, threads); // warm-up and JIT
        int reps = Math.Max(1, (int)(3e9 / flops));
        double best = double.MaxValue;
        for (int trial = 0; trial < 5; trial++)
        {
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < reps; i++) Gemm.Multiply(false, false, m, n, k, a, k, b, n, c, n, false, threads);
            best = Math.Min(best, sw.Elapsed.TotalSeconds / reps);
        }
        return flops / best / 1e9;
    }
}
