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
}
