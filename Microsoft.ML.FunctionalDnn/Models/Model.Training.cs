using Microsoft.ML.FunctionalDnn.Callbacks;
using Microsoft.ML.FunctionalDnn.Optimizers;

namespace Microsoft.ML.FunctionalDnn;

/// <summary>
/// Keras's training API on the model: Compile, Fit, Evaluate, Predict and the per-batch calls. The
/// model is the graph; each call forwards to its <see cref="Trainer"/> (Training/), which holds the
/// compiled state and the loops, as Keras 3 keeps <c>Trainer</c> apart from <c>Model</c>.
/// </summary>
public partial class Model
{
    private Trainer? _trainer;

    /// <summary>The trainer of this model, made on first use (Predict needs one before any Compile).</summary>
    internal Trainer Trainer => _trainer ??= new Trainer(this);

    /// <summary>Set by a callback to end Fit after the current batch (Keras's <c>model.stop_training</c>).</summary>
    public bool StopTraining { get => Trainer.StopTraining; set => Trainer.StopTraining = value; }

    /// <summary>The compiled optimizer (null before Compile).</summary>
    public Optimizer? Optimizer => Trainer.Optimizer;

    /// <summary>The keys of the last <see cref="EvaluateValues"/>, in order (Keras's <c>model.metrics_names</c>).</summary>
    public IReadOnlyList<string> MetricsNames => Trainer.MetricsNames;

    /// <summary>
    /// Configures training (Keras's <c>compile</c>): an optimizer (instance or name such as
    /// <c>"rmsprop"</c>), the loss (one for all outputs, a list in output order, or a dictionary by
    /// output name), optional loss weights, and metrics (names for all outputs, a list per output,
    /// or a dictionary by output name; <c>accuracy</c>/<c>acc</c> resolve to the right accuracy).
    /// </summary>
    public void Compile(Optimizer optimizer, LossSpec loss, LossWeights? lossWeights = null, MetricSpec? metrics = null) =>
        Trainer.Compile(optimizer, loss, lossWeights, metrics);

    /// <summary>
    /// Trains for <paramref name="epochs"/> epochs (Keras's <c>fit</c>). <paramref name="x"/> and
    /// <paramref name="y"/> are one tensor, a list in model order, or a dictionary by input/output
    /// name; samples on the first axis.
    /// </summary>
    /// <param name="x">Inputs.</param>
    /// <param name="y">Targets.</param>
    /// <param name="epochs">Index of the last epoch (training runs from <paramref name="initialEpoch"/>).</param>
    /// <param name="batchSize">Samples per gradient update (Keras's default 32).</param>
    /// <param name="validationSplit">The fraction of samples, taken from the end before shuffling, held out for validation.</param>
    /// <param name="validationData">Separate validation inputs and targets (overrides the split).</param>
    /// <param name="shuffle">Shuffle the training samples every epoch.</param>
    /// <param name="classWeight">For a single classification output: a weight per class index, applied to each sample's loss.</param>
    /// <param name="sampleWeight">A weight per sample (samples,), applied to every output's loss.</param>
    /// <param name="initialEpoch">The epoch to start from (to resume training).</param>
    /// <param name="callbacks">Callbacks besides the History (and the progress logger when verbose).</param>
    /// <param name="verbose">0 silent, 1 a progress line per batch, 2 one line per epoch.</param>
    /// <param name="seed">Fixes the shuffling; otherwise it comes from the current <see cref="SeedScope"/>.</param>
    /// <returns>The History of every epoch's logs.</returns>
    public History Fit(DataSpec x, DataSpec y, int epochs = 1, int batchSize = 32, float validationSplit = 0,
        (DataSpec X, DataSpec Y)? validationData = null, bool shuffle = true, IReadOnlyDictionary<int, float>? classWeight = null,
        Tensor? sampleWeight = null, int initialEpoch = 0, IReadOnlyList<Callback>? callbacks = null, int verbose = 1, long? seed = null) =>
        Trainer.Fit(x, y, epochs, batchSize, validationSplit, validationData, shuffle, classWeight, sampleWeight, initialEpoch, callbacks, verbose, seed);

    /// <summary>Loss and metrics on data (Keras's <c>evaluate</c>), keyed as in Fit's logs (without <c>val_</c>); the callbacks get the test hooks.</summary>
    public IReadOnlyDictionary<string, float> Evaluate(DataSpec x, DataSpec y, int batchSize = 32, Tensor? sampleWeight = null, IReadOnlyList<Callback>? callbacks = null) =>
        Trainer.Evaluate(x, y, batchSize, sampleWeight, callbacks);

    /// <summary>
    /// Evaluate's results as a list in Keras's order (its <c>return_dict=False</c> form): the total
    /// loss, each output's loss (for several outputs), then the metrics; the names are in
    /// <see cref="MetricsNames"/> after the call.
    /// </summary>
    public float[] EvaluateValues(DataSpec x, DataSpec y, int batchSize = 32, Tensor? sampleWeight = null) =>
        Trainer.EvaluateValues(x, y, batchSize, sampleWeight);

    /// <summary>One gradient update on one batch (Keras's <c>train_on_batch</c>); returns the batch's loss and metrics.</summary>
    public IReadOnlyDictionary<string, float> TrainOnBatch(DataSpec x, DataSpec y, Tensor? sampleWeight = null) =>
        Trainer.TrainOnBatch(x, y, sampleWeight);

    /// <summary>Loss and metrics on one batch without updating (Keras's <c>test_on_batch</c>).</summary>
    public IReadOnlyDictionary<string, float> TestOnBatch(DataSpec x, DataSpec y, Tensor? sampleWeight = null) =>
        Trainer.TestOnBatch(x, y, sampleWeight);
}
