using System.Globalization;

namespace Microsoft.ML.FunctionalDnn.Losses;

/// <summary>
/// -log ŷ[label] for int32 labels (batch,) or (batch, 1) against probabilities (batch, classes);
/// clipped like categorical crossentropy, or log-softmax with <paramref name="fromLogits"/>.
/// </summary>
public sealed class SparseCategoricalCrossentropy(bool fromLogits = false) : Loss
{
    /// <inheritdoc/>
    public override string Name => "sparse_categorical_crossentropy";

    internal override Dictionary<string, object?>? GetConfig() => new() { ["name"] = Name, ["from_logits"] = fromLogits };

    /// <inheritdoc/>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        int classes = yPred.Shape[-1];
        if (yTrue.Size * classes != yPred.Size)
            throw new ArgumentException($"Loss '{Name}': expected one integer label per prediction row ({yPred.Size / Math.Max(classes, 1)}) for predictions {yPred.Shape}; received labels {yTrue.Shape}.");
        CheckLabels(yTrue, classes);
        var labels = yTrue.DType == DType.Int32 ? yTrue : Ops.Cast(yTrue, DType.Int32);
        if (labels.Rank == yPred.Rank && labels.Shape[-1] == 1) labels = Ops.Squeeze(labels, -1);
        var oneHot = Ops.OneHot(labels, classes);
        return new CategoricalCrossentropy(fromLogits).PerSample(oneHot, yPred);
    }

    /// <summary>
    /// Refuses labels that are not class indices 0…<paramref name="classes"/>-1, naming the sample.
    /// Float labels are accepted when whole (Keras casts them to int); a fractional one is refused
    /// rather than truncated, since it means one-hot or probability targets were meant. The check
    /// runs as ops, so one scalar comes to the host; the labels are copied there to find the
    /// offending one only when there is one.
    /// </summary>
    internal static void CheckLabels(Tensor labels, int classes)
    {
        if (labels.Size == 0 || Ops.Min(ValidLabels(labels, classes)).Item() == 1) return;
        int perSample = labels.Rank == 0 || labels.Shape[0] == 0 ? 1 : Math.Max(1, labels.Size / labels.Shape[0]);
        if (labels.DType == DType.Int32)
        {
            var ids = labels.ToIntArray();
            for (int i = 0; i < ids.Length; i++)
                if ((uint)ids[i] >= (uint)classes) ThrowLabel(ids[i].ToString(CultureInfo.InvariantCulture), i, perSample, classes, "is outside the classes");
            return;
        }
        var values = labels.ToArray();
        for (int i = 0; i < values.Length; i++)
        {
            float v = values[i];
            if (!(v >= 0 && v < classes)) ThrowLabel(v.ToString(CultureInfo.InvariantCulture), i, perSample, classes, "is outside the classes");
            if (v != MathF.Floor(v)) ThrowLabel(v.ToString(CultureInfo.InvariantCulture), i, perSample, classes, "is not a whole number; sparse labels are class indices (for one-hot or probability targets use categorical_crossentropy)");
        }
    }

    /// <summary>1 for each label that is a class index, else 0: in range and, for float labels, whole (truncating to int and back gives it again).</summary>
    private static Tensor ValidLabels(Tensor labels, int classes)
    {
        var inRange = Ops.InRange(labels, 0, classes);
        if (labels.DType == DType.Int32) return inRange;
        var whole = Ops.Equal(Ops.Cast(Ops.Cast(labels, DType.Int32), DType.Float32), labels);
        return Ops.Multiply(inRange, whole);
    }

    private static void ThrowLabel(string value, int index, int perSample, int classes, string problem) =>
        throw new ArgumentException($"Loss 'sparse_categorical_crossentropy': label {value} of sample {index / perSample}"
            + (perSample > 1 ? $" (position {index % perSample})" : "") + $" {problem}: expected an integer in 0…{classes - 1} ({classes} classes).");
}
