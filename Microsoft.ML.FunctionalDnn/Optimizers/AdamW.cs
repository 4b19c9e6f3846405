using Microsoft.ML.FunctionalDnn.Optimizers.Schedules;

namespace Microsoft.ML.FunctionalDnn.Optimizers;

/// <summary>Adam with decoupled weight decay (Keras defaults: weight decay 0.004): w -= w·decay·lr before each Adam step.</summary>
public sealed class AdamW(float learningRate = 1e-3f, float weightDecay = 0.004f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f, LearningRateSchedule? schedule = null, OptimizerOptions? options = null)
    : Adam(learningRate, beta1, beta2, epsilon, schedule, (options ?? new OptimizerOptions()) with { WeightDecay = weightDecay })
{
    /// <inheritdoc/>
    public override string Name => "adamw";
}
