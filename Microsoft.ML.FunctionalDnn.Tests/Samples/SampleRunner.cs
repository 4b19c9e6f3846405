using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Microsoft.ML.FunctionalDnn.Tests.Samples;

/// <summary>
/// Runs a sample from samples/ (built with the solution, and before the tests through the test
/// project's build-only references) as a separate process in a fresh working directory, and reads
/// figures back from what it printed. The child starts without <c>FUNCTIONALDNN_BACKEND</c> and
/// <c>FUNCTIONALDNN_DEVICE</c> in its environment, whatever the test process runs on: a sample
/// chooses its backend by argument (<c>--backend torch</c>), and most samples do not reference the
/// torch backend's package, so inheriting <c>FUNCTIONALDNN_BACKEND=torch</c> would stop them.
/// </summary>
internal static partial class SampleRunner
{
#if DEBUG
    internal const string Configuration = "Debug";
#else
    internal const string Configuration = "Release";
#endif

    /// <summary>Runs samples/<paramref name="name"/> with <paramref name="arguments"/>; fails with its output if it exits non-zero or takes longer than <paramref name="timeout"/>.</summary>
    public static string Run(string name, TimeSpan timeout, params string[] arguments)
    {
        using var directory = new TempDirectory();
        return RunIn(directory.Path, name, timeout, arguments);
    }

    /// <summary>Runs samples/<paramref name="name"/> in <paramref name="workingDirectory"/> (so that a second run finds what the first wrote); see <see cref="Run"/>.</summary>
    public static string RunIn(string workingDirectory, string name, TimeSpan timeout, params string[] arguments)
    {
        string assembly = Repository.File("samples", name, "bin", Configuration, "net10.0", name + ".dll");
        if (!File.Exists(assembly)) throw new AssertFailedException($"Sample {name} is not built: {assembly} is missing (build the solution in {Configuration}).");
        return RunDotnet(workingDirectory, $"Sample {name}", timeout, [assembly, .. arguments]);
    }

    /// <summary>Runs <c>dotnet</c> with <paramref name="arguments"/> in <paramref name="workingDirectory"/>, in the samples' environment; fails naming <paramref name="what"/> if it exits non-zero or takes longer than <paramref name="timeout"/>.</summary>
    public static string RunDotnet(string workingDirectory, string what, TimeSpan timeout, string[] arguments)
    {
        var (code, output, errors) = RunProcess(DotnetHost(), arguments, timeout, what, environment =>
        {
            environment["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1";   // numbers as "93.5 %" and "3,466" whatever the machine's culture
            environment.Remove("FUNCTIONALDNN_BACKEND");   // the sample's own default (or its --backend argument), not the test run's
            environment.Remove("FUNCTIONALDNN_DEVICE");
        }, workingDirectory);
        Assert.AreEqual(0, code, $"{what} exited with {code}.\n{output}\n{errors}");
        return output;
    }

    /// <summary>
    /// Runs <paramref name="file"/> with <paramref name="arguments"/> (telemetry off, the environment
    /// adjusted by <paramref name="environment"/>); fails naming <paramref name="what"/> if it takes longer
    /// than <paramref name="timeout"/>, killing its process tree. Returns the exit code, output and errors.
    /// </summary>
    public static (int ExitCode, string Output, string Errors) RunProcess(string file, string[] arguments, TimeSpan timeout, string what,
        Action<IDictionary<string, string?>>? environment = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        environment?.Invoke(start.Environment);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new AssertFailedException($"{what} did not finish within {timeout.TotalMinutes:F0} min. Output so far:\n{output.Result}");
        }
        process.WaitForExit();
        return (process.ExitCode, output.Result, errors.Result);
    }

    /// <summary>The first percentage printed after <paramref name="label"/> on one line, as a fraction (0.93 for "93.0 %").</summary>
    public static double Percent(string output, string label)
    {
        var match = Regex.Match(output, Regex.Escape(label) + @"[^\n%]*?(\d+(?:\.\d+)?)\s?%");
        if (!match.Success) throw new AssertFailedException($"No percentage after \"{label}\" in the output:\n{output}");
        return Number(match.Groups[1].Value) / 100;
    }

    /// <summary>The numbers printed on the line that contains <paramref name="label"/>, in order.</summary>
    public static double[] Numbers(string output, string label)
    {
        string? line = output.Split('\n').FirstOrDefault(l => l.Contains(label, StringComparison.Ordinal))
            ?? throw new AssertFailedException($"No line with \"{label}\" in the output:\n{output}");
        return NumberPattern().Matches(line[(line.IndexOf(label, StringComparison.Ordinal) + label.Length)..]).Select(m => Number(m.Value)).ToArray();
    }

    private static double Number(string text) => double.Parse(text, CultureInfo.InvariantCulture);

    // The samples run with invariant globalization: '.' is the decimal point, ',' groups thousands.
    [GeneratedRegex(@"-?\d+(?:\.\d+)?")]
    private static partial Regex NumberPattern();

    internal static string DotnetHost()
    {
        string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host)) return host;
        string? current = Environment.ProcessPath;
        return current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
    }
}
