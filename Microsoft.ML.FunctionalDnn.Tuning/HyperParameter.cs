// IntHyperParameter and FloatHyperParameter declare the same members (min, max, step, sampling,
// default, their JSON), as KerasTuner's Int and Float do; they are kept as two plain types rather
// than one generic base over INumber<T>, which would put a generic type into the public API for a
// handful of properties, while what they do with them (integer rounding and integer steps against
// continuous ranges and float grids) differs.
using System.Globalization;
using System.Text.Json.Nodes;

namespace Microsoft.ML.FunctionalDnn.Tuning;

/// <summary>How a numeric hyperparameter's range is explored.</summary>
public enum Sampling
{
    /// <summary>Uniformly over the range.</summary>
    Linear,

    /// <summary>Uniformly over the logarithm of the range (learning rates, sizes over decades); with a step, the step is a factor.</summary>
    Log,

    /// <summary>Dense near the maximum: 1 − log-uniform, mirrored.</summary>
    ReverseLog,
}

/// <summary>A condition on a parent hyperparameter: the child is active only when the parent takes one of <see cref="Values"/>.</summary>
/// <param name="Parent">The parent's name.</param>
/// <param name="Values">The parent values that activate the child.</param>
public sealed record HyperParameterCondition(string Parent, IReadOnlyList<object> Values);

/// <summary>
/// One dimension of a search space (KerasTuner's HyperParameter): its name, default, the
/// conditions that make it active, and how values map to and from the unit interval (random and
/// Bayesian search) or to a finite grid (grid search).
/// </summary>
public abstract class HyperParameter
{
    private protected HyperParameter(string name, IReadOnlyList<HyperParameterCondition> conditions)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        Conditions = conditions;
    }

    /// <summary>The name the model-building function declared it with.</summary>
    public string Name { get; }

    /// <summary>The conditions on parents that make it active (all must hold).</summary>
    public IReadOnlyList<HyperParameterCondition> Conditions { get; }

    /// <summary>The value used when it is inactive or not yet sampled.</summary>
    public abstract object Default { get; }

    /// <summary>The value at position <paramref name="u"/> in [0, 1].</summary>
    public abstract object FromUnit(double u);

    /// <summary>The position in [0, 1] of <paramref name="value"/> (the inverse of <see cref="FromUnit"/>).</summary>
    public abstract double ToUnit(object value);

    /// <summary>Every value of a finite grid, or null when the space is continuous (a Float without a step).</summary>
    public abstract IReadOnlyList<object>? GridValues();

    /// <summary>The value as written in results ("0.001", "64", "relu").</summary>
    public virtual string Format(object value) => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";

    /// <summary>Converts a value read back from JSON to this parameter's type.</summary>
    internal abstract object FromJson(JsonNode node);

    /// <summary>The definition, for the project's saved state.</summary>
    internal abstract JsonObject ToJson();

    private protected JsonObject Base(string kind) => new()
    {
        ["kind"] = kind,
        ["name"] = Name,
        ["conditions"] = new JsonArray([.. Conditions.Select(c => (JsonNode)new JsonObject
        {
            ["parent"] = c.Parent,
            ["values"] = new JsonArray([.. c.Values.Select(ValueNode)]),
        })]),
    };

    internal static JsonNode? ValueNode(object value) => value switch
    {
        int i => JsonValue.Create(i),
        double d => JsonValue.Create(d),
        bool b => JsonValue.Create(b),
        string s => JsonValue.Create(s),
        _ => throw new ArgumentException($"Hyperparameter values must be int, double, bool or string; received {value.GetType().Name}."),
    };

    /// <summary>A JSON value as int, double, bool or string, whichever it holds.</summary>
    internal static object PlainValue(JsonNode node)
    {
        var v = node.AsValue();
        if (v.TryGetValue(out bool b)) return b;
        if (v.TryGetValue(out string? s)) return s;
        var text = node.ToJsonString();
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int i) ? i : node.GetValue<double>();
    }

    internal static HyperParameter FromJsonDefinition(JsonObject o)
    {
        string name = o["name"]!.GetValue<string>();
        var conditions = o["conditions"]!.AsArray().Select(c => new HyperParameterCondition(c!["parent"]!.GetValue<string>(),
            [.. c["values"]!.AsArray().Select(v => PlainValue(v!))])).ToArray();
        Sampling Sampling() => Enum.Parse<Sampling>(o["sampling"]!.GetValue<string>());
        return o["kind"]!.GetValue<string>() switch
        {
            "Int" => new IntHyperParameter(name, o["min"]!.GetValue<int>(), o["max"]!.GetValue<int>(), o["step"]?.GetValue<int>(), Sampling(), o["default"]!.GetValue<int>(), conditions),
            "Float" => new FloatHyperParameter(name, o["min"]!.GetValue<double>(), o["max"]!.GetValue<double>(), o["step"]?.GetValue<double>(), Sampling(), o["default"]!.GetValue<double>(), conditions),
            "Choice" => new ChoiceHyperParameter(name, [.. o["values"]!.AsArray().Select(v => PlainValue(v!))], PlainValue(o["default"]!), conditions),
            "Boolean" => new BooleanHyperParameter(name, o["default"]!.GetValue<bool>(), conditions),
            "Fixed" => new FixedHyperParameter(name, PlainValue(o["value"]!), conditions),
            var kind => throw new InvalidDataException($"Unknown hyperparameter kind '{kind}' for '{name}' in the saved search state."),
        };
    }

    /// <summary>Maps u ∈ [0, 1] onto [min, max] with the sampling's warping (log ranges need min &gt; 0).</summary>
    private protected static double Warp(double u, double min, double max, Sampling sampling) => sampling switch
    {
        Sampling.Log => min * Math.Pow(max / min, u),
        Sampling.ReverseLog => max + min - min * Math.Pow(max / min, 1 - u),
        _ => min + u * (max - min),
    };

    private protected static double Unwarp(double v, double min, double max, Sampling sampling)
    {
        if (max == min) return 0.5;
        double u = sampling switch
        {
            Sampling.Log => Math.Log(v / min) / Math.Log(max / min),
            Sampling.ReverseLog => 1 - Math.Log((max + min - v) / min) / Math.Log(max / min),
            _ => (v - min) / (max - min),
        };
        return Math.Clamp(u, 0, 1);
    }

    private protected static void CheckRange(string name, double min, double max, Sampling sampling)
    {
        if (!(min <= max)) throw new ArgumentException($"Hyperparameter '{name}': minValue {min} is greater than maxValue {max}.");
        if (sampling != Sampling.Linear && min <= 0)
            throw new ArgumentException($"Hyperparameter '{name}': {sampling} sampling needs a positive range; received minValue {min}.");
    }
}

/// <summary>An integer in [min, max] (max included), optionally on steps.</summary>
public sealed class IntHyperParameter : HyperParameter
{
    internal IntHyperParameter(string name, int min, int max, int? step, Sampling sampling, int? @default, IReadOnlyList<HyperParameterCondition> conditions)
        : base(name, conditions)
    {
        CheckRange(name, min, max, sampling);
        if (step is <= 0 || (step is 1 && sampling != Sampling.Linear)) throw new ArgumentException($"Hyperparameter '{name}': step must be positive (and above 1 for log sampling, where it is a factor); received {step}.");
        (Min, Max, Step, Sampling) = (min, max, step, sampling);
        DefaultValue = @default ?? min;
    }

    /// <summary>The smallest value.</summary>
    public int Min { get; }

    /// <summary>The largest value (included).</summary>
    public int Max { get; }

    /// <summary>The step between values (a factor with log sampling); null for every integer.</summary>
    public int? Step { get; }

    /// <summary>How the range is explored.</summary>
    public Sampling Sampling { get; }

    private int DefaultValue { get; }

    /// <inheritdoc/>
    public override object Default => DefaultValue;

    private int[]? Steps()
    {
        if (Step is not int step) return null;
        var values = new List<int>();
        if (Sampling == Sampling.Log) for (long v = Min; v <= Max; v *= step) values.Add((int)v);
        else for (long v = Min; v <= Max; v += step) values.Add((int)v);
        return [.. values];
    }

    /// <inheritdoc/>
    public override object FromUnit(double u)
    {
        if (Steps() is { } steps) return steps[Math.Min(steps.Length - 1, (int)(Math.Clamp(u, 0, 1) * steps.Length))];
        double v = Warp(Math.Clamp(u, 0, 1), Min - 0.5, Max + 0.4999, Sampling == Sampling.Linear ? Sampling.Linear : Sampling);
        return Math.Clamp((int)Math.Round(v), Min, Max);
    }

    /// <inheritdoc/>
    public override double ToUnit(object value)
    {
        int v = Convert.ToInt32(value, CultureInfo.InvariantCulture);
        if (Steps() is { } steps)
        {
            int i = Array.IndexOf(steps, v);
            return i < 0 ? Unwarp(v, Min, Max, Sampling) : (i + 0.5) / steps.Length;
        }
        return Unwarp(v, Min - 0.5, Max + 0.4999, Sampling);
    }

    /// <inheritdoc/>
    public override IReadOnlyList<object> GridValues() => [.. (Steps() ?? [.. Enumerable.Range(Min, Max - Min + 1)]).Cast<object>()];

    internal override object FromJson(JsonNode node) => node.GetValue<int>();

    internal override JsonObject ToJson()
    {
        var o = Base("Int");
        (o["min"], o["max"], o["step"], o["sampling"], o["default"]) = (Min, Max, Step, Sampling.ToString(), DefaultValue);
        return o;
    }
}

/// <summary>A real number in [min, max], optionally on steps.</summary>
public sealed class FloatHyperParameter : HyperParameter
{
    internal FloatHyperParameter(string name, double min, double max, double? step, Sampling sampling, double? @default, IReadOnlyList<HyperParameterCondition> conditions)
        : base(name, conditions)
    {
        CheckRange(name, min, max, sampling);
        if (step is <= 0) throw new ArgumentException($"Hyperparameter '{name}': step must be positive; received {step}.");
        (Min, Max, Step, Sampling) = (min, max, step, sampling);
        DefaultValue = @default ?? min;
    }

    /// <summary>The smallest value.</summary>
    public double Min { get; }

    /// <summary>The largest value (included).</summary>
    public double Max { get; }

    /// <summary>The step between values (a factor with log sampling), or null for a continuous range.</summary>
    public double? Step { get; }

    /// <summary>How the range is explored.</summary>
    public Sampling Sampling { get; }

    private double DefaultValue { get; }

    /// <inheritdoc/>
    public override object Default => DefaultValue;

    /// <inheritdoc/>
    public override object FromUnit(double u)
    {
        if (GridValues() is { } grid) return grid[Math.Min(grid.Count - 1, (int)(Math.Clamp(u, 0, 1) * grid.Count))];
        return Math.Clamp(Warp(Math.Clamp(u, 0, 1), Min, Max, Sampling), Min, Max);
    }

    /// <inheritdoc/>
    public override double ToUnit(object value)
    {
        double v = Convert.ToDouble(value, CultureInfo.InvariantCulture);
        if (GridValues() is { } grid)
        {
            int i = grid.Select((g, k) => (d: Math.Abs((double)g - v), k)).MinBy(p => p.d).k;
            return (i + 0.5) / grid.Count;
        }
        return Unwarp(v, Min, Max, Sampling);
    }

    /// <inheritdoc/>
    public override IReadOnlyList<object>? GridValues()
    {
        if (Step is not double step) return null;
        var values = new List<object>();
        if (Sampling == Sampling.Log)
        {
            if (step <= 1) throw new ArgumentException($"Hyperparameter '{Name}': with log sampling the step is a factor and must be above 1; received {step}.");
            for (double v = Min; v <= Max * (1 + 1e-9); v *= step) values.Add(v);
        }
        else
        {
            for (int i = 0; Min + i * step <= Max + step * 1e-9; i++) values.Add(Math.Round(Min + i * step, 12));
        }
        return values;
    }

    /// <inheritdoc/>
    public override string Format(object value) => Convert.ToDouble(value, CultureInfo.InvariantCulture).ToString("G6", CultureInfo.InvariantCulture);

    internal override object FromJson(JsonNode node) => node.GetValue<double>();

    internal override JsonObject ToJson()
    {
        var o = Base("Float");
        (o["min"], o["max"], o["step"], o["sampling"], o["default"]) = (Min, Max, Step, Sampling.ToString(), DefaultValue);
        return o;
    }
}

/// <summary>One of a list of values (numbers, strings or booleans).</summary>
public sealed class ChoiceHyperParameter : HyperParameter
{
    internal ChoiceHyperParameter(string name, IReadOnlyList<object> values, object? @default, IReadOnlyList<HyperParameterCondition> conditions)
        : base(name, conditions)
    {
        if (values.Count == 0) throw new ArgumentException($"Hyperparameter '{name}': Choice needs at least one value.");
        if (values.Select(v => v.GetType()).Distinct().Count() > 1)
            throw new ArgumentException($"Hyperparameter '{name}': Choice values must all have one type; received {string.Join(", ", values.Select(v => v.GetType().Name).Distinct())}.");
        Values = values;
        DefaultValue = @default ?? values[0];
        if (!values.Contains(DefaultValue)) throw new ArgumentException($"Hyperparameter '{name}': the default {DefaultValue} is not one of the values.");
    }

    /// <summary>The values to choose from.</summary>
    public IReadOnlyList<object> Values { get; }

    private object DefaultValue { get; }

    /// <inheritdoc/>
    public override object Default => DefaultValue;

    /// <inheritdoc/>
    public override object FromUnit(double u) => Values[Math.Min(Values.Count - 1, (int)(Math.Clamp(u, 0, 1) * Values.Count))];

    /// <inheritdoc/>
    public override double ToUnit(object value)
    {
        int i = Values.ToList().FindIndex(v => v.Equals(value));
        return (Math.Max(i, 0) + 0.5) / Values.Count;
    }

    /// <inheritdoc/>
    public override IReadOnlyList<object> GridValues() => Values;

    internal override object FromJson(JsonNode node)
    {
        object plain = PlainValue(node);
        return Values[0] is double && plain is int i ? (double)i : plain;
    }

    internal override JsonObject ToJson()
    {
        var o = Base("Choice");
        o["values"] = new JsonArray([.. Values.Select(ValueNode)]);
        o["default"] = ValueNode(DefaultValue);
        return o;
    }
}

/// <summary>True or false.</summary>
public sealed class BooleanHyperParameter : HyperParameter
{
    internal BooleanHyperParameter(string name, bool @default, IReadOnlyList<HyperParameterCondition> conditions) : base(name, conditions) => DefaultValue = @default;

    private bool DefaultValue { get; }

    /// <inheritdoc/>
    public override object Default => DefaultValue;

    /// <inheritdoc/>
    public override object FromUnit(double u) => u >= 0.5;

    /// <inheritdoc/>
    public override double ToUnit(object value) => (bool)value ? 0.75 : 0.25;

    /// <inheritdoc/>
    public override IReadOnlyList<object> GridValues() => [false, true];

    internal override object FromJson(JsonNode node) => node.GetValue<bool>();

    internal override JsonObject ToJson()
    {
        var o = Base("Boolean");
        o["default"] = DefaultValue;
        return o;
    }
}

/// <summary>A value that does not vary, recorded with the others.</summary>
public sealed class FixedHyperParameter : HyperParameter
{
    internal FixedHyperParameter(string name, object value, IReadOnlyList<HyperParameterCondition> conditions) : base(name, conditions)
    {
        _ = ValueNode(value);
        Value = value;
    }

    /// <summary>The value.</summary>
    public object Value { get; }

    /// <inheritdoc/>
    public override object Default => Value;

    /// <inheritdoc/>
    public override object FromUnit(double u) => Value;

    /// <inheritdoc/>
    public override double ToUnit(object value) => 0.5;

    /// <inheritdoc/>
    public override IReadOnlyList<object> GridValues() => [Value];

    internal override object FromJson(JsonNode node) => PlainValue(node);

    internal override JsonObject ToJson()
    {
        var o = Base("Fixed");
        o["value"] = ValueNode(Value);
        return o;
    }
}
