using Microsoft.ML.FunctionalDnn.Optimizers.Schedules;

namespace Microsoft.ML.FunctionalDnn.Optimizers;

/// <summary>Adagrad (Keras defaults: lr 1e-3, initial accumulator 0.1, ε 1e-7): a += g²; w -= lr·g/√(a + ε).</summary>
public sealed class Adagrad(float learningRate = 1e-3f, float initialAccumulatorValue = 0.1f, float epsilon = 1e-7f, LearningRateSchedule? schedule = null, OptimizerOptions? options = null)
    : Optimizer(learningRate, schedule, options)
{
    /// <inheritdoc/>
    public override string Name => "adagrad";

    private protected override IReadOnlyList<string> SlotNames => ["accumulator"];

    private protected override float InitialSlotValue => initialAccumulatorValue;

    private protected override IEnumerable<KeyValuePair<string, object?>> HyperParameters() => [new("initial_accumulator_value", initialAccumulatorValue), new("epsilon", epsilon)];

    private protected override void Update(Tensor variable, Tensor gradient, Tensor[] slots, float lr, long step)
    {
        var accumulator = slots[0];
        accumulator.AssignAdd(Ops.Square(gradient));
        variable.AssignSub(lr * gradient / Ops.Sqrt(accumulator + epsilon));
    }
}
