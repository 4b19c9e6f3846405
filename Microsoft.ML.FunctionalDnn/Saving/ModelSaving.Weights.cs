namespace Microsoft.ML.FunctionalDnn.Saving;

/// <summary>Weights to and from safetensors files, by the keys of <see cref="Model.NamedWeights"/>.</summary>
internal static partial class ModelSaving
{
    /// <summary>Writes every weight of <paramref name="model"/> to one safetensors file, atomically.</summary>
    internal static void SaveWeights(Model model, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var weights = model.NamedWeights();
        SafeTensors.WriteAtomically(path, s => SafeTensors.Write(s, weights, new Dictionary<string, string> { ["format"] = "fdnn", ["model"] = model.Name }));
    }

    /// <summary>Reads a safetensors file into <paramref name="model"/>'s weights (see <see cref="Model.LoadWeights"/>).</summary>
    internal static void LoadWeights(Model model, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        AssignWeights(model, SafeTensors.Read(path), path);
    }

    /// <summary>
    /// Assigns every weight of <paramref name="model"/> from <paramref name="loaded"/> by key, after
    /// checking that every name, dtype and shape matches, so a file that does not fit changes nothing.
    /// </summary>
    /// <exception cref="InvalidDataException">What differs (up to ten differences), naming <paramref name="source"/>.</exception>
    internal static void AssignWeights(Model model, IReadOnlyDictionary<string, Tensor> loaded, string source)
    {
        var weights = model.NamedWeights();
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
            throw new InvalidDataException($"The weights in '{source}' do not fit model '{model.Name}' ({weights.Count} weights): {string.Join("; ", problems.Take(10))}{(problems.Count > 10 ? $"; and {problems.Count - 10} more" : "")}.");
        foreach (var (key, tensor) in weights) tensor.Assign(loaded[key]);
    }
}
