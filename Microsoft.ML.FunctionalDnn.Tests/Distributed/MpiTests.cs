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

    private static (int ExitCode, string Output) Run(string file, TimeSpan timeout, params string[] arguments) => RunOn(null, file, timeout, arguments);

    /// <summary>Runs a process with FUNCTIONALDNN_BACKEND set to <paramref name="backend"/> (the sample's default, managed, when null).</summary>
    private static (int ExitCode, string Output) RunOn(string? backend, string file, TimeSpan timeout, params string[] arguments)
    {
        var (code, output, errors) = Samples.SampleRunner.RunProcess(file, arguments, timeout, $"{Path.GetFileName(file)} {string.Join(' ', arguments)}", environment =>
        {
            // CI runs as root; Open MPI refuses that unless told.
            environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
            environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
            environment.Remove("FUNCTIONALDNN_BACKEND");
            if (backend is not null) environment["FUNCTIONALDNN_BACKEND"] = backend;
        });
        return (code, output + errors);
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

    private static float[] Floats(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        var values = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        return values;
    }

    private static float[] Losses(string output, int rank, int size)
    {
        string line = output.Split('\n').Single(l => l.Contains($"rank {rank} of {size} (backend", StringComparison.Ordinal) && l.Contains(": trained", StringComparison.Ordinal));
        string losses = line[(line.IndexOf("loss ", StringComparison.Ordinal) + 5)..line.IndexOf(", kind_accuracy", StringComparison.Ordinal)];
        return [.. losses.Split(' ').Select(v => float.Parse(v, System.Globalization.CultureInfo.InvariantCulture))];
    }

    /// <summary>Runs the sample's <paramref name="mode"/> alone, then on two ranks (both succeed); returns both outputs.</summary>
    private static (string Alone, string TwoRanks) AloneThenTwoRanks(string mode, string directory, string? backend = null)
    {
        string mpirun = MpiRun();
        var (aloneCode, alone) = RunOn(backend, Samples.SampleRunner.DotnetHost(), TimeSpan.FromMinutes(3), Sample, mode, directory);
        Assert.AreEqual(0, aloneCode, alone);
        // mpirun passes its environment on to the ranks it starts on this machine.
        var (code, output) = RunOn(backend, mpirun, TimeSpan.FromMinutes(3), "-np", "2", "--oversubscribe", Samples.SampleRunner.DotnetHost(), Sample, mode, directory);
        Assert.AreEqual(0, code, output);
        return (alone, output);
    }

    /// <summary>The two ranks' weights files identical bit for bit, and within 1e-4 (relative) of the single process's.</summary>
    private static float[] SameOnBothRanksAndAsAlone(TempDirectory dir, string stem, string because)
    {
        float[] single = Floats(dir.File($"{stem}_rank0_of1.bin"));
        float[] rank0 = Floats(dir.File($"{stem}_rank0_of2.bin")), rank1 = Floats(dir.File($"{stem}_rank1_of2.bin"));
        CollectionAssert.AreEqual(rank0, rank1, because);
        Assert.HasCount(single.Length, rank0);
        for (int i = 0; i < single.Length; i++)
            Assert.AreEqual(single[i], rank0[i], 1e-4 * Math.Max(1, Math.Abs(single[i])), $"weight value {i}: one process {single[i]}, two ranks {rank0[i]}");
        return rank0;
    }

    [TestMethod]
    public void TwoRanksWithGlobalBatchBEndWithTheWeightsOfOneProcessWithBatchB()
    {
        using var dir = new TempDirectory();
        var (alone, output) = AloneThenTwoRanks("--train", dir.Path);
        float[] rank0 = SameOnBothRanksAndAsAlone(dir, "weights", "both ranks hold identical weights, bit for bit");
        // Rank 0's checkpoint (ModelCheckpoint runs there only) loads in this single process with the ranks' final weights.
        var loaded = Model.Load(dir.File("checkpoint.fdnn"));
        CollectionAssert.AreEqual(rank0, loaded.Weights.SelectMany(w => w.Value.ToArray()).ToArray());
        // The History: the epochs' losses averaged over the ranks are the one process's.
        var one = Losses(alone, 0, 1);
        foreach (int rank in new[] { 0, 1 })
        {
            var two = Losses(output, rank, 2);
            for (int e = 0; e < one.Length; e++) Assert.AreEqual(one[e], two[e], 1e-4 * Math.Max(1, one[e]), $"rank {rank}, epoch {e} loss");
        }
    }

    [TestMethod]
    public void AKilledRankEndsTheJobWithAClearErrorInsteadOfAHang()
    {
        string mpirun = MpiRun();
        using var dir = new TempDirectory();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var (code, output) = Run(mpirun, TimeSpan.FromMinutes(2), "-np", "2", "--oversubscribe", Samples.SampleRunner.DotnetHost(), Sample, "--train", dir.Path, "--fail-rank", "1");
        Assert.AreNotEqual(0, code, output);
        StringAssert.Contains(output, "process rank 1");
        StringAssert.Contains(output, "signal 9");
        Assert.IsLessThan(60, watch.Elapsed.TotalSeconds, $"the job ended after {watch.Elapsed.TotalSeconds:F0} s");
    }

    [TestMethod]
    public void TheQuestionAnsweringPipelineTrainsDataParallelOnTwoRanks()
    {
        string mpirun = MpiRun();
        var (code, output) = Run(mpirun, TimeSpan.FromMinutes(5), "-np", "2", "--oversubscribe", "-x", "DOTNET_PROCESSOR_COUNT=1",
            Samples.SampleRunner.DotnetHost(), Sample, "--qa", "--quick");
        Assert.AreEqual(0, code, output);
        // Through the ML.NET estimator: both ranks end with the same model, so the same test accuracy, well above chance (1/6).
        double[] accuracies = [.. new[] { 0, 1 }.Select(rank => Samples.SampleRunner.Percent(output, $"rank {rank} of 2: question answering"))];
        Assert.AreEqual(accuracies[0], accuracies[1], output);
        Assert.IsGreaterThan(0.4, accuracies[0], output);
    }

    [TestMethod]
    public void OptingOutUnderMpirunTrainsEachRankAlone()
    {
        string mpirun = MpiRun();
        using var dir = new TempDirectory();
        var (aloneCode, alone) = Run(Samples.SampleRunner.DotnetHost(), TimeSpan.FromMinutes(3), Sample, "--train", dir.Path);
        Assert.AreEqual(0, aloneCode, alone);
        var (code, output) = Run(mpirun, TimeSpan.FromMinutes(3), "-np", "2", "--oversubscribe", "-x", "FUNCTIONALDNN_DISTRIBUTED=0", Samples.SampleRunner.DotnetHost(), Sample, "--train", dir.Path);
        Assert.AreEqual(0, code, output);
        // Each rank ran the whole Fit by itself: bit for bit the single process's weights.
        float[] single = Floats(dir.File("weights_rank0_of1.bin"));
        CollectionAssert.AreEqual(single, Floats(dir.File("weights_rank0_of2.bin")));
        CollectionAssert.AreEqual(single, Floats(dir.File("weights_rank1_of2.bin")));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Keras.Config.SetDistribution((Distribution)7));
    }

    [TestMethod]
    public void AModelOnlyRankZeroLoadedContinuesWithItsWeightsAndOptimizerStateOnEveryRank()
    {
        using var dir = new TempDirectory();
        // Alone: 2 epochs, saved with Adam's state, loaded, 2 more epochs. Two ranks: rank 0 loads that file,
        // rank 1 starts from a fresh model; Fit broadcasts rank 0's weights and optimizer state.
        AloneThenTwoRanks("--resume", dir.Path);
        SameOnBothRanksAndAsAlone(dir, "resumed", "both ranks continue identically (without the optimizer state, rank 1's Adam would start over)");
    }

    [TestMethod]
    public void OnTheTorchBackendTwoRanksAlsoEndAsOneProcess()
    {
        using var dir = new TempDirectory();
        // libtorch computes, the gradients are reduced through host copies of the buckets.
        var (alone, output) = AloneThenTwoRanks("--train", dir.Path, backend: "torch");
        StringAssert.Contains(alone, "backend torch");
        SameOnBothRanksAndAsAlone(dir, "weights", "both ranks hold identical weights on the torch backend");
    }
}
