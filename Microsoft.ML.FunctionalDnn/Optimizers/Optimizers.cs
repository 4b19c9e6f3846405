using System.Numerics;
using System.Numerics.Tensors;

namespace Microsoft.ML.FunctionalDnn;

/// <summary>Stochastic gradient descent with optional momentum and Nesterov momentum (Keras defaults: lr 0.01).</summary>
public sealed class SGD(float learningRate = 0.01f, float momentum = 0, bool nesterov = false, LearningRateSchedule? schedule = null, OptimizerOptions? options = null)
    : Optimizer(learningRate, schedule, options)
{
    /// <inheritdoc/>
    public override string Name => "sgd";

    private protected override IEnumerable<KeyValuePair<string, object?>> HyperParameters() => [new("momentum", momentum), new("nesterov", nesterov)];

    private protected override void Update(Tensor weight, Span<float> w, ReadOnlySpan<float> g, float lr, long step)
    {
        if (momentum == 0)
        {
            TensorPrimitives.MultiplyAdd(g, -lr, w, w);
            return;
        }
        // m = momentum·m - lr·g ; w += m (Nesterov: w += momentum·m - lr·g)
        var m = Slots(weight, 1)[0];
        TensorPrimitives.Multiply(m, momentum, m);
        TensorPrimitives.MultiplyAdd(g, -lr, m, m);
        if (nesterov)
        {
            TensorPrimitives.MultiplyAdd(m, momentum, w, w);
            TensorPrimitives.MultiplyAdd(g, -lr, w, w);
        }
        else TensorPrimitives.Add(w, m, w);
    }
}

/// <summary>RMSprop (Keras defaults: lr 1e-3, rho 0.9, epsilon 1e-7): v = ρv + (1-ρ)g²; w -= lr·g / √(v + ε).</summary>
public sealed class RMSprop(float learningRate = 1e-3f, float rho = 0.9f, float momentum = 0, float epsilon = 1e-7f, LearningRateSchedule? schedule = null, OptimizerOptions? options = null)
    : Optimizer(learningRate, schedule, options)
{
    /// <inheritdoc/>
    public override string Name => "rmsprop";

    private protected override IEnumerable<KeyValuePair<string, object?>> HyperParameters() => [new("rho", rho), new("momentum", momentum), new("epsilon", epsilon)];

    private protected override void Update(Tensor weight, Span<float> w, ReadOnlySpan<float> g, float lr, long step)
    {
        var slots = Slots(weight, momentum > 0 ? 2 : 1);
        var v = slots[0].AsSpan();
        if (momentum == 0)
        {
            // One fused pass over g, v and w: the embedding tables of text models make this memory-bound.
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                int n = Vector<float>.Count;
                var rhoV = new Vector<float>(rho);
                var oneMinusRho = new Vector<float>(1 - rho);
                var epsV = new Vector<float>(epsilon);
                var lrV = new Vector<float>(lr);
                for (; i <= w.Length - n; i += n)
                {
                    var gi = new Vector<float>(g[i..]);
                    var vi = rhoV * new Vector<float>(v[i..]) + oneMinusRho * gi * gi;
                    vi.CopyTo(v[i..]);
                    (new Vector<float>(w[i..]) - lrV * gi / Vector.SquareRoot(vi + epsV)).CopyTo(w[i..]);
                }
            }
            for (; i < w.Length; i++)
            {
                v[i] = rho * v[i] + (1 - rho) * g[i] * g[i];
                w[i] -= lr * g[i] / MathF.Sqrt(v[i] + epsilon);
            }
            return;
        }
        var t = Scratch(w.Length).AsSpan(0, w.Length);
        TensorPrimitives.Multiply(g, g, t);
        TensorPrimitives.Multiply(t, 1 - rho, t);
        TensorPrimitives.MultiplyAdd(v, rho, t, v);
        TensorPrimitives.Add(v, epsilon, t);
        TensorPrimitives.Sqrt(t, t);
        TensorPrimitives.Divide(g, t, t);
        var m = slots[1];
        TensorPrimitives.Multiply(m, momentum, m);
        TensorPrimitives.MultiplyAdd(t, lr, m, m);
        TensorPrimitives.Subtract(w, m, w);
    }
}

/// <summary>Adam (Keras defaults: lr 1e-3, β₁ 0.9, β₂ 0.999, ε 1e-7), bias-corrected through the step size as Keras computes it.</summary>
public class Adam(float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f, LearningRateSchedule? schedule = null, OptimizerOptions? options = null)
    : Optimizer(learningRate, schedule, options)
{
    /// <inheritdoc/>
    public override string Name => "adam";

    private protected override IEnumerable<KeyValuePair<string, object?>> HyperParameters() => [new("beta_1", beta1), new("beta_2", beta2), new("epsilon", epsilon)];

    private protected override void Update(Tensor weight, Span<float> w, ReadOnlySpan<float> g, float lr, long step)
    {
        var slots = Slots(weight, 2);
        Span<float> m = slots[0], v = slots[1];
        // alpha = lr·√(1-β₂ᵗ)/(1-β₁ᵗ); m += (g-m)(1-β₁); v += (g²-v)(1-β₂); w -= alpha·m/(√v + ε), in one fused pass.
        float alpha = (float)(lr * Math.Sqrt(1 - Math.Pow(beta2, step)) / (1 - Math.Pow(beta1, step)));
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int n = Vector<float>.Count;
            var b1 = new Vector<float>(1 - beta1);
            var b2 = new Vector<float>(1 - beta2);
            var a = new Vector<float>(alpha);
            var eps = new Vector<float>(epsilon);
            for (; i <= w.Length - n; i += n)
            {
                var gi = new Vector<float>(g[i..]);
                var mi = new Vector<float>(m[i..]);
                var vi = new Vector<float>(v[i..]);
                mi += (gi - mi) * b1;
                vi += (gi * gi - vi) * b2;
                mi.CopyTo(m[i..]);
                vi.CopyTo(v[i..]);
                (new Vector<float>(w[i..]) - a * mi / (Vector.SquareRoot(vi) + eps)).CopyTo(w[i..]);
            }
        }
        for (; i < w.Length; i++)
        {
            m[i] += (g[i] - m[i]) * (1 - beta1);
            v[i] += (g[i] * g[i] - v[i]) * (1 - beta2);
            w[i] -= alpha * m[i] / (MathF.Sqrt(v[i]) + epsilon);
        }
    }
}

/// <summary>Adam with decoupled weight decay (Keras defaults: weight decay 0.004).</summary>
public sealed class AdamW(float learningRate = 1e-3f, float weightDecay = 0.004f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f, LearningRateSchedule? schedule = null, OptimizerOptions? options = null)
    : Adam(learningRate, beta1, beta2, epsilon, schedule, (options ?? new OptimizerOptions()) with { WeightDecay = weightDecay })
{
    /// <inheritdoc/>
    public override string Name => "adamw";
}

/// <summary>Adagrad (Keras defaults: lr 1e-3, initial accumulator 0.1, ε 1e-7): a += g²; w -= lr·g/√(a + ε).</summary>
public sealed class Adagrad(float learningRate = 1e-3f, float initialAccumulatorValue = 0.1f, float epsilon = 1e-7f, LearningRateSchedule? schedule = null, OptimizerOptions? options = null)
    : Optimizer(learningRate, schedule, options)
{
    /// <inheritdoc/>
    public override string Name => "adagrad";

    private protected override IEnumerable<KeyValuePair<string, object?>> HyperParameters() => [new("initial_accumulator_value", initialAccumulatorValue), new("epsilon", epsilon)];

    private protected override void Update(Tensor weight, Span<float> w, ReadOnlySpan<float> g, float lr, long step)
    {
        var a = Slots(weight, 1, initialAccumulatorValue)[0];
        var t = Scratch(w.Length).AsSpan(0, w.Length);
        TensorPrimitives.MultiplyAdd(g, g, a, a);
        TensorPrimitives.Add(a, epsilon, t);
        TensorPrimitives.Sqrt(t, t);
        TensorPrimitives.Divide(g, t, t);
        TensorPrimitives.MultiplyAdd(t, -lr, w, w);
    }
}

/// <summary>Adadelta (Keras defaults: lr 1e-3, ρ 0.95, ε 1e-7).</summary>
public sealed class Adadelta(float learningRate = 1e-3f, float rho = 0.95f, float epsilon = 1e-7f, LearningRateSchedule? schedule = null, OptimizerOptions? options = null)
    : Optimizer(learningRate, schedule, options)
{
    /// <inheritdoc/>
    public override string Name => "adadelta";

    private protected override IEnumerable<KeyValuePair<string, object?>> HyperParameters() => [new("rho", rho), new("epsilon", epsilon)];

    private protected override void Update(Tensor weight, Span<float> w, ReadOnlySpan<float> g, float lr, long step)
    {
        var slots = Slots(weight, 2);
        var (accGrad, accDelta) = (slots[0], slots[1]);
        for (int i = 0; i < w.Length; i++)
        {
            accGrad[i] = rho * accGrad[i] + (1 - rho) * g[i] * g[i];
            float delta = -MathF.Sqrt(accDelta[i] + epsilon) * g[i] / MathF.Sqrt(accGrad[i] + epsilon);
            accDelta[i] = rho * accDelta[i] + (1 - rho) * delta * delta;
            w[i] += lr * delta;
        }
    }
}

/// <summary>Nadam — Adam with Nesterov momentum and Keras's momentum schedule u_t = β₁(1 - ½·0.96ᵗ) (defaults: lr 1e-3, β₁ 0.9, β₂ 0.999, ε 1e-7).</summary>
public sealed class Nadam(float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f, LearningRateSchedule? schedule = null, OptimizerOptions? options = null)
    : Optimizer(learningRate, schedule, options)
{
    private long _productStep;
    private double _uProduct = 1;

    /// <inheritdoc/>
    public override string Name => "nadam";

    private protected override IEnumerable<KeyValuePair<string, object?>> HyperParameters() => [new("beta_1", beta1), new("beta_2", beta2), new("epsilon", epsilon)];

    private protected override void Update(Tensor weight, Span<float> w, ReadOnlySpan<float> g, float lr, long step)
    {
        // The running product of u_1 … u_t, shared by every weight: advanced once per step, recomputed after a restore.
        if (_productStep != step)
        {
            if (_productStep != step - 1)
            {
                _uProduct = 1;
                for (long t = 1; t < step; t++) _uProduct *= beta1 * (1 - 0.5 * Math.Pow(0.96, t));
            }
            _uProduct *= beta1 * (1 - 0.5 * Math.Pow(0.96, step));
            _productStep = step;
        }
        double uT = beta1 * (1 - 0.5 * Math.Pow(0.96, step));
        double uNext = beta1 * (1 - 0.5 * Math.Pow(0.96, step + 1));
        double productNext = _uProduct * uNext;
        double beta2Power = Math.Pow(beta2, step);
        float a = (float)(uNext / (1 - productNext)), b = (float)((1 - uT) / (1 - _uProduct));
        float vScale = (float)(1 / (1 - beta2Power));
        var slots = Slots(weight, 2);
        var (m, v) = (slots[0], slots[1]);
        for (int i = 0; i < w.Length; i++)
        {
            m[i] += (g[i] - m[i]) * (1 - beta1);
            v[i] += (g[i] * g[i] - v[i]) * (1 - beta2);
            float mHat = a * m[i] + b * g[i];
            w[i] -= lr * mHat / (MathF.Sqrt(v[i] * vScale) + epsilon);
        }
    }
}
