using System.Diagnostics;
using System.Globalization;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Microsoft.ML.FunctionalDnn.Layers;

namespace Microsoft.ML.FunctionalDnn.Benchmarks.Workloads;

/// <summary>
/// Runs each reference workload in its own process (so its peak memory is its own), several rounds,
/// and prints medians. Always: ours on the managed engine through Compile/Fit, and, when Debian's
/// python3-torch is installed, the PyTorch twin from ../shared/bench/pytorch_twins.py. With
/// <c>--backend torch</c> also ours on the torch backend and the plain TorchSharp twin
/// (<see cref="TorchSharpTwins"/>), with plain_s / ours_s ratios (above 1: ours is faster).
/// </summary>
internal static class WorkloadBenchmark
{
    private const string Usage = "workloads [names...] [--backend torch] [--rounds N] [--quick F]";

    /// <summary>The parent side: parses the options, prints the machine, then one row per workload.</summary>
    public static void Run(string[] args)
    {
        var names = new List<string>();
        bool torchBackend = false;
        int rounds = 3, quick = 1;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--backend":
                    string backend = Value(args, ref i);
                    torchBackend = backend switch
                    {
                        "torch" => true,
                        "managed" => false,
                        _ => throw new ArgumentException($"--backend expects 'managed' or 'torch'; received '{backend}'. Usage: {Usage}"),
                    };
                    break;
                case "--rounds":
                    rounds = PositiveInt(args, ref i);
                    break;
                case "--quick":
                    quick = PositiveInt(args, ref i);
                    break;
                default:
                    if (ReferenceModels.All.All(w => w.Name != args[i]))
                        throw new ArgumentException($"Unknown workload or option '{args[i]}'. Workloads: {string.Join(", ", ReferenceModels.All.Select(w => w.Name))}. Usage: {Usage}");
                    names.Add(args[i]);
                    break;
            }
        }
        var chosen = names.Count == 0 ? ReferenceModels.All : ReferenceModels.All.Where(w => names.Contains(w.Name)).ToArray();
        int threads = Environment.ProcessorCount;
        string[] quickArgs = quick == 1 ? [] : ["--quick", quick.ToString(CultureInfo.InvariantCulture)];

        PrintMachine(threads, torchBackend, rounds, quick);
        // The ceiling for the GFLOP/s columns, measured before any child runs.
        var (_, peak, _) = FmaPeak.Measure();
        FmaPeak.Print(peak);
        string script = FindScript();
        bool python = script.Length > 0 && quick == 1 && PythonHasTorch();
        if (!python)
            Console.WriteLine(quick != 1
                ? "PyTorch twins skipped: pytorch_twins.py always trains on 1000 samples, so it has no --quick."
                : "PyTorch twins skipped: needs /usr/bin/python3 with python3-torch (apt-get install -y python3-torch libopenblas0-pthread) and ../shared/bench/pytorch_twins.py.");

        var columns = new List<Column> { new("managed", w => [.. SelfArguments(), "workload", w, .. quickArgs]) };
        if (torchBackend)
        {
            columns.Add(new("torch", w => [.. SelfArguments(), "workload", w, "--backend", "torch", .. quickArgs]));
            columns.Add(new("plain_ts", w => [.. SelfArguments(), "twin", w, .. quickArgs]));
        }
        if (python)
        {
            // Debian's OpenBLAS 0.3.21 does not recognise this CPU generation and falls back to its
            // SSE3 kernels (30–48 GFLOP/s instead of ~190) unless told the core type.
            var environment = new Dictionary<string, string>();
            string? core = Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE") is { Length: > 0 } ? null
                : Avx512F.IsSupported ? "SkylakeX" : Avx2.IsSupported ? "Haswell" : null;
            if (core is not null) environment["OPENBLAS_CORETYPE"] = core;
            Console.WriteLine($"PyTorch twins: OPENBLAS_CORETYPE={core ?? Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE") ?? "(OpenBLAS's own detection)"}");
            string scriptText = File.ReadAllText(script);
            columns.Add(new("pytorch", w => scriptText.Contains($"def w_{w}(", StringComparison.Ordinal) ? ["-c", PythonWrapper, script, threads.ToString(CultureInfo.InvariantCulture), w] : null,
                "/usr/bin/python3", environment));
        }

        Console.WriteLine();
        Console.WriteLine(Header(columns, torchBackend));
        foreach (var w in chosen)
        {
            // Rounds interleave the columns, so a burst of load on the shared machine hits all of
            // them; ratios are the median of each round's own ratio (its children ran back to back),
            // which drifts less than a ratio of two medians when the machine's speed changes.
            var samples = columns.Select(_ => new List<ChildResult?>()).ToArray();
            for (int round = 0; round < rounds; round++)
                for (int c = 0; c < columns.Count; c++)
                {
                    // A column without this workload (the PyTorch script has no inception) stays n/a.
                    var result = columns[c].Arguments(w.Name) is { } arguments ? RunChild(columns[c].File ?? Environment.ProcessPath!, arguments, w.Name, columns[c].Environment) : null;
                    samples[c].Add(result);
                    if (result?.Threads is int t && t != threads)
                        Console.WriteLine($"  note: {columns[c].Name} ran libtorch on {t} threads, not {threads}");
                }
            Console.WriteLine(Row(w.Name, columns, samples, torchBackend, peak));
        }
        Console.WriteLine();
        Console.WriteLine($"load average at the end: {LoadAverage()}");
    }

    /// <summary>One column of the table: which process to start for a workload.</summary>
    private sealed record Column(string Name, Func<string, string[]?> Arguments, string? File = null, IReadOnlyDictionary<string, string>? Environment = null);

    private sealed record ChildResult(double Seconds, double PeakMb, int? Threads, double? Flops);

    private static string Header(List<Column> columns, bool torchBackend)
    {
        var line = $"{"workload",-10}";
        foreach (var c in columns) line += $" {c.Name + "_s",11}";
        if (torchBackend) line += $" {"plain/torch",12} {"plain/managed",14}";
        if (columns.Any(c => c.Name == "pytorch")) line += $" {"pytorch/managed",16}";
        foreach (var c in columns) line += $" {c.Name + "_MB",11}";
        line += $" {"GFLOP",8}";
        foreach (var c in columns.Where(c => c.Name is "managed" or "torch")) line += $" {c.Name + "_GF/s",13} {"%peak",6}";
        return line;
    }

    private static string Row(string name, List<Column> columns, List<ChildResult?>[] samples, bool torchBackend, double peak)
    {
        // The median over rounds of column a's seconds / column b's, pairing the runs of one round.
        double? Ratio(string a, string b)
        {
            int ia = columns.FindIndex(c => c.Name == a), ib = columns.FindIndex(c => c.Name == b);
            if (ia < 0 || ib < 0) return null;
            return Median(samples[ia].Zip(samples[ib]).Where(p => p.First is not null && p.Second is not null).Select(p => p.First!.Seconds / p.Second!.Seconds));
        }
        var line = $"{name,-10}";
        foreach (var s in samples) line += $" {Show(Median(s.OfType<ChildResult>().Select(r => r.Seconds)), "F3"),11}";
        if (torchBackend) line += $" {Show(Ratio("plain_ts", "torch"), "F2"),12} {Show(Ratio("plain_ts", "managed"), "F2"),14}";
        if (columns.Any(c => c.Name == "pytorch")) line += $" {Show(Ratio("pytorch", "managed"), "F2"),16}";
        foreach (var s in samples) line += $" {Show(Median(s.OfType<ChildResult>().Select(r => r.PeakMb)), "F0"),11}";
        // Sustained rate of our runs against the FMA peak of all cores (paper flops: Flops.cs).
        double? flops = samples.SelectMany(s => s.OfType<ChildResult>()).Select(r => r.Flops).FirstOrDefault(f => f is not null);
        line += $" {Show(flops / 1e9, "F1"),8}";
        for (int c = 0; c < columns.Count; c++)
        {
            if (columns[c].Name is not ("managed" or "torch")) continue;
            double? rate = flops / Median(samples[c].OfType<ChildResult>().Select(r => r.Seconds)) / 1e9;
            line += $" {Show(rate, "F1"),13} {Show(rate / peak * 100, "F0") + "%",6}";
        }
        return line;
    }

    private static void PrintMachine(int threads, bool torchBackend, int rounds, int quick)
    {
        string cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown"
            : "unknown";
        string vector = Avx512F.IsSupported ? "AVX-512 (Avx512F.IsSupported)" : Avx2.IsSupported ? "AVX2 (no AVX-512)" : "no AVX2";
        Console.WriteLine($"CPU: {cpu}, {threads} logical cores; vectors: {vector}, Vector512.IsHardwareAccelerated={Vector512.IsHardwareAccelerated}");
        if (torchBackend) Console.WriteLine($"libtorch threads: {threads} (torch.set_num_threads in each torch child; each reports torch.get_num_threads)");
        Console.WriteLine($"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; load average: {LoadAverage()}; medians of {rounds} round(s), each workload × backend in its own process; ratios: median of each round's ratio"
            + (quick == 1 ? "" : $"; --quick {quick}: {ReferenceModels.Samples / quick} samples instead of {ReferenceModels.Samples}, so seconds are about 1/{quick} of full size"));
    }

    /// <summary>True when /usr/bin/python3 imports torch (Debian's python3-torch).</summary>
    private static bool PythonHasTorch()
    {
        if (!File.Exists("/usr/bin/python3")) return false;
        var psi = new ProcessStartInfo("/usr/bin/python3", ["-c", "import torch"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        p.StandardOutput.ReadToEnd();
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode == 0;
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    /// <summary>Runs pytorch_twins.py unchanged and reports its peak resident memory.</summary>
    private const string PythonWrapper =
        "import sys, runpy, resource\n" +
        "script = sys.argv[1]; sys.argv = [script] + sys.argv[2:]\n" +
        "runpy.run_path(script, run_name='__main__')\n" +
        "print('peak_kb\\t%d' % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n";

    private static string Show(double? value, string format) => value?.ToString(format, CultureInfo.InvariantCulture) ?? "n/a";

    private static double? Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return null;
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>
    /// The child side of ours: <c>workload NAME [--backend managed|torch] [--quick F]</c>. Selects the
    /// backend first thing, then a warm-up Fit and the timed ones (<see cref="TimedFit"/>); prints seconds and peak memory.
    /// </summary>
    public static void RunOne(string[] args)
    {
        string name = args[0];
        string backend = "managed";
        for (int i = 1; i < args.Length; i++)
        {
            if (args[i] == "--backend") backend = Value(args, ref i);
            else if (args[i] == "--quick") ReferenceModels.Samples /= PositiveInt(args, ref i);
            else throw new ArgumentException($"Unknown option '{args[i]}'. Usage: workload NAME [--backend managed|torch] [--quick F]");
        }
        int? threads = null;
        if (backend == "torch")
        {
            Keras.Config.SetBackend("torch", "cpu");
            global::TorchSharp.torch.set_num_threads(Environment.ProcessorCount);
            threads = global::TorchSharp.torch.get_num_threads();
        }
        else
        {
            Keras.Config.SetBackend(backend);
        }
        var w = ReferenceModels.All.Single(x => x.Name == name);
        double flops = w.Timed == ReferenceModels.Task.Gemm ? Flops.Of(w, null, 0) : 0;
        double Fit(long seed)
        {
            if (w.Timed == ReferenceModels.Task.Gemm) return Gemm(seed);
            LayerNames.Reset();
            using var scope = SeedScope.Begin(seed);
            var (model, x, y) = w.Build(new RandomGenerator(seed));
            flops = Flops.Of(w, model, x[0].Shape[0]);
            var sw = Stopwatch.StartNew();
            if (w.Timed == ReferenceModels.Task.Predict)
            {
                using var outputs = TensorScope.Begin();
                model.Predict(x, batchSize: w.BatchSize);
            }
            else
            {
                model.Fit(x, y, epochs: w.Epochs, batchSize: w.BatchSize, verbose: 0);
            }
            return sw.Elapsed.TotalSeconds;
        }
        ReportChild(name, TimedFit(Fit), threads, flops);
    }

    /// <summary>The GEMM workload on our ops: <see cref="ReferenceModels.GemmRepeats"/> products of two square float32 matrices.</summary>
    private static double Gemm(long seed)
    {
        var r = new RandomGenerator(seed);
        int n = ReferenceModels.GemmSize;
        var a = Tensor.Uniform(new Shape(n, n), 0, 1, r);
        var b = Tensor.Uniform(new Shape(n, n), 0, 1, r);
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < ReferenceModels.GemmRepeats; i++)
        {
            using var scope = TensorScope.Begin();
            Ops.MatMul(a, b); // synchronous on the CPU: libtorch and the managed engine both return when the product is done
        }
        return sw.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// A warm-up Fit, then the timed one, repeated (a fresh model each time, built outside the
    /// clock, the previous one collected) until two seconds of timed Fits have passed, at most
    /// nine: the median. A Fit of the
    /// small workloads lasts a tenth of a second, where one timing moves by tens of percent.
    /// Ours and the twins are timed the same way.
    /// </summary>
    internal static double TimedFit(Func<long, double> fit)
    {
        double Run(long seed)
        {
            double seconds = fit(seed);
            // Outside the clock: the finished model's libtorch tensors are freed by their
            // finalizers (the twins dispose their modules), so the next one starts from there.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            return seconds;
        }
        Run(1);
        var times = new List<double>();
        do times.Add(Run(2));
        while (times.Sum() < 2 && times.Count < 9);
        return Median(times)!.Value;
    }

    /// <summary>The child side of the plain TorchSharp twin: <c>twin NAME [--quick F]</c>.</summary>
    public static void RunTwin(string[] args)
    {
        for (int i = 1; i < args.Length; i++)
        {
            if (args[i] == "--quick") ReferenceModels.Samples /= PositiveInt(args, ref i);
            else throw new ArgumentException($"Unknown option '{args[i]}'. Usage: twin NAME [--quick F]");
        }
        TorchSharpTwins.RunOne(args[0], Environment.ProcessorCount);
    }

    /// <summary>What every child prints for the parent: seconds of the timed Fit, libtorch's threads, peak resident memory.</summary>
    internal static void ReportChild(string name, double seconds, int? threads, double flops = 0)
    {
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        Console.WriteLine($"{name}\t{seconds.ToString("F4", CultureInfo.InvariantCulture)}");
        if (threads is int t) Console.WriteLine($"threads\t{t}");
        if (flops > 0) Console.WriteLine($"flops\t{flops.ToString("R", CultureInfo.InvariantCulture)}");
        Console.WriteLine($"peak_kb\t{self.PeakWorkingSet64 / 1024}");
    }

    private static ChildResult? RunChild(string file, string[] args, string workload, IReadOnlyDictionary<string, string>? environment)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) psi.Environment[key] = value;
        using var p = Process.Start(psi)!;
        var errorsRead = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        string errors = errorsRead.Result;
        p.WaitForExit();
        double? seconds = null, peak = null, flops = null;
        int? threads = null;
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split('\t');
            if (parts.Length != 2 || !double.TryParse(parts[1], CultureInfo.InvariantCulture, out double v)) continue;
            if (parts[0] == "peak_kb") peak = v / 1024;
            else if (parts[0] == "threads") threads = (int)v;
            else if (parts[0] == "flops") flops = v;
            else if (parts[0] == workload) seconds = v;
        }
        if (p.ExitCode != 0 || seconds is null)
        {
            Console.WriteLine($"  {Path.GetFileName(file)} {string.Join(' ', args.Where(a => !a.Contains('\n')))} failed ({p.ExitCode}): {errors.Trim()}");
            return null;
        }
        return new(seconds.Value, peak ?? double.NaN, threads, flops);
    }

    private static string Value(string[] args, ref int i)
    {
        if (i + 1 >= args.Length) throw new ArgumentException($"{args[i]} needs a value. Usage: {Usage}");
        return args[++i];
    }

    private static int PositiveInt(string[] args, ref int i)
    {
        string option = args[i], text = Value(args, ref i);
        if (!int.TryParse(text, CultureInfo.InvariantCulture, out int n) || n < 1)
            throw new ArgumentException($"{option} expects a positive integer; received '{text}'.");
        return n;
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
