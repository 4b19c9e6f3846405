using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.FunctionalDnn.Layers;

namespace Microsoft.ML.FunctionalDnn.Benchmarks.Workloads;

/// <summary>
/// Runs each reference workload in its own process (so its peak memory is its own): ours through
/// Compile/Fit, then, when Debian's python3-torch is installed, the PyTorch twin from
/// ../shared/bench/pytorch_twins.py. Prints seconds, pytorch_s / ours_s (above 1: we are faster)
/// and the peak resident memory of each side.
/// </summary>
internal static class WorkloadBenchmark
{
    public static void Run(string[] names)
    {
        var chosen = names.Length == 0 ? ReferenceModels.All : ReferenceModels.All.Where(w => names.Contains(w.Name)).ToArray();
        string script = FindScript();
        bool torch = File.Exists("/usr/bin/python3") && script.Length > 0;
        if (!torch) Console.WriteLine("PyTorch twins skipped: needs /usr/bin/python3 with python3-torch (apt-get install -y python3-torch libopenblas0-pthread) and ../shared/bench/pytorch_twins.py.");
        Console.WriteLine($"{"workload",-10} {"ours_s",9} {"pytorch_s",10} {"pytorch/ours",13} {"ours_peak_MB",13} {"pytorch_peak_MB",16}");
        foreach (var w in chosen)
        {
            var ours = RunChild(Environment.ProcessPath!, [.. SelfArguments(), "workload", w.Name]);
            var theirs = torch ? RunChild("/usr/bin/python3", ["-c", PythonWrapper, script, Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture), w.Name]) : null;
            string ratio = theirs is null || ours is null ? "n/a" : (theirs.Value.Seconds / ours.Value.Seconds).ToString("F2", CultureInfo.InvariantCulture);
            Console.WriteLine($"{w.Name,-10} {ours?.Seconds,9:F3} {Show(theirs?.Seconds, "F3"),10} {ratio,13} {ours?.PeakMb,13:F0} {Show(theirs?.PeakMb, "F0"),16}");
        }
    }

    /// <summary>Runs pytorch_twins.py unchanged and reports its peak resident memory.</summary>
    private const string PythonWrapper =
        "import sys, runpy, resource\n" +
        "script = sys.argv[1]; sys.argv = [script] + sys.argv[2:]\n" +
        "runpy.run_path(script, run_name='__main__')\n" +
        "print('peak_kb\\t%d' % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n";

    private static string Show(double? value, string format) => value?.ToString(format, CultureInfo.InvariantCulture) ?? "n/a";

    /// <summary>The child side: one workload, warm-up first, then the timed Fit; prints seconds and peak memory.</summary>
    public static void RunOne(string name)
    {
        var w = ReferenceModels.All.Single(x => x.Name == name);
        double Fit(long seed)
        {
            LayerNames.Reset();
            using var scope = SeedScope.Begin(seed);
            var (model, x, y) = w.Build(new RandomGenerator(seed));
            var sw = Stopwatch.StartNew();
            model.Fit(x, y, epochs: w.Epochs, batchSize: w.BatchSize, verbose: 0);
            return sw.Elapsed.TotalSeconds;
        }
        Fit(1);
        double seconds = Fit(2);
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        Console.WriteLine($"{name}\t{seconds.ToString("F4", CultureInfo.InvariantCulture)}");
        Console.WriteLine($"peak_kb\t{self.PeakWorkingSet64 / 1024}");
    }

    private static (double Seconds, double PeakMb)? RunChild(string file, string[] args)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd();
        string errors = p.StandardError.ReadToEnd();
        p.WaitForExit();
        double? seconds = null, peak = null;
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split('\t');
            if (parts.Length != 2 || !double.TryParse(parts[1], CultureInfo.InvariantCulture, out double v)) continue;
            if (parts[0] == "peak_kb") peak = v / 1024;
            else if (!parts[0].StartsWith("gemm", StringComparison.Ordinal)) seconds = v;
        }
        if (p.ExitCode != 0 || seconds is null)
        {
            Console.WriteLine($"  {Path.GetFileName(file)} failed ({p.ExitCode}): {errors.Trim()}");
            return null;
        }
        return (seconds.Value, peak ?? double.NaN);
    }

    /// <summary>What starts this program again: the app host alone, or the dotnet host with this assembly.</summary>
    private static string[] SelfArguments() =>
        Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? [typeof(WorkloadBenchmark).Assembly.Location] : [];

    private static string FindScript()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "..", "shared", "bench", "pytorch_twins.py");
            if (File.Exists(candidate)) return Path.GetFullPath(candidate);
        }
        return "";
    }
}
