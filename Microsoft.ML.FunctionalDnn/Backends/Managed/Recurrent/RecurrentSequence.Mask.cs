namespace Microsoft.ML.FunctionalDnn.Backends.Managed;

internal sealed partial class RecurrentSequence
{
    /// <summary>Per (time index, sample): true where the step is skipped (mask 0). Null without a mask.</summary>
    private bool[]? _skipped;

    /// <summary>Reads a (batch, steps) mask (non-zero keeps a step); steps where it is 0 leave the state unchanged.</summary>
    private void UseMask(Tensor? mask)
    {
        if (mask is null) return;
        if (mask.Shape != new Shape(Batch, Steps))
            throw new ArgumentException($"{Op}: the mask must be (batch, steps) = ({Batch}, {Steps}); received {mask.Shape}.");
        var skipped = new bool[Steps * Batch];
        for (int b = 0; b < Batch; b++)
            for (int t = 0; t < Steps; t++)
                skipped[t * Batch + b] = mask.DType == DType.Float32 ? mask.Data[b * Steps + t] == 0 : mask.IntData[b * Steps + t] == 0;
        _skipped = skipped;
    }

    /// <summary>Whether sample <paramref name="b"/> skips time index <paramref name="t"/>.</summary>
    internal bool Skips(int t, int b) => _skipped is not null && _skipped[t * Batch + b];

    /// <summary>Whether any sample of block <paramref name="rows"/> skips time index <paramref name="t"/>.</summary>
    internal bool AnySkips(int t, RowBlock rows)
    {
        if (_skipped is null) return false;
        for (int b = rows.First; b < rows.First + rows.Count; b++) if (_skipped[t * Batch + b]) return true;
        return false;
    }

    /// <summary>Copies the rows of block <paramref name="rows"/>'s samples that skip time index <paramref name="t"/> from <paramref name="source"/> into <paramref name="state"/> (both the block's rows).</summary>
    internal void RestoreSkipped(int t, Span<float> state, ReadOnlySpan<float> source, RowBlock rows)
    {
        if (_skipped is null) return;
        for (int i = 0; i < rows.Count; i++)
            if (_skipped[t * Batch + rows.First + i]) source.Slice(i * Units, Units).CopyTo(state.Slice(i * Units, Units));
    }

    /// <summary>
    /// Whether sample <paramref name="i"/> of block <paramref name="rows"/> skips time index
    /// <paramref name="t"/>; if so, clears its row of each per-sample gradient given
    /// (<paramref name="rowLength"/> values each), since a skipped step passes the state's
    /// gradient straight to the previous step.
    /// </summary>
    internal bool SkipsAndClears(int t, RowBlock rows, int i, int rowLength, Span<float> first, Span<float> second = default)
    {
        if (!Skips(t, rows.First + i)) return false;
        first.Slice(i * rowLength, rowLength).Clear();
        if (!second.IsEmpty) second.Slice(i * rowLength, rowLength).Clear();
        return true;
    }
}
