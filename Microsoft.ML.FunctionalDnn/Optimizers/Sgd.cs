using Microsoft.ML.FunctionalDnn.Optimizers.Schedules;

namespace Microsoft.ML.FunctionalDnn.Optimizers;

/// <summary>
/// Stochastic gradient descent with optional momentum and Nesterov momentum (Keras defaults: lr 0.01):
/// w -= lr·g, or with momentum m = momentum·m - lr·g then w += m (Nesterov: w += momentum·m - lr·g).
/// </summary>
public sealed class Sgd(float learningRate = 0.01f, float momentum = 0, bool nesterov = false, LearningRateSchedule? schedule = null, OptimizerOptions? options = null)
    : Optimizer(learningRate, schedule, options)
{
    /// <inheritdoc/>
    public override string Name => "sgd";

    private protected override IReadOnlyList<string> SlotNames => momentum != 0 ? ["momentum"] : [];

    private protected override IEnumerable<KeyValuePair<string, object?>> HyperParameters() => [new("momentum", momentum), new("nesterov", nesterov)];

    private protected override void Update(Tensor variable, Tensor gradient, Tensor[] slots, float lr, long step)
    {
        if (slots.Length == 0)
        {
            variable.AssignSub(gradient * lr);
            return;
        }
        var m = slots[0];
        m.Assign(m * momentum - gradient * lr);
        if (nesterov) variable.AssignAdd(m * momentum - gradient * lr);
        else variable.AssignAdd(m);
    }
}
