using Microsoft.ML.FunctionalDnn.Losses;
using Microsoft.ML.FunctionalDnn.Metrics;
using Microsoft.ML.FunctionalDnn.Optimizers;

namespace Microsoft.ML.FunctionalDnn;

/// <summary>What <see cref="Model.Compile"/> fixed, as the <see cref="Trainer"/> keeps it: the optimizer, a loss and weight per output, and the metric names per output.</summary>
internal sealed class TrainingSetup(Optimizer optimizer, Loss[] losses, float[] lossWeights, string[][] metricNames)
{
    internal Optimizer Optimizer { get; } = optimizer;

    internal Loss[] Losses { get; } = losses;

    internal float[] LossWeights { get; } = lossWeights;

    internal string[][] MetricNames { get; } = metricNames;

    /// <summary>Fresh metric objects per output (training and validation each get their own).</summary>
    internal Metric[][] CreateMetrics(Model model) =>
        [.. MetricNames.Select((names, o) => names.Select(n => Metric.FromName(n, Losses[o], model.Outputs[o].Shape)).ToArray())];

    /// <summary>Keras's log key of a metric: its name for a single output, <c>&lt;output&gt;_&lt;metric&gt;</c> otherwise.</summary>
    internal static string MetricKey(Model model, int output, Metric metric) =>
        model.Outputs.Count == 1 ? metric.Name : $"{model.OutputNames[output]}_{metric.Name}";
}
