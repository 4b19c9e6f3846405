namespace Microsoft.ML.FunctionalDnn.Benchmarks.Workloads;

/// <summary>The losses of the reference workloads, on probabilities clipped at 1e-7 as Keras does.</summary>
internal static class Losses
{
    public static Tensor CategoricalCrossentropy(Tensor probabilities, Tensor targets) =>
        -Ops.Mean(Ops.Sum(targets * Ops.Log(Ops.Clip(probabilities, 1e-7f, 1 - 1e-7f)), axis: -1));

    public static Tensor BinaryCrossentropy(Tensor probabilities, Tensor targets)
    {
        var p = Ops.Clip(probabilities, 1e-7f, 1 - 1e-7f);
        return -Ops.Mean(targets * Ops.Log(p) + (1f - targets) * Ops.Log(1f - p));
    }

    public static Tensor MeanSquaredError(Tensor predictions, Tensor targets) => Ops.Mean(Ops.Square(predictions - targets));
}
