using Microsoft.ML.FunctionalDnn.Optimizers.Schedules;

namespace Microsoft.ML.FunctionalDnn.Optimizers;

/// <summary>
/// Nadam — Adam with Nesterov momentum and Keras's momentum schedule u_t = β₁(1 - ½·0.96ᵗ) (defaults:
/// lr 1e-3, β₁ 0.9, β₂ 0.999, ε 1e-7): m̂ = u_{t+1}·m/(1 - Πu_{1…t+1}) + (1-u_t)·g/(1 - Πu_{1…t});
/// v̂ = v/(1-β₂ᵗ); w -= m̂·lr/(√v̂ + ε).
/// </summary>
public sealed class Nadam(float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f, LearningRateSchedule? schedule = null, OptimizerOptions? options = null)
    : Optimizer(learningRate, schedule, options)
{
    private long _productStep;
    private double _uProduct = 1;

    /// <inheritdoc/>
    public override string Name => "nadam";

    private protected override IReadOnlyList<string> SlotNames => ["momentum", "velocity"];

    private protected override IEnumerable<KeyValuePair<string, object?>> HyperParameters() => [new("beta_1", beta1), new("beta_2", beta2), new("epsilon", epsilon)];

    private double U(long t) => beta1 * (1 - 0.5 * Math.Pow(0.96, t));

    // The running product u_1 … u_t is shared by every weight: advanced once per step (Keras's
    // u_product variable), recomputed when the step count jumped (a restored state).
    private protected override void BeginStep(long step)
    {
        if (_productStep != step - 1)
        {
            _uProduct = 1;
            for (long t = 1; t < step; t++) _uProduct *= U(t);
        }
        _uProduct *= U(step);
        _productStep = step;
    }

    private protected override void Update(Tensor variable, Tensor gradient, Tensor[] slots, float lr, long step)
    {
        var (m, v) = (slots[0], slots[1]);
        // The schedule's coefficients are numbers: computed on the host in double.
        double uT = U(step), uNext = U(step + 1);
        double productNext = _uProduct * uNext;
        m.AssignAdd((gradient - m) * (1 - beta1));
        v.AssignAdd((Ops.Square(gradient) - v) * (1 - beta2));
        var mHat = (float)uNext * m / (float)(1 - productNext) + (float)(1 - uT) * gradient / (float)(1 - _uProduct);
        var vHat = v / (float)(1 - Math.Pow(beta2, step));
        variable.AssignSub(mHat * lr / (Ops.Sqrt(vHat) + epsilon));
    }
}
