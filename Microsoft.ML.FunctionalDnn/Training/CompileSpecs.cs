using System.Collections;
using System.Runtime.CompilerServices;
using Microsoft.ML.FunctionalDnn.Losses;

namespace Microsoft.ML.FunctionalDnn;

/// <summary>
/// The loss argument of <see cref="Model.Compile"/>, as flexible as Keras's: one loss for every
/// output (a name or an instance), one per output in model order (an array), or by output name (a
/// dictionary).
/// </summary>
[CollectionBuilder(typeof(LossSpec), nameof(Create))]
public sealed class LossSpec : IEnumerable<Loss>
{
    /// <summary>One loss per output in model order, from a collection expression: <c>loss: ["mse", "binary_crossentropy"]</c>.</summary>
    public static LossSpec Create(ReadOnlySpan<Loss> losses) => new(null, losses.ToArray(), null);

    /// <summary>The per-output losses when given as a list.</summary>
    public IEnumerator<Loss> GetEnumerator() => (List ?? []).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private LossSpec(Loss? all, IReadOnlyList<Loss>? list, IReadOnlyDictionary<string, Loss>? byName) => (All, List, ByName) = (all, list, byName);

    internal Loss? All { get; }

    internal IReadOnlyList<Loss>? List { get; }

    internal IReadOnlyDictionary<string, Loss>? ByName { get; }

    /// <summary>One loss for every output.</summary>
    public static implicit operator LossSpec(Loss loss) => new(loss ?? throw new ArgumentNullException(nameof(loss)), null, null);

    /// <summary>One loss, by Keras name, for every output.</summary>
    public static implicit operator LossSpec(string name) => Loss.FromName(name);

    /// <summary>One loss per output, in model order.</summary>
    public static implicit operator LossSpec(Loss[] losses) => new(null, losses ?? throw new ArgumentNullException(nameof(losses)), null);

    /// <summary>One loss per output, by Keras name, in model order.</summary>
    public static implicit operator LossSpec(string[] names) => new(null, (names ?? throw new ArgumentNullException(nameof(names))).Select(Loss.FromName).ToArray(), null);

    /// <summary>Losses by output name.</summary>
    public static implicit operator LossSpec(Dictionary<string, Loss> losses) => new(null, null, losses ?? throw new ArgumentNullException(nameof(losses)));

    /// <summary>Loss names by output name.</summary>
    public static implicit operator LossSpec(Dictionary<string, string> names) =>
        new(null, null, (names ?? throw new ArgumentNullException(nameof(names))).ToDictionary(p => p.Key, p => Loss.FromName(p.Value)));

    /// <summary>The loss of each output of <paramref name="model"/>, in output order.</summary>
    internal Loss[] Resolve(Model model)
    {
        var names = model.OutputNames;
        if (All is not null) return [.. names.Select(_ => All)];
        if (List is not null)
        {
            if (List.Count != names.Count)
                throw new ArgumentException($"Compile: the model has {names.Count} outputs [{string.Join(", ", names)}]; received {List.Count} losses.");
            return [.. List];
        }
        CheckNames(ByName!.Keys, names, "losses");
        // Keras lets an output without a loss go untrained; every output needs one here, so a missing name is an error.
        var missing = names.Where(n => !ByName.ContainsKey(n)).ToList();
        if (missing.Count > 0) throw new ArgumentException($"Compile: no loss for output {string.Join(", ", missing.Select(m => $"'{m}'"))}. Outputs: [{string.Join(", ", names)}].");
        return [.. names.Select(n => ByName[n])];
    }

    internal static void CheckNames(IEnumerable<string> given, IReadOnlyList<string> outputs, string what)
    {
        var unknown = given.Where(k => !outputs.Contains(k)).ToList();
        if (unknown.Count > 0)
            throw new ArgumentException($"Compile: {what} name output {string.Join(", ", unknown.Select(u => $"'{u}'"))}, which the model does not have. Outputs: [{string.Join(", ", outputs)}].");
    }
}

/// <summary>Loss weights for <see cref="Model.Compile"/>: an array in output order or a dictionary by output name (missing outputs weigh 1).</summary>
[CollectionBuilder(typeof(LossWeights), nameof(Create))]
public sealed class LossWeights : IEnumerable<float>
{
    /// <summary>Weights in output order, from a collection expression: <c>lossWeights: [0.25f, 1f, 10f]</c>.</summary>
    public static LossWeights Create(ReadOnlySpan<float> weights) => new(weights.ToArray(), null);

    /// <summary>The weights when given as a list.</summary>
    public IEnumerator<float> GetEnumerator() => (List ?? []).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private LossWeights(IReadOnlyList<float>? list, IReadOnlyDictionary<string, float>? byName) => (List, ByName) = (list, byName);

    private IReadOnlyList<float>? List { get; }

    private IReadOnlyDictionary<string, float>? ByName { get; }

    /// <summary>Weights in output order.</summary>
    public static implicit operator LossWeights(float[] weights) => new(weights ?? throw new ArgumentNullException(nameof(weights)), null);

    /// <summary>Weights by output name.</summary>
    public static implicit operator LossWeights(Dictionary<string, float> weights) => new(null, weights ?? throw new ArgumentNullException(nameof(weights)));

    internal float[] Resolve(IReadOnlyList<string> outputs)
    {
        if (List is not null)
        {
            if (List.Count != outputs.Count)
                throw new ArgumentException($"Compile: the model has {outputs.Count} outputs [{string.Join(", ", outputs)}]; received {List.Count} loss weights.");
            return [.. List];
        }
        LossSpec.CheckNames(ByName!.Keys, outputs, "loss weights");
        return [.. outputs.Select(o => ByName.TryGetValue(o, out float w) ? w : 1f)];
    }
}

/// <summary>
/// Metrics for <see cref="Model.Compile"/>: names for every output (an array), a list per output
/// (an array of arrays, in output order), or by output name (a dictionary).
/// </summary>
[CollectionBuilder(typeof(MetricSpec), nameof(Create))]
public sealed class MetricSpec : IEnumerable<string>
{
    /// <summary>The same metrics for every output, from a collection expression: <c>metrics: ["acc"]</c>.</summary>
    public static MetricSpec Create(ReadOnlySpan<string> names) => new(names.ToArray(), null, null);

    /// <summary>The metric names when given for every output.</summary>
    public IEnumerator<string> GetEnumerator() => ((IEnumerable<string>)(All ?? [])).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private MetricSpec(string[]? all, string[][]? perOutput, IReadOnlyDictionary<string, string[]>? byName) => (All, PerOutput, ByName) = (all, perOutput, byName);

    private string[]? All { get; }

    private string[][]? PerOutput { get; }

    private IReadOnlyDictionary<string, string[]>? ByName { get; }

    /// <summary>The same metrics for every output.</summary>
    public static implicit operator MetricSpec(string[] names) => new(names ?? throw new ArgumentNullException(nameof(names)), null, null);

    /// <summary>Metrics per output, in output order.</summary>
    public static implicit operator MetricSpec(string[][] perOutput) => new(null, perOutput ?? throw new ArgumentNullException(nameof(perOutput)), null);

    /// <summary>Metrics by output name.</summary>
    public static implicit operator MetricSpec(Dictionary<string, string[]> byName) => new(null, null, byName ?? throw new ArgumentNullException(nameof(byName)));

    /// <summary>The metric names of each output, in output order.</summary>
    internal string[][] Resolve(IReadOnlyList<string> outputs)
    {
        if (All is not null) return [.. outputs.Select(_ => All)];
        if (PerOutput is not null)
        {
            if (PerOutput.Length != outputs.Count)
                throw new ArgumentException($"Compile: the model has {outputs.Count} outputs [{string.Join(", ", outputs)}]; received metrics for {PerOutput.Length}.");
            return PerOutput;
        }
        LossSpec.CheckNames(ByName!.Keys, outputs, "metrics");
        return [.. outputs.Select(o => ByName.TryGetValue(o, out var m) ? m : [])];
    }
}
