using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.FunctionalDnn.Summaries;

namespace Microsoft.ML.FunctionalDnn.Callbacks;

/// <summary>How often the <see cref="TensorBoard"/> callback writes: every epoch, or every N batches.</summary>
public readonly record struct UpdateFrequency
{
    private UpdateFrequency(int batches) => Batches = batches;

    /// <summary>Batches between batch-level points; 0 writes only epoch-level points.</summary>
    public int Batches { get; }

    /// <summary>Epoch-level points only (Keras's <c>"epoch"</c>).</summary>
    public static UpdateFrequency Epoch => default;

    /// <summary>Also a point every <paramref name="batches"/> batches.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batches"/> is not positive.</exception>
    public static UpdateFrequency EveryBatches(int batches)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batches, 1);
        return new UpdateFrequency(batches);
    }

    /// <summary>Keras's spellings: <c>"epoch"</c>, <c>"batch"</c> (every batch), or a number of batches.</summary>
    /// <exception cref="ArgumentException">Anything else.</exception>
    public static UpdateFrequency Parse(string value) => value switch
    {
        "epoch" => Epoch,
        "batch" => EveryBatches(1),
        _ when int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n > 0 => EveryBatches(n),
        _ => throw new ArgumentException($"updateFreq must be \"epoch\", \"batch\" or a positive number of batches; received \"{value}\".", nameof(value)),
    };

    /// <summary>Lets <c>updateFreq: "epoch"</c> be written as in Keras.</summary>
    public static implicit operator UpdateFrequency(string value) => Parse(value);

    /// <summary>Lets <c>updateFreq: 100</c> be written as in Keras.</summary>
    public static implicit operator UpdateFrequency(int batches) => EveryBatches(batches);
}

/// <summary>
/// Writes TensorBoard logs during training (Keras's TensorBoard callback): runs <c>train/</c> and
/// <c>validation/</c> under <paramref name="logDir"/> with <c>epoch_&lt;name&gt;</c> scalars for every
/// log value (the <c>val_</c> prefix dropped in <c>validation/</c>, so the curves overlay),
/// <c>epoch_learning_rate</c>, <c>batch_&lt;name&gt;</c> every N batches when asked, weight
/// histograms every <paramref name="histogramFreq"/> epochs, and the model graph. Then run
/// <c>tensorboard --logdir logs</c>.
/// </summary>
/// <param name="logDir">The directory of the two runs.</param>
/// <param name="histogramFreq">Epochs between weight histograms (<c>&lt;weight path&gt;/histogram</c>); 0 writes none.</param>
/// <param name="writeGraph">Write the layer graph (Graphs dashboard) and the Keras config (conceptual graph) once.</param>
/// <param name="updateFreq"><c>"epoch"</c> (default), <c>"batch"</c>, or a number of batches between batch-level points.</param>
/// <param name="writeStepsPerSecond">Also write <c>epoch_steps_per_second</c> (and <c>batch_steps_per_second</c>).</param>
public sealed class TensorBoard(string logDir = "logs", int histogramFreq = 0, bool writeGraph = true,
    UpdateFrequency updateFreq = default, bool writeStepsPerSecond = false) : Callback, IDisposable
{
    private SummaryWriter? _train, _validation;
    private bool _graphWritten;
    private readonly Stopwatch _epochClock = new(), _batchClock = new();
    private int _epochBatches;

    /// <summary>The directory of the runs.</summary>
    public string LogDir { get; } = logDir ?? throw new ArgumentNullException(nameof(logDir));

    private SummaryWriter Train => _train ??= new SummaryWriter(Path.Combine(LogDir, "train"));

    private SummaryWriter Validation => _validation ??= new SummaryWriter(Path.Combine(LogDir, "validation"));

    private long Iterations => Model.Optimizer?.Iterations ?? 0;

    /// <inheritdoc/>
    public override void OnTrainBegin(IReadOnlyDictionary<string, float> logs)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(histogramFreq);
        if (writeGraph && !_graphWritten)
        {
            Train.Graph(Model);
            _graphWritten = true;
        }
        Train.Flush();
    }

    /// <inheritdoc/>
    public override void OnEpochBegin(int epoch, IReadOnlyDictionary<string, float> logs)
    {
        _epochBatches = 0;
        _epochClock.Restart();
        _batchClock.Restart();
    }

    /// <inheritdoc/>
    public override void OnTrainBatchEnd(int batch, IReadOnlyDictionary<string, float> logs)
    {
        ArgumentNullException.ThrowIfNull(logs);
        _epochBatches++;
        if (updateFreq.Batches == 0 || Iterations % updateFreq.Batches != 0) return;
        foreach (var (key, value) in logs) Train.Scalar("batch_" + key, value, Iterations);
        if (writeStepsPerSecond)
        {
            Train.Scalar("batch_steps_per_second", updateFreq.Batches / Math.Max(_batchClock.Elapsed.TotalSeconds, 1e-9), Iterations);
            _batchClock.Restart();
        }
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, float> logs)
    {
        ArgumentNullException.ThrowIfNull(logs);
        foreach (var (key, value) in logs)
        {
            if (key.StartsWith("val_", StringComparison.Ordinal)) Validation.Scalar("epoch_" + key[4..], value, epoch);
            else Train.Scalar("epoch_" + key, value, epoch);
        }
        if (writeStepsPerSecond)
            Train.Scalar("epoch_steps_per_second", _epochBatches / Math.Max(_epochClock.Elapsed.TotalSeconds, 1e-9), epoch);
        if (histogramFreq > 0 && epoch % histogramFreq == 0)
            foreach (var (name, weight) in Model.NamedWeights()) Train.Histogram(name + "/histogram", weight, epoch);
        _train?.Flush();
        _validation?.Flush();
    }

    /// <summary>After <c>Evaluate(…, callbacks)</c>: <c>evaluation_&lt;name&gt;_vs_iterations</c> in <c>validation/</c>, at the optimizer's step.</summary>
    public override void OnTestEnd(IReadOnlyDictionary<string, float> logs)
    {
        ArgumentNullException.ThrowIfNull(logs);
        foreach (var (key, value) in logs) Validation.Scalar($"evaluation_{key}_vs_iterations", value, Iterations);
        Validation.Flush();
    }

    /// <inheritdoc/>
    public override void OnTrainEnd(IReadOnlyDictionary<string, float> logs) => Dispose();

    /// <summary>Flushes and closes the event files; a later Fit with this callback starts new files.</summary>
    public void Dispose()
    {
        _train?.Dispose();
        _validation?.Dispose();
        _train = _validation = null;
    }
}
