using System.Runtime.CompilerServices;
using Microsoft.Data.Analysis;
using Microsoft.ML.Data;
using Microsoft.ML.FunctionalDnn.Callbacks;
using Microsoft.ML.FunctionalDnn.Transforms;

namespace Microsoft.ML.FunctionalDnn.DataFrames;

/// <summary>
/// Keras's Fit, Evaluate and Predict on a Microsoft.Data.Analysis <see cref="DataFrame"/>, so that a
/// notebook never converts columns to tensors by hand. Each model input reads the column of its own
/// name unless <c>inputs</c> maps it (one column, or several concatenated); <c>targets</c> names a
/// column per model output. Columns are checked as the ML.NET estimator checks them (types, sizes,
/// an Embedding's id range), and nulls are refused (a DataFrame read as a data view would give 0).
/// A text target column is a class label: its distinct values, sorted ordinally, are the classes
/// 0, 1, 2 … (what a LabelEncoder would give); <see cref="GetClassNames"/> returns them and Predict
/// names its columns after them.
/// </summary>
public static class DataFrameModelExtensions
{
    private static readonly ConditionalWeakTable<Model, Dictionary<string, string[]>> Classes = [];

    /// <summary>Trains the compiled <paramref name="model"/> on the rows of <paramref name="data"/> (Keras's <c>fit</c>).</summary>
    /// <param name="model">A compiled model.</param>
    /// <param name="data">The training rows.</param>
    /// <param name="targets">The target column of each output: one name, names in output order, or a dictionary output name → column(s).</param>
    /// <param name="inputs">The columns of the inputs that do not read the column of their own name: names in input order, or a dictionary input name → column(s).</param>
    /// <param name="epochs">Index of the last epoch (training runs from <paramref name="initialEpoch"/>).</param>
    /// <param name="batchSize">Rows per gradient update.</param>
    /// <param name="validationSplit">The last fraction of the rows, held out for validation before shuffling (Keras's validation_split).</param>
    /// <param name="validationData">Separate validation rows with the same columns (overrides the split); text targets use the training classes.</param>
    /// <param name="shuffle">Shuffle the training rows every epoch.</param>
    /// <param name="initialEpoch">The epoch to start from.</param>
    /// <param name="callbacks">Callbacks besides the History.</param>
    /// <param name="verbose">0 silent, 1 a progress line per batch, 2 one line per epoch.</param>
    /// <param name="seed">Fixes shuffling and dropout; otherwise from the current <see cref="SeedScope"/>.</param>
    /// <returns>The History of every epoch's logs.</returns>
    /// <exception cref="ArgumentException">A column is missing, holds nulls, holds text for an input, or does not fit its input or output (the message names the column, what was expected and what was received).</exception>
    public static History Fit(this Model model, DataFrame data, ColumnSpec targets, ColumnSpec? inputs = null, int epochs = 1, int batchSize = 32,
        float validationSplit = 0, DataFrame? validationData = null, bool shuffle = true, int initialEpoch = 0, IReadOnlyList<Callback>? callbacks = null,
        int verbose = 1, long? seed = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(targets);
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), $"batchSize must be positive; received {batchSize}.");
        if (!(validationSplit >= 0 && validationSplit < 1)) throw new ArgumentOutOfRangeException(nameof(validationSplit), $"validationSplit must be in [0, 1); received {validationSplit}.");
        if (data.Rows.Count == 0) throw new ArgumentException($"The training DataFrame for model '{model.Name}' has no rows.", nameof(data));
        var train = DataFrameBinding.Create(model, data, inputs, targets, null);
        var ml = new MLContext();
        IDataView view = train.View;
        int count = train.Count;
        IBatchSource? validation = null;
        if (validationData is not null)
        {
            var val = DataFrameBinding.Create(model, validationData, inputs, targets, train.Classes);
            validation = new DataViewBatchSource(val.View, val.Inputs, val.Labels, val.Count);
        }
        else if (validationSplit > 0)
        {
            int trainCount = (int)(count * (1 - validationSplit));
            if (trainCount == 0 || trainCount == count)
                throw new ArgumentException($"validationSplit {validationSplit} of {count} rows leaves {trainCount} for training and {count - trainCount} for validation; both need at least one.", nameof(validationSplit));
            validation = new DataViewBatchSource(ml.Data.SkipRows(view, trainCount), train.Inputs, train.Labels, count - trainCount);
            view = ml.Data.TakeRows(view, trainCount);
            count = trainCount;
        }
        if (count == 0) throw new ArgumentException($"The training DataFrame for model '{model.Name}' has no rows.", nameof(data));
        Classes.AddOrUpdate(model, train.Classes);
        // Cached, the rows can be read in a new random order every epoch (not only through a shuffle pool).
        return model.Trainer.FitCore(new DataViewBatchSource(ml.Data.Cache(view), train.Inputs, train.Labels, count), validation, epochs, batchSize, shuffle,
            initialEpoch, callbacks, verbose, seed);
    }

    /// <summary>The loss and metrics of the compiled <paramref name="model"/> on <paramref name="data"/> (Keras's <c>evaluate</c>), keyed as in Fit's logs.</summary>
    /// <param name="model">A compiled model.</param>
    /// <param name="data">The rows to evaluate.</param>
    /// <param name="targets">The target column of each output, as for Fit. A text target uses the classes of the model's last DataFrame Fit, or, when it had none, its own distinct values in ordinal order.</param>
    /// <param name="inputs">The input columns, as for Fit.</param>
    /// <param name="batchSize">Rows per batch.</param>
    /// <returns>The loss, each output's loss (for several outputs) and the compiled metrics.</returns>
    /// <exception cref="ArgumentException">A column is missing or does not fit (the message names it).</exception>
    public static IReadOnlyDictionary<string, float> Evaluate(this Model model, DataFrame data, ColumnSpec targets, ColumnSpec? inputs = null, int batchSize = 32)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(targets);
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), $"batchSize must be positive; received {batchSize}.");
        var bound = DataFrameBinding.Create(model, data, inputs, targets, Classes.TryGetValue(model, out var known) ? known : null);
        return model.Trainer.EvaluateCore(new DataViewBatchSource(bound.View, bound.Inputs, bound.Labels, bound.Count), batchSize, [], notify: true);
    }

    /// <summary>
    /// The model's predictions for every row of <paramref name="data"/> as a DataFrame (Keras's
    /// <c>predict</c>), in row order. An output with one value per row is a
    /// <see cref="SingleDataFrameColumn"/> named after the output. An output with several values is,
    /// by default, one Single column per value, as pandas users lay out <c>model.predict</c>:
    /// <c>&lt;output&gt;_&lt;class&gt;</c> when the output was trained on a text column (the class
    /// probabilities), <c>&lt;output&gt;_&lt;index&gt;</c> otherwise; with
    /// <paramref name="expandVectors"/> false (or when its size varies) it is one
    /// <see cref="VBufferDataFrameColumn{T}"/> of Single, as ML.NET's ToDataFrame gives vectors.
    /// A classification output also gets <c>&lt;output&gt;_PredictedLabel</c>: the class name
    /// (text-trained outputs), else the class index (the argmax, as an Int32, for a softmax trained
    /// with a categorical crossentropy) or a Boolean (score above 0.5, for one sigmoid unit trained
    /// with binary crossentropy).
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="data">The rows to predict.</param>
    /// <param name="inputs">The input columns, as for Fit.</param>
    /// <param name="batchSize">Rows per batch.</param>
    /// <param name="expandVectors">One column per value of a multi-value output (true), or one vector column (false).</param>
    /// <param name="includeData">Start the result with a copy of every column of <paramref name="data"/>.</param>
    /// <returns>A DataFrame with a row per row of <paramref name="data"/>.</returns>
    /// <exception cref="ArgumentException">An input column is missing or does not fit, or (with <paramref name="includeData"/>) a prediction column's name is taken.</exception>
    public static DataFrame Predict(this Model model, DataFrame data, ColumnSpec? inputs = null, int batchSize = 32, bool expandVectors = true, bool includeData = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), $"batchSize must be positive; received {batchSize}.");
        var bound = DataFrameBinding.Create(model, data, inputs, null, null);
        var rows = model.OutputNames.Select(_ => new List<float[]>()).ToArray();
        using var batches = new DataViewBatchSource(bound.View, bound.Inputs, [], bound.Count).Batches(batchSize, null).GetEnumerator();
        while (true)
        {
            // The batch and its predictions end here, once copied to the host.
            using var scope = TensorScope.Begin();
            if (!batches.MoveNext()) break;
            var batch = batches.Current;
            var outputs = model.PredictOnBatch(batch.X);
            for (int o = 0; o < outputs.Count; o++)
            {
                var values = outputs[o].DType == DType.Int32 ? [.. outputs[o].ToIntArray().Select(v => (float)v)] : outputs[o].ToArray();
                int size = values.Length / Math.Max(1, batch.Count);
                for (int r = 0; r < batch.Count; r++) rows[o].Add(values[(r * size)..((r + 1) * size)]);
            }
        }
        var columns = includeData ? data.Columns.Select(c => c.Clone()).ToList() : [];
        var classNames = Classes.TryGetValue(model, out var known) ? known : [];
        for (int o = 0; o < rows.Length; o++)
            columns.AddRange(OutputColumns(model, o, rows[o], classNames.GetValueOrDefault(model.OutputNames[o]), expandVectors));
        if (columns.GroupBy(c => c.Name).FirstOrDefault(g => g.Count() > 1) is { } clash)
            throw new ArgumentException($"The prediction column '{clash.Key}' has the name of a column of the data; predict without includeData and join the frames, or rename the column.", nameof(includeData));
        return new DataFrame(columns);
    }

    /// <summary>The classes of each output that the last DataFrame Fit trained on a text column (output name → class names in class-index order); empty when none.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> GetClassNames(this Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Classes.TryGetValue(model, out var classes) ? classes.ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value) : [];
    }

    private static IEnumerable<DataFrameColumn> OutputColumns(Model model, int o, List<float[]> rows, string[]? classes, bool expand)
    {
        string name = model.OutputNames[o];
        int size = rows.Count == 0 ? model.Outputs[o].Shape.PerSample().Aggregate(1, (a, d) => a * (d ?? 1)) : rows[0].Length;
        bool fixedSize = rows.All(r => r.Length == size);
        if (size == 1 && fixedSize) yield return new SingleDataFrameColumn(name, rows.Select(r => (float?)r[0]));
        else if (expand && fixedSize)
        {
            for (int i = 0; i < size; i++)
            {
                int index = i;
                yield return new SingleDataFrameColumn($"{name}_{(classes?.Length == size ? classes[i] : i)}", rows.Select(r => (float?)r[index]));
            }
        }
        else yield return new VBufferDataFrameColumn<float>(name, rows.Select(r => new VBuffer<float>(r.Length, r)));
        string? loss = model.Trainer.Setup?.Losses[o].Name;
        string label = $"{name}_PredictedLabel";
        if (!fixedSize) yield break;
        if (classes is not null && (classes.Length == size || (size == 1 && classes.Length == 2)))
            yield return new StringDataFrameColumn(label, rows.Select(r => classes[size == 1 ? (r[0] > 0.5f ? 1 : 0) : ArgMax(r)]));
        else if (size > 1 && loss is "sparse_categorical_crossentropy" or "categorical_crossentropy")
            yield return new Int32DataFrameColumn(label, rows.Select(r => (int?)ArgMax(r)));
        else if (size == 1 && loss == "binary_crossentropy")
            yield return new BooleanDataFrameColumn(label, rows.Select(r => (bool?)(r[0] > 0.5f)));
    }

    private static int ArgMax(float[] values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }
}
