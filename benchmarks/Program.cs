using Microsoft.ML.FunctionalDnn.Benchmarks;

// dotnet run -c Release --project benchmarks -- <command>
//   gemm      GFLOP/s of the GEMM on square and DNN-shaped products, one core and all cores
//   ops       per-op overhead on small tensors (BenchmarkDotNet)
string command = args.Length > 0 ? args[0] : "gemm";
switch (command)
{
    case "gemm":
        GemmBenchmark.Run();
        break;
    case "ops":
        BenchmarkDotNet.Running.BenchmarkRunner.Run<SmallOpBenchmarks>(args: args[1..]);
        break;
    default:
        Console.Error.WriteLine($"Unknown benchmark '{command}'. Expected one of: gemm, ops.");
        return 2;
}
return 0;
