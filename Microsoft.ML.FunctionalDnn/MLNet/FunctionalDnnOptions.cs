using Microsoft.ML.FunctionalDnn.Callbacks;

namespace Microsoft.ML.FunctionalDnn.Transforms;

/// <summary>How a <see cref="FunctionalDnnEstimator"/> maps columns to the model and trains it.</summary>
public sealed class FunctionalDnnOptions
{
    /// <summary>Model input name → the column feeding it; inputs not listed read the column of their own name.</summary>
    public IDictionary<string, string> InputColumns { get; } = new Dictionary<string, string>();

    /// <summary>Model output name → its label column; with one output, <see cref="LabelColumnName"/> is used when it is not listed.</summary>
    public IDictionary<string, string> LabelColumns { get; } = new Dictionary<string, string>();

    /// <summary>The label column of a single-output model (default "Label").</summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>Model output name → the name of the column of its values (default: the output's name).</summary>
    public IDictionary<string, string> OutputColumns { get; } = new Dictionary<string, string>();

    /// <summary>
    /// Layer name → a column of that layer's output (an embedding, a bottleneck), added beside the
    /// model's outputs so that a later ML.NET trainer can use it as its features. The layer must be
    /// called once in the model.
    /// </summary>
    public IDictionary<string, string> IntermediateOutputColumns { get; } = new Dictionary<string, string>();

    /// <summary>
    /// The column of the predicted class when exactly one output is trained on a key or boolean
    /// label (default "PredictedLabel", as ML.NET's trainers); with several, each is named
    /// "&lt;output column&gt;_PredictedLabel". A key column carries the label's key values, so
    /// MapKeyToValue turns it back into the original value.
    /// </summary>
    public string PredictedLabelColumnName { get; set; } = "PredictedLabel";

    /// <summary>Where variable-length sequences (token keys) are padded with 0 to the model input's length: <see cref="SequencePadding.Pre"/> (Keras's pad_sequences default) or <see cref="SequencePadding.Post"/>.</summary>
    public SequencePadding Padding { get; set; } = SequencePadding.Pre;

    /// <summary>Which end of a sequence longer than the model input is cut: <see cref="SequencePadding.Pre"/> (Keras's pad_sequences default: keep the last steps) or <see cref="SequencePadding.Post"/>.</summary>
    public SequencePadding Truncating { get; set; } = SequencePadding.Pre;

    /// <summary>Passes over the training data (default 10).</summary>
    public int Epochs { get; set; } = 10;

    /// <summary>Rows per gradient update, and per prediction batch when transforming (default 32).</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>The last fraction of the rows held out for validation (as Keras's validation_split); 0 for none.</summary>
    public float ValidationFraction { get; set; }

    /// <summary>Separate validation rows, with the same columns as the training data (overrides <see cref="ValidationFraction"/>).</summary>
    public IDataView? ValidationData { get; set; }

    /// <summary>Callbacks for Fit (EarlyStopping, TensorBoard …).</summary>
    public IList<Callback> Callbacks { get; } = [];

    /// <summary>
    /// Read the data once before training and check every value (default true), so that a bad row
    /// anywhere stops Fit before the model changes. Set false when one extra pass over a big streamed
    /// source costs too much: a bad row then stops Fit where it is met, and the model keeps the steps
    /// it took.
    /// </summary>
    public bool ValidateBeforeTraining { get; set; } = true;

    /// <summary>Shuffle the rows every epoch (default true).</summary>
    public bool Shuffle { get; set; } = true;

    /// <summary>Fixes shuffling and dropout (ML.NET does not expose MLContext's seed, so it is given here).</summary>
    public long? Seed { get; set; }

    /// <summary>0 silent, 1 a progress bar, 2 a line per epoch.</summary>
    public int Verbose { get; set; }
}
