namespace Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

/// <summary>
/// Per-thread working buffers for kernels that need large temporaries (padded inputs, wide
/// outputs): grown to the largest size asked for and reused, so a training step allocates none and
/// keeps at most one buffer per slot alive (a pool rounds sizes up to powers of two and may keep
/// several). Contents are not cleared; a slot is valid until the next <see cref="Get"/> of the
/// same slot on the same thread.
/// </summary>
internal static class Scratch
{
    /// <summary>The slots: a kernel never holds two buffers of the same slot at once.</summary>
    internal enum Slot
    {
        /// <summary>An operand rearranged for a kernel (a padded input).</summary>
        Operand,

        /// <summary>A kernel's raw result before it is cropped into the output tensor.</summary>
        Result,

        /// <summary>An incoming gradient rearranged for a backward kernel.</summary>
        Gradient,

        /// <summary>Partial results of parallel tasks, summed in a fixed order afterwards.</summary>
        Partials,
    }

    [ThreadStatic] private static float[]?[]? t_buffers;

    /// <summary>A buffer of at least <paramref name="length"/> floats for <paramref name="slot"/> on this thread.</summary>
    internal static float[] Get(Slot slot, int length)
    {
        var buffers = t_buffers ??= new float[]?[Enum.GetValues<Slot>().Length];
        ref var buffer = ref buffers[(int)slot];
        if (buffer is null || buffer.Length < length) buffer = GC.AllocateUninitializedArray<float>(Math.Max(length, 1));
        return buffer;
    }
}
