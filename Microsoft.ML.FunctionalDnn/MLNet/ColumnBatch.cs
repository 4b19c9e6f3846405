using Microsoft.ML.FunctionalDnn.Backends;

namespace Microsoft.ML.FunctionalDnn.Transforms;

/// <summary>
/// The values of one bound column for the rows of a batch, read as the cursor moves and turned into
/// one tensor at the end: ids checked against the embedding's range, labels encoded for the loss,
/// sequences padded or truncated, non-finite numbers refused with the row that holds them.
/// </summary>
internal sealed class ColumnBatch(ColumnBinding binding, ColumnReader reader)
{
    private double[] _values = new double[64];
    private int[] _offsets = new int[17];
    private int _rows;
    private long _firstRow;

    /// <summary>The rows collected so far.</summary>
    internal int Count => _rows;

    /// <summary>Starts a new batch whose first row has the 0-based number <paramref name="firstRow"/> (for error messages).</summary>
    internal void Clear(long firstRow) => (_rows, _firstRow) = (0, firstRow);

    /// <summary>Reads the cursor's current row into the batch.</summary>
    /// <exception cref="InvalidDataException">A value the model cannot take; the message gives the column, the row and the value.</exception>
    internal void Add()
    {
        reader.Read();
        var values = reader.Values;
        long row = _firstRow + _rows;
        Check(values, row);
        if (_rows + 2 > _offsets.Length) Array.Resize(ref _offsets, _offsets.Length * 2);
        int start = _offsets[_rows];
        if (start + values.Length > _values.Length) Array.Resize(ref _values, Math.Max(start + values.Length, _values.Length * 2));
        values.CopyTo(_values.AsSpan(start));
        _offsets[++_rows] = start + values.Length;
    }

    /// <summary>True when the rows come in a shuffled order (error messages then say so).</summary>
    internal bool Shuffled { get; init; }

    private string Row(long row) => Shuffled
        ? $"Row {row} of this epoch's shuffled order (FunctionalDnnOptions.Shuffle = false gives positions in the data)"
        : $"Row {row}";

    private void Check(ReadOnlySpan<double> values, long row)
    {
        if (!binding.IsInput && binding.Classes > 0)
        {
            if (values[0] == 0)
                throw new InvalidDataException($"{Row(row)}: the label in {binding.Where} is missing (key 0: a value MapValueToKey did not see when it was fitted).");
            return;
        }
        if (!binding.IsInput && binding.Units > 0 && (values[0] != Math.Round(values[0]) || values[0] < 0 || values[0] >= binding.Units))
            throw new InvalidDataException($"{Row(row)}: the label in {binding.Where} is {values[0]}; model output '{binding.Target}' takes class indices 0 … {binding.Units - 1} (or map the labels to a key with MapValueToKey).");
        foreach (double v in values)
            if (!double.IsFinite(v))
                throw new InvalidDataException($"{Row(row)}: {binding.Where} holds {v}; models need finite numbers (replace or drop missing values first).");
        if (binding.DType == DType.Int32)
        {
            foreach (double v in values)
            {
                if (v != Math.Round(v) || v < int.MinValue || v > int.MaxValue)
                    throw new InvalidDataException($"{Row(row)}: {binding.Where} holds {v}, where an integer id is expected.");
                if (binding.MaxId is int max && (v < 0 || v >= max))
                    throw new InvalidDataException($"{Row(row)}: {binding.Where} holds the id {v}, outside the embedding's range [0, {max}): the vocabulary has more entries than the Embedding's inputDim (key values run from 1 to the key count, 0 is missing/padding, so inputDim must be at least the key count + 1).");
            }
        }
        if (binding.IsSequence && values.Length % binding.InnerSize != 0)
            throw new InvalidDataException($"{Row(row)}: {binding.Where} has {values.Length} values, not a whole number of steps of {binding.InnerSize}.");
    }

    // A batch lives for one step: its tensor belongs to the caller's tensor scope (on the torch
    // backend, the step's dispose scope), not to the garbage collector.
    private static Tensor Temporary(float[] values, Shape shape) => Backend.Current.FromHostTemporary(values, shape);

    private static Tensor Temporary(int[] values, Shape shape) => Backend.Current.FromHostTemporary(values, shape);

    /// <summary>The batch as a tensor (samples first), a temporary of the current tensor scope.</summary>
    internal Tensor ToTensor()
    {
        if (!binding.IsInput) return LabelTensor();
        int inner = binding.InnerSize, steps;
        if (binding.IsSequence)
        {
            steps = binding.PerSample[0] ?? 0;
            if (binding.PerSample[0] is null)
                for (int r = 0; r < _rows; r++) steps = Math.Max(steps, (_offsets[r + 1] - _offsets[r]) / inner);
        }
        else steps = binding.PerSample.Length == 0 ? 1 : binding.PerSample[0]!.Value;
        int size = binding.PerSample.Length == 0 ? 1 : steps * inner;
        int?[] dims = binding.PerSample.Length == 0 ? [] : [steps, .. binding.PerSample.Skip(1)];
        var shape = new Shape([_rows, .. dims.Select(d => d!.Value)]);
        if (binding.DType == DType.Int32)
        {
            var ids = new int[_rows * size];
            for (int r = 0; r < _rows; r++) Place(r, size, (from, to, n) => { for (int i = 0; i < n; i++) ids[to + i] = (int)_values[from + i]; });
            return Temporary(ids, shape);
        }
        var data = new float[_rows * size];
        for (int r = 0; r < _rows; r++) Place(r, size, (from, to, n) => { for (int i = 0; i < n; i++) data[to + i] = (float)_values[from + i]; });
        return Temporary(data, shape);
    }

    /// <summary>Copies row <paramref name="r"/> into its slot of <paramref name="size"/> values, padding or truncating whole steps as pad_sequences does.</summary>
    private void Place(int r, int size, Action<int, int, int> copy)
    {
        int start = _offsets[r], length = _offsets[r + 1] - start, slot = r * size;
        if (length == size || !binding.IsSequence)
        {
            copy(start, slot, Math.Min(length, size));
            return;
        }
        if (length > size)
        {
            // Truncate: drop whole steps from the start (pre) or the end (post).
            copy(binding.Truncating == SequencePadding.Pre ? start + length - size : start, slot, size);
            return;
        }
        // Pad with zeros (the arrays start zeroed) at the start (pre) or the end (post).
        copy(start, binding.Padding == SequencePadding.Pre ? slot + size - length : slot, length);
    }

    private Tensor LabelTensor()
    {
        switch (binding.Encoding)
        {
            case LabelEncoding.ClassIndex:
                var ids = new int[_rows];
                for (int r = 0; r < _rows; r++) ids[r] = (int)_values[_offsets[r]] - binding.KeyShift;
                return Temporary(ids, new Shape(_rows));
            case LabelEncoding.OneHot:
                int classes = binding.PerSample[0]!.Value;
                var oneHot = new float[_rows * classes];
                for (int r = 0; r < _rows; r++) oneHot[r * classes + (int)_values[_offsets[r]] - binding.KeyShift] = 1;
                return Temporary(oneHot, new Shape(_rows, classes));
            default:
                int size = binding.Size ?? 1;
                var values = new float[_rows * size];
                // A key label under a value loss (binary crossentropy on a two-class key) is its class index.
                double shift = binding.Classes > 0 ? 1 : 0;
                for (int r = 0; r < _rows; r++)
                    for (int i = 0; i < size; i++) values[r * size + i] = (float)(_values[_offsets[r] + i] - shift);
                return Temporary(values, new Shape([_rows, .. binding.PerSample.Select(d => d!.Value)]));
        }
    }
}
