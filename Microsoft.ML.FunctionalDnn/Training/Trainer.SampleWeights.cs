namespace Microsoft.ML.FunctionalDnn;

/// <summary>Fit's <c>classWeight</c>: a weight per sample from its class, times its <c>sampleWeight</c>.</summary>
internal sealed partial class Trainer
{
    /// <summary>
    /// The per-sample weights Fit trains with: <paramref name="sampleWeight"/> alone, or each sample's
    /// class weight (classes not listed weigh 1) times its sample weight. A sample's class is its
    /// int label, its rounded float label (one value per sample) or the argmax of its one-hot row;
    /// for sequence targets, the first step's.
    /// </summary>
    private Tensor? SampleWeights(Tensor[] targets, Tensor? sampleWeight, IReadOnlyDictionary<int, float>? classWeight)
    {
        if (classWeight is null) return sampleWeight;
        if (targets.Length != 1) throw new ArgumentException($"classWeight applies to models with one output; model '{Model.Name}' has {targets.Length}. Use sampleWeight instead.");
        var labels = Labels(targets[0]);
        var sampleWeights = sampleWeight?.ToArray();
        var w = new float[labels.Length];
        for (int i = 0; i < w.Length; i++)
        {
            w[i] = classWeight.TryGetValue(labels[i], out float cw) ? cw : 1f;
            if (sampleWeights is not null) w[i] *= sampleWeights[i];
        }
        return Tensor.FromOwnedArray(w, new Shape(w.Length));
    }

    /// <summary>Each sample's class index, read from the host in one copy.</summary>
    private static int[] Labels(Tensor targets)
    {
        int n = targets.Shape[0], per = targets.Size / Math.Max(n, 1);
        var labels = new int[n];
        if (targets.DType == DType.Int32)
        {
            var ids = targets.ToIntArray();
            for (int i = 0; i < n; i++) labels[i] = ids[i * per];
        }
        else if (per == 1)
        {
            var values = targets.ToArray();
            for (int i = 0; i < n; i++) labels[i] = (int)MathF.Round(values[i]);
        }
        else
        {
            var classes = Ops.ArgMax(targets).ToIntArray();
            int perArg = classes.Length / Math.Max(n, 1);
            for (int i = 0; i < n; i++) labels[i] = classes[i * perArg];
        }
        return labels;
    }
}
