using Microsoft.ML.FunctionalDnn.Benchmarks;

// dotnet run -c Release --project benchmarks -- <command>
//   gemm      GFLOP/s of the GEMM on square and DNN-shaped products, one core and all cores
//   peak      this machine's float32 FMA peak (independent FMA chains), one core and all cores
//   ops       per-op overhead on small tensors (BenchmarkDotNet)
//   workloads [names] [--backend torch] [--rounds N] [--quick F]
//             the reference models of WORKLOADS.md, each in its own process, medians of N rounds (default 3):
//             ours on the managed engine beside PyTorch's twins (when python3-torch is installed); with
//             --backend torch also ours on the torch backend and the plain TorchSharp twins;
//             --quick F trains on 1000/F samples
//   workload NAME [--backend managed|torch] [--quick F]   (child) ours, one workload
//   twin NAME [--quick F]                                  (child) the plain TorchSharp twin
//   probe NAME|lstm|ops [--steps N]   where the torch backend's time goes, beside plain TorchSharp
//   distributed [names] [--rounds N] [--quick F]
//             each workload's Fit in one process (2 threads) and as two MPI ranks (1 thread each, mpirun -np 2):
//             throughput, time in MPI_Allreduce, and the gradient traffic a 10 Gb/s ring would cost
//   distributed-worker NAME F                              (child) one workload's Fit, alone or as a rank
string command = args.Length > 0 ? args[0] : "gemm";
switch (command)
{
    case "gemm":
        GemmBenchmark.Run();
        break;
    case "peak":
        FmaPeak.Print();
        break;
    case "ops":
        BenchmarkDotNet.Running.BenchmarkRunner.Run<SmallOpBenchmarks>(args: args[1..]);
        break;
    case "workload":
        Microsoft.ML.FunctionalDnn.Benchmarks.Workloads.WorkloadBenchmark.RunOne(args[1..]);
        break;
    case "twin":
        Microsoft.ML.FunctionalDnn.Benchmarks.Workloads.WorkloadBenchmark.RunTwin(args[1..]);
        break;
    case "probe":
        Microsoft.ML.FunctionalDnn.Benchmarks.Workloads.TorchProbe.Run(args[1..]);
        break;
    case "distributed":
        Microsoft.ML.FunctionalDnn.Benchmarks.Workloads.DistributedBenchmark.Run(args[1..]);
        break;
    case "distributed-worker":
        Microsoft.ML.FunctionalDnn.Benchmarks.Workloads.DistributedBenchmark.Worker(args[1..]);
        break;
    case "workloads":
        try
        {
            Microsoft.ML.FunctionalDnn.Benchmarks.Workloads.WorkloadBenchmark.Run(args[1..]);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }
        break;
    default:
        Console.Error.WriteLine($"Unknown benchmark '{command}'. Expected one of: gemm, peak, ops, workloads, probe, distributed (workload, twin and distributed-worker are children).");
        return 2;
}
return 0;
