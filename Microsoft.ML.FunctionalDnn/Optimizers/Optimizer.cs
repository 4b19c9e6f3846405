using Microsoft.ML.FunctionalDnn.Backends;
using Microsoft.ML.FunctionalDnn.Optimizers.Schedules;

namespace Microsoft.ML.FunctionalDnn.Optimizers;

/// <summary>
/// The base of the optimizers, as Keras 3's: each <see cref="Apply(IReadOnlyList{Tensor}, IReadOnlyList{Tensor})"/> clips the gradients (by
/// value, per-weight norm, or global norm), applies decoupled weight decay
/// (w ← w - w·decay·lr), then runs the optimizer's update on every weight that has a gradient,
/// and counts the step. Per-weight state (moments, velocities) lives in slot variables created on
/// first use; every update is written with <see cref="Ops"/> on them, so it runs on any backend.
/// </summary>
public abstract partial class Optimizer
{
    private readonly Dictionary<Tensor, Tensor[]> _slots = new(ReferenceEqualityComparer.Instance);
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
        long step = Iterations + 1;
        var updated = Enumerable.Range(0, variables.Count).Where(i => gradients[i] is not null).ToList();
        // The step's temporaries go back to the pool at the end; slots and weights are variables and stay.
        using (TensorScope.Begin())
        using (GradMode.NoGrad())
        {
            var grads = Clip([.. updated.Select(i => gradients[i]!)]);
            if (Options.WeightDecay is float decay && decay > 0)
                foreach (int i in updated) variables[i].AssignSub(variables[i] * decay * lr);
            BeginStep(step);
            for (int k = 0; k < updated.Count; k++)
                Update(variables[updated[k]], grads[k], SlotsOf(variables[updated[k]]), lr, step);
        }
        Iterations++;
    }

    /// <summary>
    /// The gradients clipped as <see cref="Options"/> asks, as new tensors (the weights' own gradients
    /// stay as backward left them): by value, then per-weight norm, then global norm, each by Keras's formula.
    /// </summary>
    private Tensor[] Clip(Tensor[] grads)
    {
        if (Options.ClipValue is float v)
            for (int i = 0; i < grads.Length; i++) grads[i] = GradientClipping.ByValue(grads[i], v);
        if (Options.ClipNorm is float c)
            for (int i = 0; i < grads.Length; i++) grads[i] = GradientClipping.ByNorm(grads[i], c);
        if (Options.GlobalClipNorm is float gc && grads.Length > 0)
            grads = GradientClipping.ByGlobalNorm(grads, gc);
        return grads;
    }

    /// <summary>Keras's names of the slots this optimizer keeps per weight, in saving order (their count may depend on the hyper-parameters).</summary>
    private protected abstract IReadOnlyList<string> SlotNames { get; }

    /// <summary>The value every slot starts at (Keras's zeros, unless the optimizer has an initial value).</summary>
    private protected virtual float InitialSlotValue => 0;

    /// <summary>Runs once per step before the per-weight updates, for state shared by every weight (Nadam's momentum product).</summary>
    private protected virtual void BeginStep(long step)
    {
    }

    /// <summary>
    /// Lets the backend run a rule as one fused loop where it has one (bit-identical to the ops);
    /// tests turn it off to compare the two paths.
    /// </summary>
    internal bool UseFusedKernels { get; set; } = true;

    /// <summary>
    /// One update of <paramref name="variable"/> from <paramref name="gradient"/> at learning rate
    /// <paramref name="lr"/>, with ops on the weight's <paramref name="slots"/> (named as <see cref="SlotNames"/>);
    /// <paramref name="step"/> counts from 1. Runs without recording, inside a tensor scope.
    /// </summary>
    private protected abstract void Update(Tensor variable, Tensor gradient, Tensor[] slots, float lr, long step);

    /// <summary>The weight's slot variables, created on first use.</summary>
    private Tensor[] SlotsOf(Tensor weight)
    {
        if (_slots.TryGetValue(weight, out var slots)) return slots;
        var names = SlotNames;
        slots = new Tensor[names.Count];
        for (int i = 0; i < slots.Length; i++)
            slots[i] = NewSlot(FreshSlotValue(weight.Shape), weight, names[i], takeOwnership: true);
        _slots[weight] = slots;
        return slots;
    }

    /// <summary>A new host buffer filled with the initial slot value, given to the slot variable (never a pooled buffer of the step's scope).</summary>
    private Tensor FreshSlotValue(Shape shape)
    {
        var values = new float[shape.Size];
        if (InitialSlotValue != 0) Array.Fill(values, InitialSlotValue);
        return Tensor.FromOwnedArray(values, shape);
    }

    /// <summary>A non-trainable variable holding <paramref name="initialValue"/> (a copy unless <paramref name="takeOwnership"/>), named after its weight as Keras names slots.</summary>
    private static Tensor NewSlot(Tensor initialValue, Tensor weight, string name, bool takeOwnership = false)
    {
        var slot = Backend.Current.CreateVariable(initialValue, trainable: false, takeOwnership);
        slot.Name = weight.Name is null ? name : $"{weight.Name}_{name}";
        return slot;
    }
}
