using Microsoft.ML.FunctionalDnn.Benchmarks;

// dotnet run -c Release --project benchmarks -- <command>
//   gemm      GFLOP/s of the GEMM on square and DNN-shaped products, one core and all cores
//   ops       per-op overhead on small tensors (BenchmarkDotNet)
//   workloads [names]  the reference models of WORKLOADS.md, ours beside PyTorch's in one run
string command = args.Length > 0 ? args[0] : "gemm";
switch (command)
{
    case "gemm":
        GemmBenchmark.Run();
        break;
    case "ops":
        BenchmarkDotNet.Running.BenchmarkRunner.Run<SmallOpBenchmarks>(args: args[1..]);
        break;
    case "workload":
        Microsoft.ML.FunctionalDnn.Benchmarks.Workloads.WorkloadBenchmark.RunOne(args[1]);
        break;
    case "workloads":
        Microsoft.ML.FunctionalDnn.Benchmarks.Workloads.WorkloadBenchmark.Run(args[1..]);
        break;
    default:
        Console.Error.WriteLine($"Unknown benchmark '{command}'. Expected one of: gemm, ops, workloads.");
        return 2;
}
return 0;
