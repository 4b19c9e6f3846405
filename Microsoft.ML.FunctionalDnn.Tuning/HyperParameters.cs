using System.Globalization;

namespace Microsoft.ML.FunctionalDnn.Tuning;

/// <summary>
/// The hyperparameters of one trial, declared by the model-building function as it runs
/// (KerasTuner's define-by-run <c>hp</c>): each call such as <c>hp.Int("units", 32, 512, step: 32)</c>
/// registers the dimension in the search space the first time and returns this trial's value
/// (the default until the tuner has chosen one).
/// </summary>
/// <example>
/// <code>
/// Model Build(HyperParameters hp)
/// {
///     var input = Input([64]);
///     var x = input;
///     for (int i = 0; i &lt; hp.Int("layers", 1, 3); i++)
///         x = new Dense(hp.Int($"units_{i}", 16, 128, step: 16), "relu").Apply(x);
///     if (hp.Boolean("dropout")) x = new Dropout(hp.Float("rate", 0.1, 0.5, parentName: "dropout", parentValues: [true])).Apply(x);
///     var model = new Model(input, new Dense(10, "softmax").Apply(x));
///     model.Compile(new Adam((float)hp.Float("lr", 1e-4, 1e-2, sampling: Sampling.Log)), "categorical_crossentropy", metrics: ["accuracy"]);
///     return model;
/// }
/// </code>
/// </example>
public sealed class HyperParameters
{
    private readonly List<HyperParameter> _space = [];
    private readonly Dictionary<string, object> _values = [];
    private readonly Stack<HyperParameterCondition> _scopes = new();

    /// <summary>An empty set: every parameter takes its default.</summary>
    public HyperParameters()
    {
    }

    internal HyperParameters(IEnumerable<HyperParameter> space, IReadOnlyDictionary<string, object> values)
    {
        _space.AddRange(space);
        foreach (var (k, v) in values) _values[k] = v;
    }

    /// <summary>Every parameter declared so far, in declaration order.</summary>
    public IReadOnlyList<HyperParameter> Space => _space;

    /// <summary>The values of the active parameters, by name.</summary>
    public IReadOnlyDictionary<string, object> Values =>
        _space.Where(IsActive).ToDictionary(p => p.Name, p => _values.TryGetValue(p.Name, out var v) ? v : p.Default);

    /// <summary>An integer in [<paramref name="minValue"/>, <paramref name="maxValue"/>] (max included); with <paramref name="step"/>, on steps (a factor for log sampling: 2..32 step 2 gives 2, 4, 8, 16, 32).</summary>
    public int Int(string name, int minValue, int maxValue, int? step = null, Sampling sampling = Sampling.Linear, int? defaultValue = null,
        string? parentName = null, IReadOnlyList<object>? parentValues = null) =>
        (int)Declare(new IntHyperParameter(name, minValue, maxValue, step, sampling, defaultValue, Conditions(parentName, parentValues)));

    /// <summary>A real number in [<paramref name="minValue"/>, <paramref name="maxValue"/>]; with <paramref name="step"/>, on steps.</summary>
    public double Float(string name, double minValue, double maxValue, double? step = null, Sampling sampling = Sampling.Linear, double? defaultValue = null,
        string? parentName = null, IReadOnlyList<object>? parentValues = null) =>
        (double)Declare(new FloatHyperParameter(name, minValue, maxValue, step, sampling, defaultValue, Conditions(parentName, parentValues)));

    /// <summary>One of <paramref name="values"/> (int, double, string or bool); the default is the first unless given.</summary>
    public T Choice<T>(string name, IReadOnlyList<T> values, T? defaultValue = default, string? parentName = null, IReadOnlyList<object>? parentValues = null)
        where T : notnull
    {
        ArgumentNullException.ThrowIfNull(values);
        RequireSupported(typeof(T), name);
        object? fallback = defaultValue is null || EqualityComparer<T>.Default.Equals(defaultValue, default!) && !values.Contains(defaultValue) ? null : defaultValue;
        return (T)Declare(new ChoiceHyperParameter(name, [.. values.Cast<object>()], fallback, Conditions(parentName, parentValues)));
    }

    /// <summary>True or false.</summary>
    public bool Boolean(string name, bool defaultValue = false, string? parentName = null, IReadOnlyList<object>? parentValues = null) =>
        (bool)Declare(new BooleanHyperParameter(name, defaultValue, Conditions(parentName, parentValues)));

    /// <summary>A constant, recorded with the trial's other values.</summary>
    public T Fixed<T>(string name, T value, string? parentName = null, IReadOnlyList<object>? parentValues = null) where T : notnull
    {
        RequireSupported(typeof(T), name);
        return (T)Declare(new FixedHyperParameter(name, value, Conditions(parentName, parentValues)));
    }

    /// <summary>
    /// Parameters declared inside the scope are active only when <paramref name="parentName"/>
    /// takes one of <paramref name="parentValues"/> (KerasTuner's <c>conditional_scope</c>). When
    /// inactive they return their defaults and are not part of the trial's values.
    /// </summary>
    /// <exception cref="ArgumentException">The parent has not been declared.</exception>
    public IDisposable ConditionalScope(string parentName, params object[] parentValues)
    {
        var condition = Condition(parentName, parentValues);
        _scopes.Push(condition);
        return new ScopeExit(this);
    }

    /// <summary>The value of a declared parameter.</summary>
    /// <exception cref="KeyNotFoundException">No parameter of that name (the message lists the names).</exception>
    public T Get<T>(string name)
    {
        var p = _space.FirstOrDefault(x => x.Name == name)
            ?? throw new KeyNotFoundException($"No hyperparameter '{name}'. Declared: [{string.Join(", ", _space.Select(x => x.Name))}].");
        object value = IsActive(p) && _values.TryGetValue(name, out var v) ? v : p.Default;
        return (T)Convert.ChangeType(value, typeof(T), CultureInfo.InvariantCulture);
    }

    /// <summary>True when every condition of the named parameter holds.</summary>
    public bool IsActive(string name) => _space.FirstOrDefault(p => p.Name == name) is { } p && IsActive(p);

    internal bool IsActive(HyperParameter p) => p.Conditions.All(c =>
        _space.FirstOrDefault(x => x.Name == c.Parent) is { } parent && IsActive(parent)
        && c.Values.Contains(_values.TryGetValue(c.Parent, out var v) ? v : parent.Default));

    internal void Set(string name, object value) => _values[name] = value;

    private object Declare(HyperParameter definition)
    {
        var known = _space.FirstOrDefault(p => p.Name == definition.Name);
        if (known is null) _space.Add(known = definition);
        else if (known.GetType() != definition.GetType())
            throw new ArgumentException($"Hyperparameter '{definition.Name}' was declared as {known.GetType().Name} and again as {definition.GetType().Name}; give them different names.");
        if (!IsActive(known)) return known.Default;
        return _values.TryGetValue(known.Name, out var value) ? value : known.Default;
    }

    private HyperParameterCondition[] Conditions(string? parentName, IReadOnlyList<object>? parentValues)
    {
        var conditions = _scopes.Reverse().ToList();
        if (parentName is not null) conditions.Add(Condition(parentName, parentValues ?? throw new ArgumentException($"parentValues must be given with parentName '{parentName}'.")));
        return [.. conditions];
    }

    private HyperParameterCondition Condition(string parentName, IReadOnlyList<object> parentValues)
    {
        if (_space.All(p => p.Name != parentName))
            throw new ArgumentException($"The parent hyperparameter '{parentName}' must be declared before the parameters that depend on it. Declared: [{string.Join(", ", _space.Select(x => x.Name))}].");
        return new HyperParameterCondition(parentName, parentValues);
    }

    private static void RequireSupported(Type t, string name)
    {
        if (t != typeof(int) && t != typeof(double) && t != typeof(string) && t != typeof(bool))
            throw new ArgumentException($"Hyperparameter '{name}': values must be int, double, string or bool; received {t.Name} (use double for real numbers).");
    }

    /// <summary>"name: value" lines of the active values, as results summaries print them.</summary>
    public override string ToString() =>
        string.Join(Environment.NewLine, _space.Where(IsActive).Select(p => $"{p.Name}: {p.Format(_values.TryGetValue(p.Name, out var v) ? v : p.Default)}"));

    private sealed class ScopeExit(HyperParameters owner) : IDisposable
    {
        private bool _done;

        public void Dispose()
        {
            if (_done) return;
            _done = true;
            owner._scopes.Pop();
        }
    }
}
