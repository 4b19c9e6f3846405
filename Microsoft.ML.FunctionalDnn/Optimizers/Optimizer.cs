using System.Numerics.Tensors;

namespace Microsoft.ML.FunctionalDnn;

/// <summary>
/// The base of the optimizers, as Keras 3's: each <see cref="Apply(IReadOnlyList{Tensor}, IReadOnlyList{Tensor})"/> clips the gradients (by
/// value, per-weight norm, or global norm), applies decoupled weight decay
/// (w ← w - lr·decay·w), then runs the optimizer's update on every weight that has a gradient,
/// and counts the step. Per-weight state (moments, velocities) is created on first use.
/// </summary>
public abstract class Optimizer
{
    private readonly Dictionary<Tensor, float[][]> _slots = new(ReferenceEqualityComparer.Instance);
    private float _learningRate;

    private protected Optimizer(float learningRate, LearningRateSchedule? schedule, OptimizerOptions? options)
    {
        if (schedule is null && !(learningRate > 0)) throw new ArgumentOutOfRangeException(nameof(learningRate), $"The learning rate must be positive; received {learningRate}.");
        _learningRate = learningRate;
        Schedule = schedule;
        Options = options ?? new OptimizerOptions();
    }

    /// <summary>Keras's name (<c>rmsprop</c>, <c>adam</c> …).</summary>
    public abstract string Name { get; }

    /// <summary>The schedule, when the learning rate follows one.</summary>
    public LearningRateSchedule? Schedule { get; }

    /// <summary>Clipping and weight decay.</summary>
    public OptimizerOptions Options { get; }

    /// <summary>Updates applied so far (Keras's <c>iterations</c>).</summary>
    public long Iterations { get; private set; }

    /// <summary>The learning rate of the next update. Settable (ReduceLROnPlateau) unless a schedule drives it.</summary>
    public float LearningRate
    {
        get => Schedule?.At(Iterations) ?? _learningRate;
        set
        {
            if (Schedule is not null) throw new InvalidOperationException($"The learning rate of this {Name} optimizer follows a schedule and cannot be set.");
            if (!(value > 0)) throw new ArgumentOutOfRangeException(nameof(value), $"The learning rate must be positive; received {value}.");
            _learningRate = value;
        }
    }

    /// <summary>
    /// Updates each variable from its gradient (Keras 3's <c>optimizer.apply(grads, variables)</c>);
    /// variables whose gradient is null are left alone. The train step calls it with the backend's
    /// gradients; a hand-written loop can too.
    /// </summary>
    /// <exception cref="ArgumentException">The lists differ in length, or a gradient's shape differs from its variable's.</exception>
    public void Apply(IReadOnlyList<Tensor?> gradients, IReadOnlyList<Tensor> variables)
    {
        ArgumentNullException.ThrowIfNull(gradients);
        ArgumentNullException.ThrowIfNull(variables);
        if (gradients.Count != variables.Count)
            throw new ArgumentException($"{Name}: {gradients.Count} gradients for {variables.Count} variables; pass one gradient (or null) per variable.", nameof(gradients));
        for (int i = 0; i < gradients.Count; i++)
            if (gradients[i] is { } g && g.Shape != variables[i].Shape)
                throw new ArgumentException($"{Name}: the gradient of variable {i} ('{variables[i].Name}') has shape {g.Shape}; the variable has {variables[i].Shape}.", nameof(gradients));
        ApplyCore(gradients, variables);
    }

    /// <summary>Updates every weight in <paramref name="weights"/> that has a gradient, from that gradient.</summary>
    public void Apply(IReadOnlyList<Tensor> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ApplyCore([.. weights.Select(w => w.Grad)], weights);
    }

    private void ApplyCore(IReadOnlyList<Tensor?> gradients, IReadOnlyList<Tensor> variables)
    {
        float lr = LearningRate;
        var withGrads = Enumerable.Range(0, variables.Count).Where(i => gradients[i] is not null).Select(i => (Weight: variables[i], Grad: gradients[i]!)).ToList();
        // Clipping works on copies, so the weights' own gradients stay as backward left them.
        bool clips = Options.ClipValue is not null || Options.ClipNorm is not null || Options.GlobalClipNorm is not null;
        var clipped = clips ? withGrads.Select(w => w.Grad.Data.ToArray()).ToList() : null;
        if (clipped is not null) Clip(clipped);
        for (int i = 0; i < withGrads.Count; i++)
        {
            var w = withGrads[i].Weight.Data;
            if (Options.WeightDecay is float decay && decay > 0)
                TensorPrimitives.Multiply(w, 1 - lr * decay, w);
            ReadOnlySpan<float> g = clipped is null ? withGrads[i].Grad.Data : clipped[i];
            Update(withGrads[i].Weight, w, g, lr, Iterations + 1);
        }
        Iterations++;
    }

    private void Clip(List<float[]> grads)
    {
        if (Options.ClipValue is float v)
            foreach (var g in grads) TensorPrimitives.Clamp(g, -v, v, g);
        if (Options.ClipNorm is float c)
            foreach (var g in grads)
            {
                float norm = TensorPrimitives.Norm(g);
                if (norm > c) TensorPrimitives.Multiply(g, c / norm, g);
            }
        if (Options.GlobalClipNorm is float gc)
        {
            double sum = grads.Sum(g => (double)TensorPrimitives.SumOfSquares(g));
            float global = (float)Math.Sqrt(sum);
            if (global > gc)
                foreach (var g in grads) TensorPrimitives.Multiply(g, gc / global, g);
        }
    }

    /// <summary>One update of weight <paramref name="w"/> with gradient <paramref name="g"/> at learning rate <paramref name="lr"/>; <paramref name="step"/> counts from 1.</summary>
    private protected abstract void Update(Tensor weight, Span<float> w, ReadOnlySpan<float> g, float lr, long step);

    /// <summary>The weight's state arrays (created on first use, each filled with <paramref name="initial"/>).</summary>
    private protected float[][] Slots(Tensor weight, int count, float initial = 0)
    {
        if (_slots.TryGetValue(weight, out var slots)) return slots;
        slots = new float[count][];
        for (int i = 0; i < count; i++)
        {
            slots[i] = new float[weight.Size];
            if (initial != 0) Array.Fill(slots[i], initial);
        }
        _slots[weight] = slots;
        return slots;
    }

    /// <summary>
    /// The optimizer's state as named tensors: <c>optimizer/iterations</c>, the current learning rate,
    /// and every slot of every weight (<c>optimizer/&lt;weight key&gt;/&lt;slot&gt;</c>), keyed by the weights' names.
    /// </summary>
    internal List<KeyValuePair<string, Tensor>> ExportState(IReadOnlyList<KeyValuePair<string, Tensor>> namedWeights)
    {
        var state = new List<KeyValuePair<string, Tensor>>
        {
            new("optimizer/iterations", Tensor.FromArray(new[] { (int)(Iterations >> 32), (int)(Iterations & 0xFFFFFFFF) })),
            new("optimizer/learning_rate", Tensor.FromArray(new[] { _learningRate })),
        };
        foreach (var (key, weight) in namedWeights)
        {
            if (!_slots.TryGetValue(weight, out var slots)) continue;
            for (int i = 0; i < slots.Length; i++) state.Add(new($"optimizer/{key}/{i}", Tensor.FromArray((float[])slots[i].Clone(), weight.Shape)));
        }
        return state;
    }

    /// <summary>
    /// Restores what <see cref="ExportState"/> wrote (the weights must be this model's, by the same names).
    /// Everything is checked before anything changes: the step count, the rate, and that every slot
    /// belongs to a weight, has its shape, and that each weight's slots are numbered 0, 1, … alike.
    /// </summary>
    /// <exception cref="InvalidDataException">The state does not fit; the message names <paramref name="source"/> and the tensor.</exception>
    internal void ImportState(IReadOnlyDictionary<string, Tensor> state, IReadOnlyList<KeyValuePair<string, Tensor>> namedWeights, string source = "the optimizer state")
    {
        InvalidDataException Bad(string what) => new($"'{source}': {what}.");
        long iterations = Iterations;
        if (state.TryGetValue("optimizer/iterations", out var it))
        {
            if (it.DType != DType.Int32 || it.Size != 2) throw Bad($"optimizer/iterations is {it.DType} {it.Shape}; expected Int32 (2)");
            iterations = ((long)it.IntData[0] << 32) | (uint)it.IntData[1];
            if (iterations < 0) throw Bad($"optimizer/iterations is {iterations}; expected a count of at least 0");
        }
        float rate = _learningRate;
        if (state.TryGetValue("optimizer/learning_rate", out var lr))
        {
            if (lr.DType != DType.Float32 || lr.Size != 1 || !(lr.Data[0] > 0) || !float.IsFinite(lr.Data[0]))
                throw Bad($"optimizer/learning_rate must be one positive Float32; received {lr.DType} {lr.Shape}{(lr.DType == DType.Float32 && lr.Size == 1 ? $" = {lr.Data[0]}" : "")}");
            rate = lr.Data[0];
        }
        var weights = namedWeights.ToDictionary(p => p.Key, p => p.Value);
        var slots = new Dictionary<Tensor, float[][]>(ReferenceEqualityComparer.Instance);
        int? count = null;
        foreach (var (key, weight) in namedWeights)
        {
            var found = new List<float[]>();
            for (int i = 0; state.TryGetValue($"optimizer/{key}/{i}", out var slot); i++)
            {
                if (slot.DType != DType.Float32 || slot.Shape != weight.Shape)
                    throw Bad($"optimizer/{key}/{i} is {slot.DType} {slot.Shape}; expected Float32 {weight.Shape}, the shape of weight '{key}'");
                found.Add(slot.ToArray());
            }
            if (found.Count == 0) continue;
            if (count is int c && c != found.Count) throw Bad($"weight '{key}' has {found.Count} optimizer slots where others have {c}");
            count = found.Count;
            slots[weight] = [.. found];
        }
        foreach (string name in state.Keys)
        {
            if (name is "optimizer/iterations" or "optimizer/learning_rate") continue;
            int slash = name.LastIndexOf('/');
            string key = name.StartsWith("optimizer/", StringComparison.Ordinal) && slash > "optimizer/".Length ? name["optimizer/".Length..slash] : "";
            if (!weights.TryGetValue(key, out var weight)) throw Bad($"'{name}' is the state of no weight of this model");
            if (!slots.TryGetValue(weight, out var kept) || !int.TryParse(name.AsSpan(slash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index) || index >= kept.Length || name != $"optimizer/{key}/{index}")
                throw Bad($"'{name}' is not one of the slots optimizer/{key}/0, 1, … of weight '{key}'");
        }
        Iterations = iterations;
        _learningRate = rate;
        _slots.Clear();
        foreach (var (weight, kept) in slots) _slots[weight] = kept;
    }

    /// <summary>A scratch buffer the size of the weight, for update formulas.</summary>
    private protected static float[] Scratch(int length)
    {
        if (t_scratch is null || t_scratch.Length < length) t_scratch = new float[length];
        return t_scratch;
    }

    [ThreadStatic] private static float[]? t_scratch;

    /// <summary>The hyper-parameters under Keras's keys (learning_rate, rho, beta_1 …), for saving.</summary>
    internal Dictionary<string, object?> GetConfig()
    {
        var config = new Dictionary<string, object?> { ["learning_rate"] = Schedule is null ? _learningRate : Schedule.Serialize() };
        foreach (var (key, value) in HyperParameters()) config[key] = value;
        if (Options.ClipNorm is float cn) config["clipnorm"] = cn;
        if (Options.GlobalClipNorm is float gcn) config["global_clipnorm"] = gcn;
        if (Options.ClipValue is float cv) config["clipvalue"] = cv;
        if (Options.WeightDecay is float wd) config["weight_decay"] = wd;
        return config;
    }

    /// <summary>The optimizer's own hyper-parameters.</summary>
    private protected abstract IEnumerable<KeyValuePair<string, object?>> HyperParameters();

    /// <summary>Recreates an optimizer saved with <see cref="GetConfig"/>, its learning-rate schedule included.</summary>
    internal static Optimizer FromConfig(string name, ConfigReader c)
    {
        var schedule = c.Has("learning_rate") && c.Element.GetProperty("learning_rate").ValueKind == System.Text.Json.JsonValueKind.Object
            ? LearningRateSchedule.Deserialize(c.Sub("learning_rate", "the optimizer's learning_rate"))
            : null;
        float lr = schedule?.At(0) ?? c.Float("learning_rate");
        var options = new OptimizerOptions
        {
            ClipNorm = c.Has("clipnorm") ? c.Float("clipnorm") : null,
            GlobalClipNorm = c.Has("global_clipnorm") ? c.Float("global_clipnorm") : null,
            ClipValue = c.Has("clipvalue") ? c.Float("clipvalue") : null,
            WeightDecay = c.Has("weight_decay") ? c.Float("weight_decay") : null,
        };
        return name switch
        {
            "sgd" => new SGD(lr, c.Float("momentum"), c.Bool("nesterov"), schedule, options),
            "rmsprop" => new RMSprop(lr, c.Float("rho"), c.Float("momentum"), c.Float("epsilon"), schedule, options),
            "adam" => new Adam(lr, c.Float("beta_1"), c.Float("beta_2"), c.Float("epsilon"), schedule, options),
            "adamw" => new AdamW(lr, options.WeightDecay ?? 0.004f, c.Float("beta_1"), c.Float("beta_2"), c.Float("epsilon"), schedule, options),
            "adagrad" => new Adagrad(lr, c.Float("initial_accumulator_value"), c.Float("epsilon"), schedule, options),
            "adadelta" => new Adadelta(lr, c.Float("rho"), c.Float("epsilon"), schedule, options),
            "nadam" => new Nadam(lr, c.Float("beta_1"), c.Float("beta_2"), c.Float("epsilon"), schedule, options),
            _ => throw c.Bad($"names optimizer '{name}', which is not built in"),
        };
    }

    /// <summary>The optimizer with Keras name <paramref name="name"/> and Keras's defaults.</summary>
    /// <exception cref="ArgumentException">An unknown name; the message lists the known ones.</exception>
    public static Optimizer FromName(string name) => name?.ToLowerInvariant() switch
    {
        "sgd" => new SGD(),
        "rmsprop" => new RMSprop(),
        "adam" => new Adam(),
        "adamw" => new AdamW(),
        "adagrad" => new Adagrad(),
        "adadelta" => new Adadelta(),
        "nadam" => new Nadam(),
        _ => throw new ArgumentException($"Unknown optimizer '{name}'. Known: sgd, rmsprop, adam, adamw, adagrad, adadelta, nadam.", nameof(name)),
    };

    /// <summary>Converts a Keras optimizer name.</summary>
    public static implicit operator Optimizer(string name) => FromName(name);
}

/// <summary>Gradient clipping and decoupled weight decay, shared by every optimizer (Keras's base optimizer arguments).</summary>
public sealed record OptimizerOptions
{
    /// <summary>Each weight's gradient is rescaled so its L2 norm is at most this.</summary>
    public float? ClipNorm { get; init; }

    /// <summary>All gradients are rescaled together so their joint L2 norm is at most this.</summary>
    public float? GlobalClipNorm { get; init; }

    /// <summary>Each gradient element is clipped to [-value, value].</summary>
    public float? ClipValue { get; init; }

    /// <summary>Decoupled weight decay: w ← w - lr·decay·w before each update.</summary>
    public float? WeightDecay { get; init; }
}
