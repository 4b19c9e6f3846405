using System.Globalization;

namespace Microsoft.ML.FunctionalDnn.Optimizers;

public abstract partial class Optimizer
{
    /// <summary>The learning rate as set (not the schedule's), what ExportState writes.</summary>
    internal float LearningRateValue => _learningRate;

    /// <summary>
    /// The optimizer's state as named tensors (host copies): <c>optimizer/iterations</c>, the current
    /// learning rate, and every slot of every weight (<c>optimizer/&lt;weight key&gt;/&lt;slot index&gt;</c>,
    /// in the order of <see cref="SlotNames"/>), keyed by the weights' names.
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
            for (int i = 0; i < slots.Length; i++) state.Add(new($"optimizer/{key}/{i}", slots[i].Clone()));
        }
        return state;
    }

    /// <summary>
    /// Restores what <see cref="ExportState"/> wrote (the weights must be this model's, by the same names).
    /// Everything is checked before anything changes: the step count, the rate, and that every slot
    /// belongs to a weight, has its shape, and that each weight with state has exactly the slots
    /// 0, 1, … this optimizer keeps (Adam two, Sgd without momentum none).
    /// </summary>
    /// <exception cref="InvalidDataException">The state does not fit; the message names <paramref name="source"/> and the tensor.</exception>
    internal void ImportState(IReadOnlyDictionary<string, Tensor> state, IReadOnlyList<KeyValuePair<string, Tensor>> namedWeights, string source = "the optimizer state")
    {
        InvalidDataException Bad(string what) => new($"'{source}': {what}.");
        long iterations = Iterations;
        if (state.TryGetValue("optimizer/iterations", out var it))
        {
            if (it.DType != DType.Int32 || it.Size != 2) throw Bad($"optimizer/iterations is {it.DType} {it.Shape}; expected Int32 (2)");
            var halves = it.ToIntArray();
            iterations = ((long)halves[0] << 32) | (uint)halves[1];
            if (iterations < 0) throw Bad($"optimizer/iterations is {iterations}; expected a count of at least 0");
        }
        float rate = _learningRate;
        if (state.TryGetValue("optimizer/learning_rate", out var lr))
        {
            float? value = lr.DType == DType.Float32 && lr.Size == 1 ? lr.Item() : null;
            if (value is not float r || !(r > 0) || !float.IsFinite(r))
                throw Bad($"optimizer/learning_rate must be one positive Float32; received {lr.DType} {lr.Shape}{(value is float v ? $" = {v}" : "")}");
            rate = r;
        }
        var names = SlotNames;
        var found = new Dictionary<Tensor, Tensor[]>(ReferenceEqualityComparer.Instance);
        foreach (var (key, weight) in namedWeights)
        {
            var slots = new List<Tensor>();
            for (int i = 0; state.TryGetValue($"optimizer/{key}/{i}", out var slot); i++)
            {
                if (slot.DType != DType.Float32 || slot.Shape != weight.Shape)
                    throw Bad($"optimizer/{key}/{i} is {slot.DType} {slot.Shape}; expected Float32 {weight.Shape}, the shape of weight '{key}'");
                slots.Add(slot);
            }
            if (slots.Count == 0) continue;
            if (slots.Count != names.Count)
                throw Bad($"weight '{key}' has {slots.Count} optimizer slots; this {Name} optimizer keeps {names.Count} per weight{(names.Count > 0 ? $" ({string.Join(", ", names)})" : "")}");
            found[weight] = [.. slots];
        }
        CheckEverySlotBelongs(state, namedWeights, found, Bad);
        Iterations = iterations;
        _learningRate = rate;
        _slots.Clear();
        foreach (var (weight, slots) in found) _slots[weight] = [.. slots.Select((s, i) => NewSlot(s, weight, names[i]))];
    }

    /// <summary>Every entry besides the step count and rate must be one of the slots already matched to a weight.</summary>
    private static void CheckEverySlotBelongs(IReadOnlyDictionary<string, Tensor> state, IReadOnlyList<KeyValuePair<string, Tensor>> namedWeights,
        Dictionary<Tensor, Tensor[]> found, Func<string, InvalidDataException> bad)
    {
        const string Prefix = "optimizer/";
        var weights = namedWeights.ToDictionary(p => p.Key, p => p.Value);
        foreach (string name in state.Keys)
        {
            if (name is "optimizer/iterations" or "optimizer/learning_rate") continue;
            int slash = name.LastIndexOf('/');
            string key = name.StartsWith(Prefix, StringComparison.Ordinal) && slash > Prefix.Length ? name[Prefix.Length..slash] : "";
            if (!weights.TryGetValue(key, out var weight)) throw bad($"'{name}' is the state of no weight of this model");
            if (!found.TryGetValue(weight, out var kept) || !int.TryParse(name.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int index) || index >= kept.Length || name != $"{Prefix}{key}/{index}")
                throw bad($"'{name}' is not one of the slots optimizer/{key}/0, 1, … of weight '{key}'");
        }
    }
}
