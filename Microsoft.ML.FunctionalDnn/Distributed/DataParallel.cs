using Microsoft.ML.FunctionalDnn.Callbacks;
using Microsoft.ML.FunctionalDnn.Layers;

namespace Microsoft.ML.FunctionalDnn.Distributed;

/// <summary>
/// Data-parallel training over an MPI job (Keras 3's <c>keras.distribution.DataParallel</c>, Horovod's
/// scheme): every rank holds the whole model; rank 0's weights are broadcast when Fit starts; each
/// global batch (the same shuffled order on every rank, from Fit's seed) is split evenly, each rank
/// computing the gradients of its rows; the gradients are summed over the ranks with MPI_Allreduce in
/// fixed-size buckets in the weights' order (weighted by each rank's share of the batch, so the result
/// is the global batch's mean gradient) and every rank applies the same update; the logs are averaged
/// over the ranks, weighted by their samples, so callbacks decide alike everywhere; callbacks that
/// write (progress, checkpoints, backups, TensorBoard, CSV) run on rank 0 only.
/// </summary>
internal sealed class DataParallel(MpiCommunicator world)
{
    /// <summary>Floats per allreduce call: large enough to amortize latency, small enough to bound the copy buffer.</summary>
    internal const int BucketFloats = 1 << 20;

    internal MpiCommunicator World { get; } = world;

    /// <summary>Seconds this process has spent in the gradients' MPI_Allreduce (the benchmarks read and reset it).</summary>
    internal static double AllReduceSeconds { get; set; }

    internal int Rank => World.Rank;

    internal int Size => World.Size;

    /// <summary>
    /// The job this process trains in (Keras.Config.Distribution): under Auto, a job of several ranks
    /// started by mpirun with a supported MPI library; under DataParallel, the MPI job, which must exist;
    /// null for a job of one, or under None.
    /// </summary>
    /// <exception cref="MpiException">DataParallel was asked for and MPI is not available (the message says why).</exception>
    internal static DataParallel? Current()
    {
        switch (Keras.Config.Distribution)
        {
            case Distribution.None:
                return null;
            case Distribution.Auto when !MpiCommunicator.LaunchedByMpi || !MpiCommunicator.IsAvailable(out _):
                return null;
            case Distribution.DataParallel when !MpiCommunicator.IsAvailable(out string why):
                throw new MpiException($"Keras.Config.Distribution is DataParallel, but MPI is not available: {why}");
        }
        var world = MpiCommunicator.World;
        return world.Size > 1 ? new DataParallel(world) : null;
    }

    /// <summary>Rank 0's weights (trainable and not) on every rank.</summary>
    internal void BroadcastWeights(Model model)
    {
        var values = model.Weights.Select(w => w.Value).ToList();
        Buckets(values, buffer => World.Broadcast(buffer, 0));
    }

    /// <summary>
    /// Rank 0's optimizer state — its step count, learning rate and every weight's slots (moments,
    /// velocities) — on every rank, so a Fit that continues a trained or loaded model on rank 0 continues
    /// it everywhere. Nothing moves when rank 0 has no state yet (a first Fit: every rank starts fresh).
    /// </summary>
    internal void BroadcastOptimizerState(Model model, Optimizers.Optimizer optimizer)
    {
        var named = model.NamedWeights();
        var keys = named.Select(p => p.Key).ToList();
        var state = Rank == 0 ? optimizer.ExportState(named) : null;
        // The header: whether there is state, the step count in four 16-bit parts (exact in floats), the rate,
        // how many weights have slots, how many slots each; then the weights' indices.
        var slotted = state is null ? [] : keys.Select((k, i) => (k, i)).Where(p => state.Any(e => e.Key == $"optimizer/{p.k}/0")).Select(p => p.i).ToList();
        long iterations = optimizer.Iterations;
        int slotsPerWeight = state is null || slotted.Count == 0 ? 0 : state.Count(e => e.Key.StartsWith($"optimizer/{keys[slotted[0]]}/", StringComparison.Ordinal));
        var header = new float[8];
        if (Rank == 0)
        {
            header[0] = iterations > 0 || slotted.Count > 0 ? 1 : 0;
            for (int k = 0; k < 4; k++) header[1 + k] = (iterations >> (16 * k)) & 0xFFFF;
            header[5] = optimizer.LearningRateValue;
            header[6] = slotted.Count;
            header[7] = slotsPerWeight;
        }
        World.Broadcast(header, 0);
        if (header[0] == 0) return;
        var indices = Rank == 0 ? [.. slotted.Select(i => (float)i)] : new float[(int)header[6]];
        if (indices.Length > 0) World.Broadcast(indices, 0);
        slotsPerWeight = (int)header[7];
        var entries = new List<KeyValuePair<string, Tensor>>();
        long steps = 0;
        for (int k = 0; k < 4; k++) steps |= (long)header[1 + k] << (16 * k);
        entries.Add(new("optimizer/iterations", Tensor.FromArray(new[] { (int)(steps >> 32), (int)(steps & 0xFFFFFFFF) })));
        entries.Add(new("optimizer/learning_rate", Tensor.FromArray(new[] { header[5] })));
        var slots = new List<(string Key, Shape Shape)>();
        foreach (int i in indices.Select(v => (int)v))
            for (int s = 0; s < slotsPerWeight; s++) slots.Add(($"optimizer/{keys[i]}/{s}", named[i].Value.Shape));
        var arrays = slots.Select(slot => Rank == 0 ? state!.Single(e => e.Key == slot.Key).Value.ToArray() : new float[slot.Shape.Size]).ToList();
        BucketArrays(arrays, buffer => World.Broadcast(buffer, 0));
        for (int j = 0; j < slots.Count; j++) entries.Add(new(slots[j].Key, Tensor.FromArray(arrays[j], slots[j].Shape)));
        optimizer.ImportState(entries.ToDictionary(e => e.Key, e => e.Value), named, "rank 0's optimizer state");
    }

    /// <summary>The non-trainable weights (moving statistics each rank updated from its own rows) replaced by their mean over the ranks.</summary>
    internal void AverageNonTrainable(Model model)
    {
        var values = model.Weights.Where(w => !w.Trainable).Select(w => w.Value).ToList();
        if (values.Count == 0) return;
        float inverse = 1f / Size;
        Buckets(values, buffer =>
        {
            World.AllReduceSum(buffer);
            for (int i = 0; i < buffer.Length; i++) buffer[i] *= inverse;
        });
    }

    /// <summary>This rank's rows of a global batch: an even split, the first ranks taking one more when it does not divide.</summary>
    internal (int Start, int Count) Share(int batchRows)
    {
        int baseCount = batchRows / Size, extra = batchRows % Size;
        int start = Rank * baseCount + Math.Min(Rank, extra);
        return (start, baseCount + (Rank < extra ? 1 : 0));
    }

    /// <summary>
    /// The gradients summed over the ranks, in place: each rank's scaled by its share of the global batch
    /// (<paramref name="localRows"/> of <paramref name="globalRows"/>) first, so the sum is the global mean.
    /// A rank with no rows in this batch passes null gradients and contributes zeros.
    /// </summary>
    internal Tensor[] AllReduceGradients(IReadOnlyList<Tensor?>? gradients, Tensor[] weights, int localRows, int globalRows)
    {
        float scale = (float)localRows / globalRows;
        var result = new Tensor[weights.Length];
        var values = new List<float[]>(weights.Length);
        for (int i = 0; i < weights.Length; i++)
        {
            // A weight the loss did not reach has no gradient here: zeros (another rank's rows may reach it).
            var data = gradients?[i] is { } g ? g.ToArray() : new float[weights[i].Size];
            if (scale != 1) for (int k = 0; k < data.Length; k++) data[k] *= scale;
            values.Add(data);
        }
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        BucketArrays(values, World.AllReduceSum);
        AllReduceSeconds += System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds;
        for (int i = 0; i < weights.Length; i++) result[i] = Tensor.FromArray(values[i], weights[i].Shape);
        return result;
    }

    /// <summary>Epoch logs averaged over the ranks, weighted by each rank's sample count (exact for means: losses, accuracy, errors).</summary>
    internal Dictionary<string, float> ReduceLogs(IReadOnlyDictionary<string, float> logs, long samples)
    {
        var keys = logs.Keys.Order(StringComparer.Ordinal).ToList();
        var buffer = new float[keys.Count + 1];
        for (int i = 0; i < keys.Count; i++) buffer[i] = logs[keys[i]] * samples;
        buffer[^1] = samples;
        World.AllReduceSum(buffer);
        var reduced = new Dictionary<string, float>();
        for (int i = 0; i < keys.Count; i++) reduced[keys[i]] = buffer[^1] == 0 ? 0 : buffer[i] / buffer[^1];
        return reduced;
    }

    /// <summary>Whether a callback runs on this rank: everything on rank 0; on the others, only those that write nothing.</summary>
    internal bool Runs(Callback callback) =>
        Rank == 0 || callback is not (ProgressLogger or ModelCheckpoint or BackupAndRestore or TensorBoard or CsvLogger);

    private static void Buckets(List<Tensor> tensors, Action<float[]> collective)
    {
        var arrays = tensors.Select(t => t.ToArray()).ToList();
        BucketArrays(arrays, collective);
        for (int i = 0; i < tensors.Count; i++) tensors[i].Assign(Tensor.FromArray(arrays[i], tensors[i].Shape));
    }

    /// <summary>Runs <paramref name="collective"/> over the arrays packed in order into buckets of at most <see cref="BucketFloats"/> (larger arrays alone).</summary>
    private static void BucketArrays(List<float[]> arrays, Action<float[]> collective)
    {
        int i = 0;
        while (i < arrays.Count)
        {
            int j = i, total = 0;
            while (j < arrays.Count && (j == i || total + arrays[j].Length <= BucketFloats)) total += arrays[j++].Length;
            var bucket = new float[total];
            for (int k = i, at = 0; k < j; at += arrays[k].Length, k++) arrays[k].CopyTo(bucket, at);
            collective(bucket);
            for (int k = i, at = 0; k < j; at += arrays[k].Length, k++) Array.Copy(bucket, at, arrays[k], 0, arrays[k].Length);
            i = j;
        }
    }
}
