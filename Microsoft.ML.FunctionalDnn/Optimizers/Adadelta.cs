using Microsoft.ML.FunctionalDnn.Optimizers.Schedules;

namespace Microsoft.ML.FunctionalDnn.Optimizers;

/// <summary>
/// Adadelta (Keras defaults: lr 1e-3, ρ 0.95, ε 1e-7): a = ρa + (1-ρ)g²; Δ = -√(d + ε)·g/√(a + ε);
/// d = ρd + (1-ρ)Δ²; w += lr·Δ.
/// </summary>
public sealed class Adadelta(float learningRate = 1e-3f, float rho = 0.95f, float epsilon = 1e-7f, LearningRateSchedule? schedule = null, OptimizerOptions? options = null)
    : Optimizer(learningRate, schedule, options)
{
    /// <inheritdoc/>
    public override string Name => "adadelta";

    private protected override IReadOnlyList<string> SlotNames => ["accumulated_grad", "accumulated_delta_var"];

    private protected override IEnumerable<KeyValuePair<string, object?>> HyperParameters() => [new("rho", rho), new("epsilon", epsilon)];

    private protected override void Update(Tensor variable, Tensor gradient, Tensor[] slots, float lr, long step)
    {
        var (accumulatedGrad, accumulatedDelta) = (slots[0], slots[1]);
        // Keras's (1-ρ)·g², grouped ((1-ρ)·g)·g as the loop before it was (and as RmsProp is), so seeded runs repeat.
        accumulatedGrad.Assign(rho * accumulatedGrad + (1 - rho) * gradient * gradient);
        var delta = -(Rms(accumulatedDelta) * gradient / Rms(accumulatedGrad));
        accumulatedDelta.Assign(rho * accumulatedDelta + (1 - rho) * delta * delta);
        variable.AssignAdd(lr * delta);
    }

    private Tensor Rms(Tensor x) => Ops.Sqrt(x + epsilon);
}
