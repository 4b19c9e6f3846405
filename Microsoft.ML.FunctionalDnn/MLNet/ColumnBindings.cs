using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Microsoft.ML.FunctionalDnn;

/// <summary>
/// A data-view column feeding a model input: checks that its type and size fit the input, and turns
/// a batch of its raw values into the input's tensor (numbers, booleans and keys as numbers;
/// vectors reshaped to the input's per-sample shape). Errors name the column and the model input.
/// </summary>
internal sealed class ColumnBinding
{
    private ColumnBinding(string target, string role, DataViewSchema.Column column, int[] perSample, DType dtype, int? maxId)
    {
        (Target, Role, Column, PerSample, DType, MaxId) = (target, role, column, perSample, dtype, maxId);
        Size = perSample.Aggregate(1, (a, b) => a * b);
    }

    /// <summary>The model input (or output, for labels) the column feeds.</summary>
    internal string Target { get; }

    internal string Role { get; }

    internal DataViewSchema.Column Column { get; }

    internal int[] PerSample { get; }

    internal DType DType { get; }

    internal int Size { get; }

    /// <summary>For an input feeding an Embedding: ids must be below this.</summary>
    internal int? MaxId { get; }

    private string Where => $"column '{Column.Name}' ({Column.Type}) for model {Role} '{Target}'";

    /// <summary>Binds <paramref name="column"/> to a model input of shape <paramref name="shape"/>.</summary>
    /// <exception cref="ArgumentException">Text, or a size that does not match (the message names both).</exception>
    internal static ColumnBinding ForInput(string input, DataViewSchema.Column column, TensorShape shape, DType dtype, int? maxId)
    {
        var perSample = shape.PerSample();
        if (perSample.Any(d => d is null))
            throw new ArgumentException($"Model input '{input}' has shape {shape}; every dimension but the batch must be known to feed it from column '{column.Name}'.");
        var binding = new ColumnBinding(input, "input", column, [.. perSample.Select(d => d!.Value)], dtype, maxId);
        binding.CheckType();
        return binding;
    }

    /// <summary>Binds a label column to a model output; key labels become class indices (or one-hot rows when <paramref name="oneHot"/>).</summary>
    internal static ColumnBinding ForLabel(string output, DataViewSchema.Column column, TensorShape outputShape, bool oneHot)
    {
        int classes = outputShape[-1] ?? 1;
        int[] perSample = column.Type is KeyDataViewType
            ? oneHot ? [classes] : []
            : column.Type is VectorDataViewType v ? [v.Size] : outputShape.Rank > 1 ? [.. outputShape.PerSample().Select(d => d ?? 1)] : [];
        var binding = new ColumnBinding(output, "output", column, perSample, column.Type is KeyDataViewType && !oneHot ? DType.Int32 : DType.Float32, null);
        binding.CheckType();
        if (column.Type is KeyDataViewType key && (ulong)classes != key.Count && classes > 1)
            throw new ArgumentException($"Label column '{column.Name}' has {key.Count} classes ({column.Type}); model output '{output}' gives {classes} values per sample. Size the output layer to the number of classes.");
        return binding;
    }

    private void CheckType()
    {
        var type = Column.Type;
        var item = type is VectorDataViewType v ? v.ItemType : type;
        if (item is TextDataViewType)
            throw new ArgumentException($"The {Where} holds text, where numbers are expected: turn it into token ids first (mlContext.Transforms.TextToSequence) or into a key (MapValueToKey).");
        if (item is not (NumberDataViewType or BooleanDataViewType or KeyDataViewType))
            throw new ArgumentException($"The {Where} cannot feed a model: use numbers, booleans, keys or vectors of them.");
        int size = type is VectorDataViewType vector ? vector.Size : 1;
        if (type is VectorDataViewType { IsKnownSize: false })
            throw new ArgumentException($"The {Where} is a vector of variable size; the model needs {Size} values per row (give the member [VectorType({Size})] or pad the sequences).");
        if (Role == "input" && size != Size)
            throw new ArgumentException($"The {Where} has {size} values per row; model {Role} '{Target}' expects ({string.Join(", ", PerSample)}) = {Size}.");
    }

    /// <summary>The tensor of one batch: <paramref name="rows"/> raw values of the column.</summary>
    /// <exception cref="InvalidDataException">A NaN or infinity, or an id outside an embedding's range (the message gives the column, the row and the value).</exception>
    internal Tensor ToTensor(IReadOnlyList<object?> rows, long firstRow)
    {
        var shape = new Shape([rows.Count, .. PerSample]);
        if (DType == DType.Int32)
        {
            var ids = new int[rows.Count * Size];
            for (int r = 0; r < rows.Count; r++) Fill(rows[r], ids.AsSpan(r * Size, Size), firstRow + r);
            return Tensor.FromArray(ids, shape);
        }
        var values = new float[rows.Count * Size];
        for (int r = 0; r < rows.Count; r++) Fill(rows[r], values.AsSpan(r * Size, Size), firstRow + r);
        return Tensor.FromArray(values, shape);
    }

    private void Fill(object? raw, Span<int> into, long row)
    {
        switch (raw)
        {
            case VBuffer<int> v: v.CopyTo(into); break;
            case VBuffer<long> v: for (int i = 0; i < Size; i++) into[i] = checked((int)v.GetItemOrDefault(i)); break;
            case VBuffer<float> v: for (int i = 0; i < Size; i++) into[i] = Integral(v.GetItemOrDefault(i), row); break;
            case VBuffer<uint> v: for (int i = 0; i < Size; i++) into[i] = checked((int)v.GetItemOrDefault(i)); break;
            default:
                if (Column.Type is KeyDataViewType && Role == "output")
                {
                    ulong key = Convert.ToUInt64(raw, CultureInfo.InvariantCulture);
                    if (key == 0) throw new InvalidDataException($"Row {row}: the label in {Where} is missing (key 0: a value MapValueToKey did not see in training).");
                    into[0] = (int)(key - 1);
                }
                else into[0] = Integral(Convert.ToSingle(raw, CultureInfo.InvariantCulture), row);
                break;
        }
        if (MaxId is int max)
            foreach (int id in into)
                if (id < 0 || id >= max)
                    throw new InvalidDataException($"Row {row}: {Where} holds the id {id}, outside the embedding's range [0, {max}); the vocabulary is larger than the Embedding's inputDim.");
    }

    private int Integral(float v, long row) => float.IsFinite(v) && v == MathF.Round(v)
        ? (int)v
        : throw new InvalidDataException($"Row {row}: {Where} holds {v}, where an integer id is expected.");

    private void Fill(object? raw, Span<float> into, long row)
    {
        switch (raw)
        {
            case VBuffer<float> v: v.CopyTo(into); break;
            case VBuffer<double> v: for (int i = 0; i < Size; i++) into[i] = (float)v.GetItemOrDefault(i); break;
            case VBuffer<int> v: for (int i = 0; i < Size; i++) into[i] = v.GetItemOrDefault(i); break;
            case VBuffer<bool> v: for (int i = 0; i < Size; i++) into[i] = v.GetItemOrDefault(i) ? 1 : 0; break;
            case VBuffer<byte> v: for (int i = 0; i < Size; i++) into[i] = v.GetItemOrDefault(i); break;
            case bool b: into[0] = b ? 1 : 0; break;
            default:
                if (Column.Type is KeyDataViewType)
                {
                    // One-hot rows of a key label.
                    ulong key = Convert.ToUInt64(raw, CultureInfo.InvariantCulture);
                    if (key == 0 || key > (ulong)into.Length) throw new InvalidDataException($"Row {row}: the label in {Where} is key {key}, outside 1…{into.Length}.");
                    into.Clear();
                    into[(int)key - 1] = 1;
                    return;
                }
                into[0] = Convert.ToSingle(raw, CultureInfo.InvariantCulture);
                break;
        }
        foreach (float v in into)
            if (!float.IsFinite(v))
                throw new InvalidDataException($"Row {row}: {Where} holds {v}; models need finite numbers (replace or drop missing values first).");
    }
}
