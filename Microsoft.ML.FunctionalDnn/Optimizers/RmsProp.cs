using Microsoft.ML.FunctionalDnn.Backends;
using Microsoft.ML.FunctionalDnn.Optimizers.Schedules;

namespace Microsoft.ML.FunctionalDnn.Optimizers;

/// <summary>
/// RmsProp (Keras defaults: lr 1e-3, rho 0.9, epsilon 1e-7): v = ρv + (1-ρ)g²; w -= lr·g / √(v + ε),
/// or with momentum m = momentum·m + lr·g / √(v + ε) then w -= m.
/// </summary>
public sealed class RmsProp(float learningRate = 1e-3f, float rho = 0.9f, float momentum = 0, float epsilon = 1e-7f, LearningRateSchedule? schedule = null, OptimizerOptions? options = null)
    : Optimizer(learningRate, schedule, options)
{
    /// <inheritdoc/>
    public override string Name => "rmsprop";

    private protected override IReadOnlyList<string> SlotNames => momentum > 0 ? ["velocity", "momentum"] : ["velocity"];

    private protected override IEnumerable<KeyValuePair<string, object?>> HyperParameters() => [new("rho", rho), new("momentum", momentum), new("epsilon", epsilon)];

    private protected override void Update(Tensor variable, Tensor gradient, Tensor[] slots, float lr, long step)
    {
        var velocity = slots[0];
        if (slots.Length == 1 && UseFusedKernels && Backend.Current.TryRmsPropUpdate(variable, gradient, velocity, lr, rho, epsilon)) return;
        // Keras's (1-ρ)·g², grouped ((1-ρ)·g)·g as the fused loop before it was, so seeded runs repeat.
        velocity.Assign(rho * velocity + (1 - rho) * gradient * gradient);
        var increment = lr * gradient / Ops.Sqrt(velocity + epsilon);
        if (slots.Length == 1)
        {
            variable.AssignSub(increment);
            return;
        }
        var m = slots[1];
        m.Assign(momentum * m + increment);
        variable.AssignSub(m);
    }
}
