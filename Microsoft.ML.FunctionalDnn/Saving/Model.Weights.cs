namespace Microsoft.ML.FunctionalDnn;

public partial class Model
{
    /// <summary>
    /// Every weight with its key: the weight's own name (<c>dense_1/kernel</c>), prefixed by the names of
    /// the nested models it sits in (<c>xception/block1_conv1/kernel</c>).
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> NamedWeights()
    {
        var result = new List<KeyValuePair<string, Tensor>>();
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        Collect(this, "", result, seen);
        var duplicate = result.GroupBy(p => p.Key).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new InvalidOperationException($"Model '{Name}': two weights are both named '{duplicate.Key}'; give the layers distinct names to save them.");
        return result;
    }

    private static void Collect(Model model, string prefix, List<KeyValuePair<string, Tensor>> into, HashSet<Tensor> seen)
    {
        foreach (var layer in model.Layers)
        {
            if (layer is Model nested)
            {
                Collect(nested, $"{prefix}{nested.Name}/", into, seen);
                continue;
            }
            foreach (var w in layer.Weights)
                if (seen.Add(w.Value)) into.Add(new(prefix + (w.Value.Name ?? $"{layer.Name}/{w.Name}"), w.Value));
        }
    }

    /// <summary>Writes every weight to a safetensors file (written to a temporary file, then renamed into place).</summary>
    public void SaveWeights(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var weights = NamedWeights();
        SafeTensors.WriteAtomically(path, s => SafeTensors.Write(s, weights, new Dictionary<string, string> { ["format"] = "fdnn", ["model"] = Name }));
    }

    /// <summary>
    /// Loads weights saved by <see cref="SaveWeights"/> into this model. Every name, dtype and shape
    /// is checked before any weight changes, so a file that does not fit leaves the model as it was.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not valid safetensors, or its weights do not match this model (the message lists what differs).</exception>
    public void LoadWeights(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        AssignWeights(SafeTensors.Read(path), path);
    }

    internal void AssignWeights(IReadOnlyDictionary<string, Tensor> loaded, string source)
    {
        var weights = NamedWeights();
        var problems = new List<string>();
        foreach (var (key, tensor) in weights)
        {
            if (!loaded.TryGetValue(key, out var value)) problems.Add($"missing '{key}' {tensor.Shape}");
            else if (value.DType != tensor.DType || value.Shape != tensor.Shape)
                problems.Add($"'{key}' is {value.DType} {value.Shape} in the file, {tensor.DType} {tensor.Shape} in the model");
        }
        var names = weights.Select(w => w.Key).ToHashSet();
        problems.AddRange(loaded.Keys.Where(k => !names.Contains(k)).Select(k => $"unexpected '{k}'"));
        if (problems.Count > 0)
            throw new InvalidDataException($"The weights in '{source}' do not fit model '{Name}' ({weights.Count} weights): {string.Join("; ", problems.Take(10))}{(problems.Count > 10 ? $"; and {problems.Count - 10} more" : "")}.");
        foreach (var (key, tensor) in weights) loaded[key].Data.CopyTo(tensor.Data);
    }
}
