using System.Diagnostics;
using System.Globalization;

namespace Microsoft.ML.FunctionalDnn.Benchmarks.Workloads;

/// <summary>
/// Runs the reference workloads on the engine and, when Debian's python3-torch is installed, the
/// PyTorch twins from ../shared/bench/pytorch_twins.py in the same run; prints ours_s, pytorch_s
/// and pytorch_s / ours_s (above 1: we are faster).
/// </summary>
internal static class WorkloadBenchmark
{
    private static readonly Workload[] All = [new MlpWorkload(), new QaWorkload(), new SocialWorkload(), new ResidualWorkload(), new SiameseWorkload()];

    public static void Run(string[] names)
    {
        var chosen = names.Length == 0 ? All : All.Where(w => names.Contains(w.Name)).ToArray();
        var torch = PyTorchTimes(chosen.Select(w => w.Name));
        Console.WriteLine($"{"workload",-10} {"ours_s",9} {"pytorch_s",10} {"pytorch/ours",13}");
        foreach (var w in chosen)
        {
            w.Fit(seed: 1); // warm-up, as the PyTorch script does
            double ours = w.Fit(seed: 2);
            string theirs = torch.TryGetValue(w.Name, out double t) ? t.ToString("F3", CultureInfo.InvariantCulture) : "n/a";
            string ratio = torch.ContainsKey(w.Name) ? (t / ours).ToString("F2", CultureInfo.InvariantCulture) : "n/a";
            Console.WriteLine($"{w.Name,-10} {ours,9:F3} {theirs,10} {ratio,13}");
        }
    }

    private static Dictionary<string, double> PyTorchTimes(IEnumerable<string> names)
    {
        var result = new Dictionary<string, double>();
        string script = FindScript();
        if (!File.Exists("/usr/bin/python3") || script.Length == 0)
        {
            Console.WriteLine("PyTorch twins skipped: needs /usr/bin/python3 with python3-torch (apt-get install -y python3-torch) and ../shared/bench/pytorch_twins.py.");
            return result;
        }
        var psi = new ProcessStartInfo("/usr/bin/python3", [script, Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture), string.Join(",", names)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd();
        string errors = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) Console.WriteLine($"PyTorch twins failed ({p.ExitCode}): {errors.Trim()}");
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split('\t');
            if (parts.Length == 2 && double.TryParse(parts[1], CultureInfo.InvariantCulture, out double s)) result[parts[0]] = s;
        }
        return result;
    }

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
