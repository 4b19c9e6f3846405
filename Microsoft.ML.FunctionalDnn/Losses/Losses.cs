using System.Globalization;

namespace Microsoft.ML.FunctionalDnn;

/// <summary>mean((y - ŷ)²) over the last axis.</summary>
public sealed class MeanSquaredError : Loss
{
    /// <inheritdoc/>
    public override string Name => "mean_squared_error";

    /// <inheritdoc/>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        RequireSameShape(yTrue, yPred);
        return PerSampleMean(Ops.Square(Ops.Subtract(yPred, AsFloat(yTrue))));
    }
}

/// <summary>mean(|y - ŷ|) over the last axis.</summary>
public sealed class MeanAbsoluteError : Loss
{
    /// <inheritdoc/>
    public override string Name => "mean_absolute_error";

    /// <inheritdoc/>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        RequireSameShape(yTrue, yPred);
        return PerSampleMean(Ops.Abs(Ops.Subtract(yPred, AsFloat(yTrue))));
    }
}

/// <summary>100 · mean(|y - ŷ| / max(|y|, ε)).</summary>
public sealed class MeanAbsolutePercentageError : Loss
{
    /// <inheritdoc/>
    public override string Name => "mean_absolute_percentage_error";

    /// <inheritdoc/>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        RequireSameShape(yTrue, yPred);
        var y = AsFloat(yTrue);
        var ratio = Ops.Divide(Ops.Abs(Ops.Subtract(y, yPred)), Ops.Maximum(Ops.Abs(y), Tensor.Scalar(Epsilon)));
        return Ops.Multiply(PerSampleMean(ratio), Tensor.Scalar(100));
    }
}

/// <summary>Huber loss with threshold <paramref name="delta"/>: ½e² for |e| ≤ δ, δ(|e| - ½δ) beyond.</summary>
public sealed class Huber(float delta = 1f) : Loss
{
    /// <inheritdoc/>
    public override string Name => "huber";

    internal override Dictionary<string, object?>? GetConfig() => new() { ["name"] = Name, ["delta"] = delta };

    /// <inheritdoc/>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        RequireSameShape(yTrue, yPred);
        var abs = Ops.Abs(Ops.Subtract(yPred, AsFloat(yTrue)));
        var quadratic = Ops.Minimum(abs, Tensor.Scalar(delta));
        // ½q² + δ(|e| - q), the usual piecewise form written without branches.
        var loss = Ops.Add(Ops.Multiply(Tensor.Scalar(0.5f), Ops.Square(quadratic)), Ops.Multiply(Tensor.Scalar(delta), Ops.Subtract(abs, quadratic)));
        return PerSampleMean(loss);
    }
}

/// <summary>mean(log(cosh(ŷ - y))), computed as x + softplus(-2x) - log 2 so large errors do not overflow.</summary>
public sealed class LogCosh : Loss
{
    /// <inheritdoc/>
    public override string Name => "log_cosh";

    /// <inheritdoc/>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        RequireSameShape(yTrue, yPred);
        var x = Ops.Subtract(yPred, AsFloat(yTrue));
        var logCosh = Ops.Subtract(Ops.Add(x, Ops.Softplus(Ops.Multiply(x, Tensor.Scalar(-2)))), Tensor.Scalar(MathF.Log(2)));
        return PerSampleMean(logCosh);
    }
}

/// <summary>
/// -Σ y·log ŷ over the last axis. On probabilities (the default), ŷ is renormalized to sum to 1
/// and clipped to [1e-7, 1 - 1e-7], as Keras does; with <paramref name="fromLogits"/>, log-softmax is used.
/// </summary>
public sealed class CategoricalCrossentropy(bool fromLogits = false, float labelSmoothing = 0) : Loss
{
    /// <inheritdoc/>
    public override string Name => "categorical_crossentropy";

    internal override Dictionary<string, object?>? GetConfig() => new() { ["name"] = Name, ["from_logits"] = fromLogits, ["label_smoothing"] = labelSmoothing };

    /// <inheritdoc/>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        RequireSameShape(yTrue, yPred);
        var y = AsFloat(yTrue);
        if (labelSmoothing > 0)
            y = Ops.Add(Ops.Multiply(y, Tensor.Scalar(1 - labelSmoothing)), Tensor.Scalar(labelSmoothing / yPred.Shape[-1]));
        Tensor logP = fromLogits
            ? Ops.LogSoftmax(yPred)
            : Ops.Log(Ops.Clip(Ops.Divide(yPred, Ops.Sum(yPred, -1, keepDims: true)), Epsilon, 1 - Epsilon));
        return Ops.Negate(PerSampleSumLast(Ops.Multiply(y, logP)));
    }
}

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
    /// rather than truncated, since it means one-hot or probability targets were meant.
    /// </summary>
    internal static void CheckLabels(Tensor labels, int classes)
    {
        int perSample = labels.Rank == 0 || labels.Shape[0] == 0 ? 1 : Math.Max(1, labels.Size / labels.Shape[0]);
        if (labels.DType == DType.Int32)
        {
            var ids = labels.IntData;
            for (int i = 0; i < ids.Length; i++)
                if ((uint)ids[i] >= (uint)classes) ThrowLabel(ids[i].ToString(CultureInfo.InvariantCulture), i, perSample, classes, "is outside the classes");
            return;
        }
        var values = labels.Data;
        for (int i = 0; i < values.Length; i++)
        {
            float v = values[i];
            if (!(v >= 0 && v < classes)) ThrowLabel(v.ToString(CultureInfo.InvariantCulture), i, perSample, classes, "is outside the classes");
            if (v != MathF.Floor(v)) ThrowLabel(v.ToString(CultureInfo.InvariantCulture), i, perSample, classes, "is not a whole number; sparse labels are class indices (for one-hot or probability targets use categorical_crossentropy)");
        }
    }

    private static void ThrowLabel(string value, int index, int perSample, int classes, string problem) =>
        throw new ArgumentException($"Loss 'sparse_categorical_crossentropy': label {value} of sample {index / perSample}"
            + (perSample > 1 ? $" (position {index % perSample})" : "") + $" {problem}: expected an integer in 0…{classes - 1} ({classes} classes).");
}

/// <summary>-(y log ŷ + (1-y) log(1-ŷ)) averaged over the last axis; ŷ clipped to [1e-7, 1 - 1e-7], or sigmoid logits with <paramref name="fromLogits"/>.</summary>
public sealed class BinaryCrossentropy(bool fromLogits = false) : Loss
{
    /// <inheritdoc/>
    public override string Name => "binary_crossentropy";

    internal override Dictionary<string, object?>? GetConfig() => new() { ["name"] = Name, ["from_logits"] = fromLogits };

    /// <inheritdoc/>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        var y = AsFloat(yTrue);
        if (y.Shape != yPred.Shape && y.Size == yPred.Size) y = y.Reshape(yPred.Shape.ToArray());
        RequireSameShape(y, yPred);
        if (fromLogits)
        {
            // max(x, 0) - x·y + log(1 + e^-|x|)
            var loss = Ops.Add(Ops.Subtract(Ops.Relu(yPred), Ops.Multiply(yPred, y)), Ops.Softplus(Ops.Negate(Ops.Abs(yPred))));
            return PerSampleMean(loss);
        }
        var p = Ops.Clip(yPred, Epsilon, 1 - Epsilon);
        var ll = Ops.Add(Ops.Multiply(y, Ops.Log(p)), Ops.Multiply(Ops.Subtract(Tensor.Scalar(1), y), Ops.Log(Ops.Subtract(Tensor.Scalar(1), p))));
        return Ops.Negate(PerSampleMean(ll));
    }
}

/// <summary>Σ y·log(y / ŷ) over the last axis, both clipped to [1e-7, 1].</summary>
public sealed class KLDivergence : Loss
{
    /// <inheritdoc/>
    public override string Name => "kl_divergence";

    /// <inheritdoc/>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        RequireSameShape(yTrue, yPred);
        var y = Ops.Clip(AsFloat(yTrue), Epsilon, 1);
        var p = Ops.Clip(yPred, Epsilon, 1);
        return PerSampleSumLast(Ops.Multiply(y, Ops.Log(Ops.Divide(y, p))));
    }
}

/// <summary>mean(ŷ - y·log(ŷ + ε)).</summary>
public sealed class Poisson : Loss
{
    /// <inheritdoc/>
    public override string Name => "poisson";

    /// <inheritdoc/>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        RequireSameShape(yTrue, yPred);
        return PerSampleMean(Ops.Subtract(yPred, Ops.Multiply(AsFloat(yTrue), Ops.Log(Ops.Add(yPred, Tensor.Scalar(Epsilon))))));
    }
}

/// <summary>-cos(y, ŷ) along the last axis (Keras's convention: minimizing it maximizes similarity).</summary>
public sealed class CosineSimilarity : Loss
{
    /// <inheritdoc/>
    public override string Name => "cosine_similarity";

    /// <inheritdoc/>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        RequireSameShape(yTrue, yPred);
        static Tensor Normalize(Tensor t) => Ops.Divide(t, Ops.Sqrt(Ops.Maximum(Ops.Sum(Ops.Square(t), -1, keepDims: true), Tensor.Scalar(1e-12f))));
        return Ops.Negate(PerSampleSumLast(Ops.Multiply(Normalize(AsFloat(yTrue)), Normalize(yPred))));
    }
}

/// <summary>mean(max(1 - y·ŷ, 0)) with 0/1 targets mapped to -1/1.</summary>
public sealed class Hinge : Loss
{
    /// <inheritdoc/>
    public override string Name => "hinge";

    /// <inheritdoc/>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        RequireSameShape(yTrue, yPred);
        var y = AsFloat(yTrue);
        // Keras converts {0, 1} targets to {-1, 1}; targets already in {-1, 1} are kept.
        bool zeroOne = y.Data.ToArray().All(v => v is 0 or 1);
        if (zeroOne) y = Ops.Subtract(Ops.Multiply(y, Tensor.Scalar(2)), Tensor.Scalar(1));
        return PerSampleMean(Ops.Relu(Ops.Subtract(Tensor.Scalar(1), Ops.Multiply(y, yPred))));
    }
}
