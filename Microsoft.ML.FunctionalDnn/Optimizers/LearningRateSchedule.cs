using Microsoft.ML.FunctionalDnn.Saving;

namespace Microsoft.ML.FunctionalDnn.Optimizers.Schedules;

/// <summary>A learning rate that depends on the optimizer's step count (Keras's <c>optimizers.schedules</c>).</summary>
public abstract class LearningRateSchedule
{
    /// <summary>The rate at step <paramref name="step"/> (0 for the first update).</summary>
    public abstract float At(long step);

    /// <summary>Keras's class name of the schedule, as saved.</summary>
    internal abstract string ClassName { get; }

    /// <summary>The schedule's arguments under Keras's keys, as saved.</summary>
    internal abstract Dictionary<string, object?> GetConfig();

    /// <summary>The optimizer's saved <c>learning_rate</c> for this schedule: Keras's serialized form.</summary>
    internal Dictionary<string, object?> Serialize() => new()
    {
        ["module"] = "keras.optimizers.schedules",
        ["class_name"] = ClassName,
        ["config"] = GetConfig(),
    };

    /// <summary>A schedule from its serialized form (see <see cref="Serialize"/>).</summary>
    /// <exception cref="InvalidDataException">An unknown class or a bad argument; the message names the file.</exception>
    internal static LearningRateSchedule Deserialize(ConfigReader c)
    {
        var config = c.Sub("config", "learning-rate schedule");
        try
        {
            return c.String("class_name") switch
            {
                "ExponentialDecay" => new ExponentialDecay(config.Float("initial_learning_rate"), config.Int("decay_steps"), config.Float("decay_rate"), config.Has("staircase") && config.Bool("staircase")),
                "CosineDecay" => new CosineDecay(config.Float("initial_learning_rate"), config.Int("decay_steps"), config.Has("alpha") ? config.Float("alpha") : 0),
                "PiecewiseConstantDecay" => new PiecewiseConstantDecay([.. config.Ints("boundaries").Select(b => (long)b)], config.Floats("values")),
                var other => throw c.Bad($"names the learning-rate schedule '{other}', which is not built in (ExponentialDecay, CosineDecay, PiecewiseConstantDecay)"),
            };
        }
        catch (ArgumentException e)
        {
            throw c.Bad($"holds a schedule that cannot be made: {e.Message}");
        }
    }
}

/// <summary>initial · rate^(step / decaySteps), the exponent floored when <paramref name="staircase"/>.</summary>
public sealed class ExponentialDecay(float initialLearningRate, long decaySteps, float decayRate, bool staircase = false) : LearningRateSchedule
{
    internal override string ClassName => nameof(ExponentialDecay);

    internal override Dictionary<string, object?> GetConfig() => new()
    {
        ["initial_learning_rate"] = initialLearningRate,
        ["decay_steps"] = decaySteps,
        ["decay_rate"] = decayRate,
        ["staircase"] = staircase,
    };

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
    internal override string ClassName => nameof(CosineDecay);

    internal override Dictionary<string, object?> GetConfig() => new()
    {
        ["initial_learning_rate"] = initialLearningRate,
        ["decay_steps"] = decaySteps,
        ["alpha"] = alpha,
    };

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

    internal override string ClassName => nameof(PiecewiseConstantDecay);

    internal override Dictionary<string, object?> GetConfig() => new() { ["boundaries"] = _boundaries, ["values"] = _values };

    /// <inheritdoc/>
    public override float At(long step)
    {
        for (int i = 0; i < _boundaries.Length; i++)
            if (step <= _boundaries[i]) return _values[i];
        return _values[^1];
    }
}
