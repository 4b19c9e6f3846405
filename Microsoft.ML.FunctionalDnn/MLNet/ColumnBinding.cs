using Microsoft.ML.Data;

namespace Microsoft.ML.FunctionalDnn.Transforms;

/// <summary>What a label column becomes for its output's loss.</summary>
internal enum LabelEncoding
{
    /// <summary>The values as they are (regression targets, 0/1 booleans, a key's class index as a number).</summary>
    Values,

    /// <summary>A key's class index as an int32 (sparse categorical losses).</summary>
    ClassIndex,

    /// <summary>A key's class as a one-hot row (categorical crossentropy).</summary>
    OneHot,
}

/// <summary>
/// A data-view column bound to a model input or to the label of a model output: checks when bound
/// that its type, size and layout fit, and turns the rows of a batch into the tensor the model
/// reads. Variable-length vectors (token keys from MapValueToKey) are padded or truncated to the
/// input's length as Keras's <c>pad_sequences</c> does. Errors name the column and the model
/// input or output, with what was expected and what was received.
/// </summary>
internal sealed class ColumnBinding
{
    private ColumnBinding(string target, bool isInput, DataViewSchema.Column column, int?[] perSample, DType dtype)
    {
        (Target, IsInput, Column, PerSample, DType) = (target, isInput, column, perSample, dtype);
        InnerSize = perSample.Skip(1).Aggregate(1, (a, d) => a * (d ?? 1));
    }

    /// <summary>The model input (or output, for labels) the column feeds.</summary>
    internal string Target { get; }

    internal bool IsInput { get; }

    internal DataViewSchema.Column Column { get; }

    /// <summary>The per-sample shape; for inputs the first axis may be unknown (sequences padded per batch).</summary>
    internal int?[] PerSample { get; }

    internal DType DType { get; }

    /// <summary>Values per step: the product of the per-sample axes after the first.</summary>
    internal int InnerSize { get; }

    /// <summary>Values per sample when the shape is fully known.</summary>
    internal int? Size => PerSample.All(d => d.HasValue) ? PerSample.Aggregate(1, (a, d) => a * d!.Value) : null;

    /// <summary>True when rows may differ in length (a variable-size vector column) and are padded or truncated.</summary>
    internal bool IsSequence { get; private init; }

    internal SequencePadding Padding { get; private init; }

    internal SequencePadding Truncating { get; private init; }

    /// <summary>For an input feeding an Embedding: ids must be below this.</summary>
    internal int? MaxId { get; private init; }

    internal LabelEncoding Encoding { get; private init; }

    /// <summary>The number of classes of a key label.</summary>
    internal int Classes { get; private init; }

    /// <summary>What a class label's value is above its class index: 1 for keys (1 … N), 0 for class-index numbers.</summary>
    internal int KeyShift { get; private init; }

    /// <summary>For a class label: the number of classes the output scores (class indices must be below it).</summary>
    internal int Units { get; private init; }

    internal string Where => $"column '{Column.Name}' ({Column.Type}) for model {(IsInput ? "input" : "output")} '{Target}'";

    /// <summary>Binds <paramref name="column"/> to a model input of shape <paramref name="shape"/>.</summary>
    /// <exception cref="ArgumentException">The column's type, size or layout does not fit the input (the message names both).</exception>
    internal static ColumnBinding ForInput(string input, DataViewSchema.Column column, TensorShape shape, DType dtype, int? maxId, SequencePadding padding, SequencePadding truncating)
    {
        var perSample = shape.PerSample();
        if (perSample.Skip(1).Any(d => d is null))
            throw new ArgumentException($"Model input '{input}' has shape {shape}; every axis but the batch and the first (sequence) axis must be known to feed it from column '{column.Name}'.");
        bool sequence = column.Type is VectorDataViewType { IsKnownSize: false } || perSample.Length > 0 && perSample[0] is null;
        var binding = new ColumnBinding(input, true, column, perSample, dtype) { IsSequence = sequence, Padding = padding, Truncating = truncating, MaxId = maxId };
        binding.CheckItemType();
        binding.CheckInputLayout();
        var item = column.Type is VectorDataViewType v ? v.ItemType : column.Type;
        if (maxId is int max && item is KeyDataViewType key && key.Count + 1 > (ulong)max)
            throw new ArgumentException($"The {binding.Where} holds keys 1 … {key.Count} (0 for a value not seen when the keys were fitted); the Embedding it feeds takes ids below {max}. Give the Embedding inputDim {key.Count + 1} (the key count + 1).");
        return binding;
    }

    /// <summary>Binds a label column to a model output for the loss named <paramref name="loss"/>.</summary>
    /// <exception cref="ArgumentException">The column's type or size does not fit the output.</exception>
    internal static ColumnBinding ForLabel(string output, DataViewSchema.Column column, TensorShape outputShape, string loss)
    {
        var outputDims = outputShape.PerSample();
        int units = outputDims.Length == 0 ? 1 : outputDims[^1] ?? 1;
        int outputSize = outputDims.Aggregate(1, (a, d) => a * (d ?? 1));
        // Class labels: a key (1 … N), or — as Keras takes them — a number holding the class index 0 … N − 1.
        bool classLabel = column.Type is KeyDataViewType || (column.Type is NumberDataViewType && units > 1 && (loss is "categorical_crossentropy" || loss.StartsWith("sparse_", StringComparison.Ordinal)));
        var encoding = !classLabel ? LabelEncoding.Values
            : loss == "categorical_crossentropy" ? LabelEncoding.OneHot
            : loss.StartsWith("sparse_", StringComparison.Ordinal) ? LabelEncoding.ClassIndex
            : LabelEncoding.Values;
        int?[] perSample = encoding switch
        {
            LabelEncoding.OneHot => [units],
            LabelEncoding.ClassIndex => [],
            _ when column.Type is VectorDataViewType v => v.Size == outputSize && outputDims.All(d => d.HasValue) ? [.. outputDims] : [v.Size],
            _ => outputDims.Length > 0 && outputSize == 1 ? [.. outputDims] : [],
        };
        int classes = column.Type is KeyDataViewType k ? (int)Math.Min(k.Count, int.MaxValue) : 0;
        var binding = new ColumnBinding(output, false, column, perSample, encoding == LabelEncoding.ClassIndex ? DType.Int32 : DType.Float32)
        {
            Encoding = encoding,
            Classes = classes,
            KeyShift = column.Type is KeyDataViewType ? 1 : 0,
            Units = encoding == LabelEncoding.Values ? 0 : units,
        };

        binding.CheckItemType();
        if (encoding == LabelEncoding.Values && binding.Size is int labelSize && labelSize != outputSize && outputDims.All(d => d.HasValue))
            throw new ArgumentException($"The label {binding.Where} has {labelSize} values per row; model output '{output}' gives {outputSize} per sample.");
        if (column.Type is VectorDataViewType { IsKnownSize: false })
            throw new ArgumentException($"The label {binding.Where} is a vector of variable size; model output '{output}' needs the same number of targets in every row.");
        if (column.Type is KeyDataViewType key && units > 1 && (ulong)units != key.Count)
            throw new ArgumentException($"The label {binding.Where} has {key.Count} classes; model output '{output}' gives {units} values per sample. Size the output layer to the number of classes.");
        if (column.Type is KeyDataViewType key2 && units == 1 && key2.Count != 2)
            throw new ArgumentException($"The label {binding.Where} has {key2.Count} classes; model output '{output}' gives one value per sample, which can only score two classes. Give it {key2.Count} units with softmax.");
        return binding;
    }

    private void CheckItemType()
    {
        var item = Column.Type is VectorDataViewType v ? v.ItemType : Column.Type;
        if (item is TextDataViewType)
            throw new ArgumentException($"The {Where} holds text, where numbers are expected: "
                + (IsInput ? "turn it into token keys first (mlContext.Transforms.Text.TokenizeIntoWords, then mlContext.Transforms.Conversion.MapValueToKey)." : $"map it to a key first (mlContext.Transforms.Conversion.MapValueToKey(\"{Column.Name}\"))."));
        if (item is not (NumberDataViewType or BooleanDataViewType or KeyDataViewType))
            throw new ArgumentException($"The {Where} cannot feed a model: use numbers, booleans, keys or vectors of them.");
    }

    private void CheckInputLayout()
    {
        if (Column.Type is not VectorDataViewType vector)
        {
            if (IsSequence || Size != 1)
                throw new ArgumentException($"The {Where} holds one value per row; model input '{Target}' expects ({Shape}) per sample.");
            return;
        }
        if (!vector.IsKnownSize) return;
        if (IsSequence)
        {
            if (vector.Size % InnerSize != 0)
                throw new ArgumentException($"The {Where} has {vector.Size} values per row, not a whole number of steps of {InnerSize} for model input '{Target}' ({Shape}).");
            return;
        }
        if (vector.Size != Size)
            throw new ArgumentException($"The {Where} has {vector.Size} values per row; model input '{Target}' expects ({Shape}) = {Size}.");
        var dims = vector.Dimensions;
        if (dims.Length > 1 && !dims.SequenceEqual(PerSample.Select(d => d!.Value)))
        {
            bool channelsFirst = dims.Length == 3 && PerSample.Length == 3 && dims[0] == PerSample[2] && dims[1] == PerSample[0] && dims[2] == PerSample[1];
            throw new ArgumentException($"The {Where} is laid out as ({string.Join(", ", dims)}); model input '{Target}' expects ({Shape})."
                + (channelsFirst ? " The pixels are channels-first: give ExtractPixels interleavePixelColors: true for Keras's channels-last (height, width, channels)." : ""));
        }
    }

    private string Shape => string.Join(", ", PerSample.Select(d => d?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "None"));

    /// <summary>A buffer collecting this column's values row by row, read from <paramref name="row"/>.</summary>
    internal ColumnBatch NewBatch(DataViewRow row, bool shuffled = false) => new(this, ColumnReader.Create(row, row.Schema[Column.Name])) { Shuffled = shuffled };
}

/// <summary>Keras's <c>pad_sequences</c> choice of side for padding and truncating.</summary>
public enum SequencePadding
{
    /// <summary>At the start of the sequence (Keras's default for both padding and truncating).</summary>
    Pre,

    /// <summary>At the end of the sequence.</summary>
    Post,
}
