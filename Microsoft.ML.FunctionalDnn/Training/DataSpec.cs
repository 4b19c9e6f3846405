using System.Collections;
using System.Runtime.CompilerServices;
using Microsoft.ML.FunctionalDnn.Backends;

namespace Microsoft.ML.FunctionalDnn;

/// <summary>
/// Inputs or targets for Fit, Evaluate and Predict, as Keras takes them: one tensor (a single
/// input or output), an array in model order, or a dictionary by input/output name. Every tensor
/// has the samples on its first axis.
/// </summary>
[CollectionBuilder(typeof(DataSpec), nameof(Create))]
public sealed class DataSpec : IEnumerable<Tensor>
{
    /// <summary>Tensors in model order, from a collection expression: <c>model.Fit([text, question], answers)</c>.</summary>
    public static DataSpec Create(ReadOnlySpan<Tensor> tensors) => new(tensors.ToArray(), null);

    /// <summary>The tensors given as a list (empty when given by name).</summary>
    public IEnumerator<Tensor> GetEnumerator() => (List ?? []).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private DataSpec(IReadOnlyList<Tensor>? list, IReadOnlyDictionary<string, Tensor>? byName) => (List, ByName) = (list, byName);

    private IReadOnlyList<Tensor>? List { get; }

    private IReadOnlyDictionary<string, Tensor>? ByName { get; }

    /// <summary>One tensor.</summary>
    public static implicit operator DataSpec(Tensor tensor) => new([tensor ?? throw new ArgumentNullException(nameof(tensor))], null);

    /// <summary>Tensors in model order.</summary>
    public static implicit operator DataSpec(Tensor[] tensors) => new(tensors ?? throw new ArgumentNullException(nameof(tensors)), null);

    /// <summary>Tensors by name.</summary>
    public static implicit operator DataSpec(Dictionary<string, Tensor> byName) => new(null, byName ?? throw new ArgumentNullException(nameof(byName)));

    /// <summary>The tensors in the order of <paramref name="names"/>; <paramref name="what"/> ("input"/"target") names the role in errors.</summary>
    internal Tensor[] Resolve(IReadOnlyList<string> names, string what)
    {
        Tensor[] result;
        if (List is not null)
        {
            if (List.Count != names.Count)
                throw new ArgumentException($"Expected {names.Count} {what}{(names.Count == 1 ? "" : "s")} [{string.Join(", ", names)}]; received {List.Count}.");
            result = [.. List];
        }
        else
        {
            var unknown = ByName!.Keys.Where(k => !names.Contains(k)).ToList();
            if (unknown.Count > 0)
                throw new ArgumentException($"Unknown {what} name {string.Join(", ", unknown.Select(u => $"'{u}'"))}. Expected {what}s: [{string.Join(", ", names)}].");
            var missing = names.Where(n => !ByName.ContainsKey(n)).ToList();
            if (missing.Count > 0)
                throw new ArgumentException($"Missing {what} {string.Join(", ", missing.Select(m => $"'{m}'"))}. Expected {what}s: [{string.Join(", ", names)}].");
            result = [.. names.Select(n => ByName[n])];
        }
        for (int i = 0; i < result.Length; i++)
        {
            if (result[i] is null) throw new ArgumentNullException(what, $"The {what} '{names[i]}' (position {i} of {names.Count}) is null.");
            if (result[i].Rank == 0) throw new ArgumentException($"The {what} '{names[i]}' is a scalar; it needs a first (samples) axis.");
            if (result[i].Shape[0] != result[0].Shape[0])
                throw new ArgumentException($"All {what}s need the same number of samples: '{names[0]}' has {result[0].Shape[0]}, '{names[i]}' has {result[i].Shape[0]}.");
        }
        return result;
    }

    /// <summary>
    /// Rows <paramref name="indices"/> of every input, target and the sample weights (float32 or
    /// int32: ids, sparse labels), as new tensors gathered on the backend (on the device, for the
    /// torch backend) by its unchecked row gather: the callers pass a permutation or a split of the
    /// samples, made by Fit. The ids go to the backend once for all the tensors, as a temporary of
    /// the caller's tensor scope (a batch's scope), not host data that outlives it.
    /// </summary>
    internal static Batch Rows(Tensor[] inputs, Tensor[] targets, Tensor? weights, int[] indices)
    {
        // Data may be a weight or carry a graph; a batch of it is never differentiated. The rows
        // come from a permutation or a split of this data, so they need no range check (which
        // would read the ids back from the device on every batch).
        var backend = Backend.Current;
        using (GradMode.NoGrad())
        {
            var ids = backend.FromHostTemporary(indices, new Shape(indices.Length));
            return new Batch([.. inputs.Select(t => backend.TakeRowsUnchecked(t, ids))], [.. targets.Select(t => backend.TakeRowsUnchecked(t, ids))],
                weights is null ? null : backend.TakeRowsUnchecked(weights, ids));
        }
    }
}
