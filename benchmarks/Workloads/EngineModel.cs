namespace Microsoft.ML.FunctionalDnn.Benchmarks.Workloads;

/// <summary>
/// The weights of a reference workload written directly on the engine's ops (no layers yet), with
/// Keras's initializers and an RMSprop step with Keras's defaults (lr 1e-3, rho 0.9, eps 1e-7).
/// </summary>
internal sealed class EngineModel(RandomGenerator random)
{
    private readonly List<Tensor> _weights = [];
    private readonly List<float[]> _velocity = [];

    private Tensor Register(Tensor w)
    {
        w.RequiresGrad = true;
        _weights.Add(w);
        _velocity.Add(new float[w.Size]);
        return w;
    }

    public Tensor Glorot(params int[] shape)
    {
        int receptive = 1;
        for (int i = 0; i < shape.Length - 2; i++) receptive *= shape[i];
        float fanIn = shape[^2] * receptive, fanOut = shape[^1] * receptive;
        float limit = MathF.Sqrt(6f / (fanIn + fanOut));
        return Register(Tensor.Uniform(new Shape(shape), -limit, limit, random));
    }

    public Tensor Zeros(params int[] shape) => Register(Tensor.Zeros(new Shape(shape)));

    public Tensor Embedding(int vocabulary, int dim) => Register(Tensor.Uniform(new Shape(vocabulary, dim), -0.05f, 0.05f, random));

    public void RmsPropStep()
    {
        const float lr = 1e-3f, rho = 0.9f, eps = 1e-7f;
        for (int i = 0; i < _weights.Count; i++)
        {
            var w = _weights[i];
            if (w.Grad is null) continue;
            var g = w.Grad.Data;
            var v = _velocity[i];
            var d = w.Data;
            // v = rho·v + (1 - rho)·g² ; w -= lr · g / (√v + eps)
            for (int j = 0; j < d.Length; j++)
            {
                v[j] = rho * v[j] + (1 - rho) * g[j] * g[j];
                d[j] -= lr * g[j] / (MathF.Sqrt(v[j]) + eps);
            }
            w.ZeroGrad();
        }
    }
}
