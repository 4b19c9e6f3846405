using Microsoft.ML.FunctionalDnn.Backends;
using Microsoft.ML.FunctionalDnn.Optimizers.Schedules;

namespace Microsoft.ML.FunctionalDnn.Optimizers;

/// <summary>
/// Adam (Keras defaults: lr 1e-3, β₁ 0.9, β₂ 0.999, ε 1e-7), bias-corrected through the step size as
/// Keras computes it: α = lr·√(1-β₂ᵗ)/(1-β₁ᵗ); m += (g-m)(1-β₁); v += (g²-v)(1-β₂); w -= m·α/(√v + ε).
/// </summary>
public class Adam(float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f, LearningRateSchedule? schedule = null, OptimizerOptions? options = null)
    : Optimizer(learningRate, schedule, options)
{
    /// <inheritdoc/>
    public override string Name => "adam";

    private protected override IReadOnlyList<string> SlotNames => ["momentum", "velocity"];

    private protected override IEnumerable<KeyValuePair<string, object?>> HyperParameters() => [new("beta_1", beta1), new("beta_2", beta2), new("epsilon", epsilon)];

    private protected override void Update(Tensor variable, Tensor gradient, Tensor[] slots, float lr, long step)
    {
        var (m, v) = (slots[0], slots[1]);
        // The step size is one number: computed on the host in double, as the fused loop before it did.
        float alpha = (float)(lr * Math.Sqrt(1 - Math.Pow(beta2, step)) / (1 - Math.Pow(beta1, step)));
        if (UseFusedKernels && Backend.Current.TryAdamUpdate(variable, gradient, m, v, alpha, beta1, beta2, epsilon)) return;
        m.AssignAdd((gradient - m) * (1 - beta1));
        v.AssignAdd((Ops.Square(gradient) - v) * (1 - beta2));
        variable.AssignSub(m * alpha / (Ops.Sqrt(v) + epsilon));
    }
}
