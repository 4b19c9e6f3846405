using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.FunctionalDnn.Distributed;
using Microsoft.ML.FunctionalDnn.Layers;

namespace Microsoft.ML.FunctionalDnn.Benchmarks.Workloads;

/// <summary>
/// `benchmarks -- distributed [names] [--quick F] [--rounds N]`: each workload's Fit in one process with
/// two threads, then as two ranks of one thread each under `mpirun -np 2 --oversubscribe` (the same
/// global batch, data-parallel), medians of N rounds; the throughput of both, the time the ranks spend in
/// MPI_Allreduce, and the per-step communication a 10 Gb/s link would cost (a ring allreduce moves
/// 2·(n − 1)/n of the gradients' bytes per rank).
/// </summary>
internal static class DistributedBenchmark
{
    private static readonly string[] Default = ["mlp", "qa", "social", "siamese"];

    public static void Run(string[] args)
    {
        var names = new List<string>();
        int rounds = 3, quick = 1;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--rounds") rounds = int.Parse(args[++i], CultureInfo.InvariantCulture);
            else if (args[i] == "--quick") quick = int.Parse(args[++i], CultureInfo.InvariantCulture);
            else names.Add(args[i]);
        }
        if (names.Count == 0) names.AddRange(Default);
        string self = typeof(DistributedBenchmark).Assembly.Location;
        string dotnet = Environment.ProcessPath ?? "dotnet";
        string mpirun = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Select(d => Path.Combine(d, "mpirun")).FirstOrDefault(File.Exists)
            ?? throw new ArgumentException("mpirun is not installed (Debian: apt-get install openmpi-bin libopenmpi-dev).");
        Console.WriteLine($"CPU: {Cpu()}, {Environment.ProcessorCount} cores; {rounds} rounds, medians; samples {ReferenceModels.Samples / quick}.");
        Console.WriteLine("workload   one process, 2 threads   two ranks, 1 thread each   ratio   in allreduce   params   gradient MB/step   10 Gb/s ring, ms/step");
        foreach (var name in names)
        {
            var one = new List<double>();
            var two = new List<double>();
            var reduce = new List<double>();
            int steps = 0;
            long parameters = 0;
            for (int r = 0; r < rounds; r++)
            {
                var single = Child(dotnet, [self, "distributed-worker", name, quick.ToString(CultureInfo.InvariantCulture)], new() { ["DOTNET_PROCESSOR_COUNT"] = "2" });
                one.Add(single["seconds"]);
                steps = (int)single["steps"];
                parameters = (long)single["params"];
                var ranks = Child(mpirun, ["-np", "2", "--oversubscribe", "-x", "DOTNET_PROCESSOR_COUNT=1", "-x", "OMPI_ALLOW_RUN_AS_ROOT", "-x", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM",
                    dotnet, self, "distributed-worker", name, quick.ToString(CultureInfo.InvariantCulture)],
                    new() { ["OMPI_ALLOW_RUN_AS_ROOT"] = "1", ["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1" });
                two.Add(ranks["seconds"]);
                reduce.Add(ranks["allreduce"]);
            }
            double a = Median(one), b = Median(two), bytes = parameters * 4.0;
            double ringMs = 2 * (2 - 1) / 2.0 * bytes / 1.25e9 * 1000;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-10} {a,10:F2} s              {b,10:F2} s                 {a / b,5:F2}   {Median(reduce),6:F2} s ({Median(reduce) / b,4:P0})   {parameters,8}   {bytes / 1e6,8:F2}           {ringMs,8:F3} ({steps} steps/epoch)"));
        }
    }

    /// <summary>(child, started alone or by mpirun) one workload's Fit; rank 0 prints seconds, steps, parameters and the seconds in allreduce.</summary>
    public static void Worker(string[] args)
    {
        var w = ReferenceModels.All.Single(x => x.Name == args[0]);
        ReferenceModels.Samples /= int.Parse(args[1], CultureInfo.InvariantCulture);
        LayerNames.Reset();
        using var scope = SeedScope.Begin(1);
        var (model, x, y) = w.Build(new RandomGenerator(1));
        DataParallel.AllReduceSeconds = 0;
        var watch = Stopwatch.StartNew();
        model.Fit(x, y, epochs: w.Epochs, batchSize: w.BatchSize, verbose: 0, seed: 1);
        double seconds = watch.Elapsed.TotalSeconds;
        int rank = MpiCommunicator.LaunchedByMpi ? MpiCommunicator.World.Rank : 0;
        if (rank != 0) return;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seconds\t{seconds:R}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"allreduce\t{DataParallel.AllReduceSeconds:R}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"steps\t{(x[0].Shape[0] + w.BatchSize - 1) / w.BatchSize}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"params\t{model.CountParams()}"));
    }

    private static Dictionary<string, double> Child(string file, string[] args, Dictionary<string, string> environment)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        using var process = Process.Start(psi)!;
        string output = process.StandardOutput.ReadToEnd();
        string errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited with {process.ExitCode}:\n{output}\n{errors}");
        return output.Split('\n').Select(l => l.Trim().Split('\t')).Where(p => p.Length == 2 && double.TryParse(p[1], CultureInfo.InvariantCulture, out _))
            .ToDictionary(p => p[0].TrimStart('\u001b', '[', '?', '1', 'h', '='), p => double.Parse(p[1], CultureInfo.InvariantCulture));
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Cpu() =>
        File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':')[1].Trim() ?? "?" : "?";
}
