using System.Diagnostics;
using Microsoft.ML.FunctionalDnn.Distributed;

namespace Microsoft.ML.FunctionalDnn.Tests.Distributed;

/// <summary>The MPI binding with real processes: Open MPI's mpirun starts two ranks of samples/DistributedTraining on this machine (loopback).</summary>
[TestClass]
public sealed class MpiTests
{
    private static string MpiRun()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
            if (File.Exists(Path.Combine(dir, "mpirun"))) return Path.Combine(dir, "mpirun");
        Prerequisite.Missing("Open MPI's mpirun is not installed (apt-get install openmpi-bin libopenmpi-dev).");
        return "";
    }

    private static (int ExitCode, string Output) Run(string file, TimeSpan timeout, params string[] arguments)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        // CI runs as root; Open MPI refuses that unless told.
        start.Environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
        start.Environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {string.Join(' ', arguments)} did not finish within {timeout.TotalSeconds:F0} s.\n{output.Result}");
        }
        process.WaitForExit();
        return (process.ExitCode, output.Result + errors.Result);
    }

    private static string Sample => Repository.File("samples", "DistributedTraining", "bin", Samples.SampleRunner.Configuration, "net10.0", "DistributedTraining.dll");

    [TestMethod]
    public void TwoRanksSumAndBroadcastThroughOpenMpi()
    {
        string mpirun = MpiRun();
        var (code, output) = Run(mpirun, TimeSpan.FromMinutes(2), "-np", "2", "--oversubscribe", Samples.SampleRunner.DotnetHost(), Sample, "--check");
        Assert.AreEqual(0, code, output);
        // Each slot sums (r + 1)(i + 1) over r = 0, 1: 3, 6, 9 …
        StringAssert.Contains(output, "rank 0 of 2: allreduce ok [3, 6, 9, 12, 15, 18], broadcast ok");
        StringAssert.Contains(output, "rank 1 of 2: allreduce ok [3, 6, 9, 12, 15, 18], broadcast ok");
        StringAssert.Contains(output, "started by mpirun");
    }

    [TestMethod]
    public void AProcessStartedAloneIsAJobOfOne()
    {
        MpiRun();
        var (code, output) = Run(Samples.SampleRunner.DotnetHost(), TimeSpan.FromMinutes(2), Sample, "--check");
        Assert.AreEqual(0, code, output);
        StringAssert.Contains(output, "rank 0 of 1: allreduce ok [1, 2, 3, 4, 5, 6], broadcast ok");
        StringAssert.Contains(output, "started alone");
    }

    [TestMethod]
    public void TheBindingFindsOpenMpi()
    {
        MpiRun();
        // Loading the library initializes nothing (MPI starts on first use of World, in the ranks above).
        Assert.IsTrue(MpiCommunicator.IsAvailable(out string why), why);
    }
}
