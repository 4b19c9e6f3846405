namespace Microsoft.ML.FunctionalDnn;

/// <summary>A learning rate that depends on the optimizer's step count (Keras's <c>optimizers.schedules</c>).</summary>
public abstract class LearningRateSchedule
{
    /// <summary>The rate at step <paramref name="step"/> (0 for the first update).</summary>
    public abstract float At(long step);
}

/// <summary>initial · rate^(step / decaySteps), the exponent floored when <paramref name="staircase"/>.</summary>
public sealed class ExponentialDecay(float initialLearningRate, long decaySteps, float decayRate, bool staircase = false) : LearningRateSchedule
{
    /// <inheritdoc/>
    public override float At(long step)
    {
        double p = (double)step / Math.Max(1, decaySteps);
        if (staircase) p = Math.Floor(p);
        return (float)(initialLearningRate * Math.Pow(decayRate, p));
    }
}

/// <summary>Cosine decay from initial to initial·alpha over <paramref name="decaySteps"/> (then constant), as Keras's CosineDecay without warm-up.</summary>
public sealed class CosineDecay(float initialLearningRate, long decaySteps, float alpha = 0) : LearningRateSchedule
{
    /// <inheritdoc/>
    public override float At(long step)
    {
        double progress = Math.Min(step, decaySteps) / (double)Math.Max(1, decaySteps);
        double cosine = 0.5 * (1 + Math.Cos(Math.PI * progress));
        return (float)(initialLearningRate * ((1 - alpha) * cosine + alpha));
    }
}

/// <summary>values[0] up to boundaries[0], values[1] up to boundaries[1], …, the last value after (Keras's PiecewiseConstantDecay).</summary>
public sealed class PiecewiseConstantDecay : LearningRateSchedule
{
    private readonly long[] _boundaries;
    private readonly float[] _values;

    /// <summary>Needs one more value than boundaries; boundaries must increase.</summary>
    public PiecewiseConstantDecay(long[] boundaries, float[] values)
    {
        ArgumentNullException.ThrowIfNull(boundaries);
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length != boundaries.Length + 1)
            throw new ArgumentException($"PiecewiseConstantDecay needs one more value than boundaries; received {boundaries.Length} boundaries and {values.Length} values.", nameof(values));
        for (int i = 1; i < boundaries.Length; i++)
            if (boundaries[i] <= boundaries[i - 1]) throw new ArgumentException("Boundaries must increase.", nameof(boundaries));
        (_boundaries, _values) = ((long[])boundaries.Clone(), (float[])values.Clone());
    }

    /// <inheritdoc/>
    public override float At(long step)
    {
        for (int i = 0; i < _boundaries.Length; i++)
            if (step <= _boundaries[i]) return _values[i];
        return _values[^1];
    }
}
