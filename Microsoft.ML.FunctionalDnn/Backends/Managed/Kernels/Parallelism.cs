namespace Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

/// <summary>
/// Splits independent items (elements of an element-wise op, samples of a pooling window walk)
/// into one contiguous range per core when there is enough work to pay for the hand-off. Only for
/// work whose items are computed alone, never for sums across items: the split changes no bit.
/// </summary>
internal static class Parallelism
{
    /// <summary>Below this many float operations (about a quarter of a millisecond of memory-bound work), one thread.</summary>
    internal const long MinParallelWork = 1L << 17;

    /// <summary>
    /// Calls <paramref name="body"/>(start, count) over ranges covering [0, <paramref name="count"/>):
    /// one range on the calling thread for small work, otherwise one per core.
    /// </summary>
    internal static void ForRanges(int count, long workPerItem, Action<int, int> body)
    {
        int parts = ForcedParts is int forced ? Math.Clamp(forced, 1, Math.Max(1, count))
            : (long)count * workPerItem < MinParallelWork ? 1 : Math.Min(Environment.ProcessorCount, count);
        if (parts <= 1)
        {
            if (count > 0) body(0, count);
            return;
        }
        Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, part =>
        {
            int start = (int)((long)part * count / parts), end = (int)((long)(part + 1) * count / parts);
            if (end > start) body(start, end - start);
        });
    }

    /// <summary>Tests: split every range walk started on this thread into this many parts, whatever the sizes and cores.</summary>
    internal static int? ForcedParts { get => t_forcedParts; set => t_forcedParts = value; }

    [ThreadStatic] private static int? t_forcedParts;
}
