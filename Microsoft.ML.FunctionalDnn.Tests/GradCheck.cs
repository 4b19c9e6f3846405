namespace Microsoft.ML.FunctionalDnn.Tests;

/// <summary>
/// Finite-difference gradient checks: the analytic gradient of L = Σ f(x) ⊙ R (R a fixed random
/// tensor, so every output element matters with a different weight) is compared with central
/// differences of L computed in double from float32 forward passes.
/// </summary>
internal static class GradCheck
{
    public static void Check(Func<Tensor[], Tensor> f, Tensor[] inputs, float eps = 1e-2f, float tolerance = 2e-2f, int seed = 7)
    {
        foreach (var t in inputs) if (t.DType == DType.Float32) t.RequiresGrad = true;
        var probe = f(inputs);
        var weights = Tensor.Uniform(probe.Shape, -1, 1, new RandomGenerator(seed));
        foreach (var t in inputs) t.ZeroGrad();
        var loss = Ops.Sum(Ops.Multiply(f(inputs), weights));
        loss.Backward();

        for (int which = 0; which < inputs.Length; which++)
        {
            var x = inputs[which];
            if (x.DType != DType.Float32) continue;
            Assert.IsNotNull(x.Grad, $"input {which} received no gradient");
            var analytic = x.Grad.ToArray();
            // Perturbed through host copies and Assign, so the check runs on any backend.
            var data = x.ToArray();
            for (int i = 0; i < data.Length; i++)
            {
                float saved = data[i];
                data[i] = saved + eps;
                Set(x, data);
                double plus = Objective(f, inputs, weights);
                data[i] = saved - eps;
                Set(x, data);
                double minus = Objective(f, inputs, weights);
                data[i] = saved;
                Set(x, data);
                double numeric = (plus - minus) / (2 * eps);
                double err = Math.Abs(numeric - analytic[i]);
                double scale = Math.Max(1.0, Math.Max(Math.Abs(numeric), Math.Abs(analytic[i])));
                Assert.IsLessThanOrEqualTo(tolerance, err / scale,
                    $"input {which} element {i}: analytic {analytic[i]}, numeric {numeric}");
            }
        }
    }

    private static void Set(Tensor x, float[] values)
    {
        using (GradMode.NoGrad()) x.Assign(Tensor.FromArray(values, x.Shape));
    }

    private static double Objective(Func<Tensor[], Tensor> f, Tensor[] inputs, Tensor weights)
    {
        using (GradMode.NoGrad())
        {
            var y = f(inputs).ToArray();
            var w = weights.ToArray();
            double s = 0;
            for (int i = 0; i < y.Length; i++) s += (double)y[i] * w[i];
            return s;
        }
    }

    public static Tensor Rand(RandomGenerator r, params int[] shape) => Tensor.Uniform(new Shape(shape), -1, 1, r);

    /// <summary>Values kept away from 0 and from each other, for ops with kinks (relu, abs, max).</summary>
    public static Tensor RandAwayFromKinks(RandomGenerator r, params int[] shape)
    {
        var t = Tensor.Uniform(new Shape(shape), -1, 1, r);
        var d = t.ToArray();
        var perm = r.Permutation(d.Length);
        for (int i = 0; i < d.Length; i++)
        {
            float v = 0.1f + 0.9f * perm[i] / Math.Max(1, d.Length);
            d[i] = (i % 2 == 0 ? 1 : -1) * v;
        }
        return Tensor.FromArray(d, t.Shape);
    }
}
