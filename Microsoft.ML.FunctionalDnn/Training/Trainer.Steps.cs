using Microsoft.ML.FunctionalDnn.Backends;
using Microsoft.ML.FunctionalDnn.Metrics;

namespace Microsoft.ML.FunctionalDnn;

/// <summary>
/// The step functions, Keras 3's <c>train_step</c>, <c>test_step</c> and <c>predict_step</c>: one
/// batch each, inside a <see cref="TensorScope"/> so a step's temporaries go back to the pool.
/// </summary>
internal sealed partial class Trainer
{
    /// <summary>
    /// One gradient update, in the shape of Keras 3's torch trainer: the forward pass and the loss,
    /// the backend's gradients of the loss for the trainable weights, the optimizer's update from
    /// them, then the gradients cleared for the next step. Data-parallel (<paramref name="parallel"/>),
    /// the batch is this rank's rows: its gradients are summed with the other ranks' (each weighted by
    /// its share of the global batch) before the same update is applied everywhere, and a rank without
    /// rows in this batch contributes zeros but still takes part in the collective.
    /// </summary>
    private (float Total, float[] PerOutput) TrainStep(Batch batch, Metric[][] metrics, Distributed.DataParallel? parallel = null)
    {
        var setup = Compiled;
        using var scope = TensorScope.Begin();
        if (parallel is not null && batch.Count == 0)
        {
            Tensor[] built = [.. Model.Weights.Where(w => w.Trainable).Select(w => w.Value)];
            setup.Optimizer.Apply(parallel.AllReduceGradients(null, built, 0, batch.GlobalRows), built);
            return (0, new float[Model.OutputNames.Count]);
        }
        // The weights are read after the forward pass, which builds a Sequential that waited for its input shape.
        var predictions = Model.ApplyMany(batch.X, training: true);
        var (total, perOutput) = LossOf(setup, batch.Y, predictions, batch.Weights);
        var weights = Model.Weights;
        Tensor[] trainable = [.. weights.Where(w => w.Trainable).Select(w => w.Value)];
        var gradients = Backend.Current.Gradients(total, trainable);
        setup.Optimizer.Apply(parallel is null ? gradients : parallel.AllReduceGradients(gradients, trainable, batch.Count, batch.GlobalRows), trainable);
        // Frozen weights are cleared too: backward may reach them (a layer frozen after it was built).
        Backend.Current.ClearGradients([.. weights.Select(w => w.Value)]);
        UpdateMetrics(metrics, batch.Y, predictions, batch.Weights);
        return (TotalValue(setup, total, perOutput), perOutput);
    }

    /// <summary>
    /// Reads the next batch and runs <paramref name="step"/> on it inside one tensor scope, so the
    /// batch's tensors (gathered rows on the backend's device, streamed columns) end with its step
    /// instead of waiting for the garbage collector; what the caller does after (logs, the batch-end
    /// callbacks) runs outside that scope, so what it makes is its own. False at the end of the data.
    /// </summary>
    private static bool NextStep(IEnumerator<Batch> batches, Func<Batch, (float Total, float[] PerOutput)> step, out float total, out float[] perOutput, out int count)
    {
        using var scope = TensorScope.Begin();
        if (!batches.MoveNext())
        {
            (total, perOutput, count) = (0, [], 0);
            return false;
        }
        var batch = batches.Current;
        (total, perOutput) = step(batch);
        count = batch.Count;
        return true;
    }

    /// <summary>The loss and metric updates of one batch, without gradients.</summary>
    private (float Total, float[] PerOutput) TestStep(Batch batch, Metric[][] metrics)
    {
        var setup = Compiled;
        using var scope = TensorScope.Begin();
        using var noGrad = GradMode.NoGrad();
        var predictions = Model.ApplyMany(batch.X, training: false);
        var (total, perOutput) = LossOf(setup, batch.Y, predictions, batch.Weights);
        UpdateMetrics(metrics, batch.Y, predictions, batch.Weights);
        return (TotalValue(setup, total, perOutput), perOutput);
    }

    /// <summary>The total's value: for one output of weight 1 the total is that output's loss, already read.</summary>
    private static float TotalValue(TrainingSetup setup, Tensor total, float[] perOutput) =>
        perOutput.Length == 1 && setup.LossWeights[0] == 1 ? perOutput[0] : total.Item();

    /// <summary>The outputs for one batch in inference mode; the caller's scope owns them.</summary>
    private IReadOnlyList<Tensor> PredictStep(Tensor[] x)
    {
        using var noGrad = GradMode.NoGrad();
        return Model.ApplyMany(x, training: false);
    }

    /// <summary>The weighted sum of the outputs' losses (differentiable) and each output's own loss value.</summary>
    private (Tensor Total, float[] PerOutput) LossOf(TrainingSetup setup, Tensor[] targets, IReadOnlyList<Tensor> predictions, Tensor? weights)
    {
        Tensor? total = null;
        var perOutput = new float[predictions.Count];
        for (int o = 0; o < predictions.Count; o++)
        {
            Tensor loss;
            try
            {
                loss = setup.Losses[o].Compute(targets[o], predictions[o], weights);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"Output '{Model.OutputNames[o]}' of model '{Model.Name}': {e.Message}", e);
            }
            perOutput[o] = loss.Item();
            var weighted = setup.LossWeights[o] == 1 ? loss : Ops.Multiply(loss, Tensor.Scalar(setup.LossWeights[o]));
            total = total is null ? weighted : Ops.Add(total, weighted);
        }
        return (total!, perOutput);
    }

    private static void UpdateMetrics(Metric[][] metrics, Tensor[] targets, IReadOnlyList<Tensor> predictions, Tensor? weights)
    {
        using (GradMode.NoGrad())
            for (int o = 0; o < metrics.Length; o++)
                foreach (var m in metrics[o]) m.Update(targets[o], predictions[o].Detach(), weights);
    }
}
