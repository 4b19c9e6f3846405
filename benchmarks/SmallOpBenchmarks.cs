using BenchmarkDotNet.Attributes;

namespace Microsoft.ML.FunctionalDnn.Benchmarks;

/// <summary>What one op costs on a 32-element tensor, with and without the autograd tape.</summary>
[MemoryDiagnoser]
public class SmallOpBenchmarks
{
    private Tensor _x = null!, _y = null!, _w = null!;

    [GlobalSetup]
    public void Setup()
    {
        var r = new RandomGenerator(0);
        _x = Tensor.Uniform(new Shape(32), -1, 1, r);
        _y = Tensor.Uniform(new Shape(32), -1, 1, r);
        _w = Tensor.Uniform(new Shape(32), -1, 1, r);
        _w.RequiresGrad = true;
    }

    [Benchmark]
    public Tensor AddNoGrad() => Ops.Add(_x, _y);

    [Benchmark]
    public Tensor ReluNoGrad() => Ops.Relu(_x);

    [Benchmark]
    public Tensor AddRecorded() => Ops.Add(_w, _y);

    [Benchmark]
    public float AddInScope()
    {
        using var scope = TensorScope.Begin();
        return Ops.Add(_x, _y).Data[0];
    }
}
