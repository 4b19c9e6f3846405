using Microsoft.ML.FunctionalDnn.Tests.Layers;
using static Microsoft.ML.FunctionalDnn.Keras;

namespace Microsoft.ML.FunctionalDnn.Tests.Backends.Torch;

/// <summary>The layer conformance suite again, on the torch backend.</summary>
[TestClass]
public sealed class TorchLayerConformanceTests : LayerConformanceTests
{
    protected override string BackendName => "torch";
}

/// <summary>
/// Every layer of the conformance suite, built with the same seed on both backends, gives the
/// same outputs and the same gradients (of its weights and of its input) within 1e-4 of the
/// largest magnitude — the initializers draw on the host, so both start from identical weights.
/// </summary>
[TestClass]
public sealed class LayerParityTests
{
    public static IEnumerable<object[]> AllCases() => LayerConformanceTests.AllCases();

    public static string DisplayName(System.Reflection.MethodInfo method, object[] data) => $"{method.Name}({data[0]})";

    [TestMethod]
    [DynamicData(nameof(AllCases), DynamicDataDisplayName = nameof(DisplayName))]
    public void LayerAgreesAcrossBackends(LayerConformanceTests.Case c)
    {
        var torch = TestBackends.Torch;
        Dictionary<string, float[]> managed;
        using (TestBackends.Use("managed")) managed = Run(c);
        Dictionary<string, float[]> onTorch;
        using (Microsoft.ML.FunctionalDnn.Backends.Backend.Use(torch)) onTorch = Run(c);
        CollectionAssert.AreEquivalent(managed.Keys.ToList(), onTorch.Keys.ToList(), "the same tensors were compared");
        foreach (var (name, expected) in managed) AssertClose(expected, onTorch[name], $"{c.Name}: {name}");
    }

    /// <summary>Output, weights' gradients and input gradient of L = Σ y ⊙ R, in training mode.</summary>
    private static Dictionary<string, float[]> Run(LayerConformanceTests.Case c)
    {
        using var seed = SeedScope.Begin(21);
        var layer = c.Create();
        layer.Apply(Input(c.InputShape, c.DType));
        var r = new RandomGenerator(22);
        var dims = new[] { 3 }.Concat(c.InputShape.Select(d => d!.Value)).ToArray();
        var x = c.DType == DType.Int32 ? Tensor.RandomInts(new Shape(dims), 0, 10, r) : Tensor.Uniform(new Shape(dims), -1, 1, r);
        if (x.DType == DType.Float32) x.RequiresGrad = true;
        var y = layer.Apply(x, training: true);
        var weights = Tensor.Uniform(y.Shape, -1, 1, new RandomGenerator(23));
        var loss = Ops.Sum(Ops.Multiply(y, weights));
        loss.Backward();
        var result = new Dictionary<string, float[]> { ["output"] = y.ToArray() };
        if (x.DType == DType.Float32) result["d input"] = x.Grad!.ToArray();
        int i = 0;
        foreach (var w in layer.TrainableWeights) result[$"d weight {i++} {w.Shape}"] = w.Grad?.ToArray() ?? [];
        return result;
    }

    internal static void AssertClose(float[] expected, float[] actual, string what, double tolerance = 1e-4)
    {
        Assert.HasCount(expected.Length, actual, what);
        double scale = Math.Max(expected.Length == 0 ? 0 : expected.Max(v => Math.Abs((double)v)), 1e-6);
        for (int i = 0; i < expected.Length; i++)
        {
            double err = Math.Abs((double)expected[i] - actual[i]) / scale;
            Assert.IsLessThanOrEqualTo(tolerance, err, $"{what}[{i}]: managed {expected[i]}, torch {actual[i]} (relative to the largest magnitude {scale})");
        }
    }
}
