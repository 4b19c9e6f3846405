using Microsoft.ML.FunctionalDnn.Layers;

namespace Microsoft.ML.FunctionalDnn;

/// <summary>Finds the nodes between a model's inputs and outputs and orders them for execution.</summary>
internal static class GraphMapper
{
    /// <summary>
    /// Every node needed to compute <paramref name="outputs"/> from <paramref name="inputs"/>, each
    /// after the nodes it reads from (iterative depth-first search, so deep graphs are fine).
    /// </summary>
    /// <exception cref="ArgumentException">"Graph disconnected": an output needs a tensor that no input leads to.</exception>
    internal static List<Node> TopologicalNodes(Model model, IReadOnlyList<SymbolicTensor> inputs, IReadOnlyList<SymbolicTensor> outputs)
    {
        var inputSet = new HashSet<SymbolicTensor>(inputs, ReferenceEqualityComparer.Instance);
        if (inputSet.Count != inputs.Count) throw new ArgumentException($"Model '{model.Name}': the same tensor is listed twice among the inputs.");
        foreach (var t in inputs)
        {
            if (t.Layer is not InputLayer)
                throw new ArgumentException($"Model '{model.Name}': every input must come from Input(...); {t.Reference} comes from {t.Layer.Describe}.");
        }
        var order = new List<Node>();
        var done = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        var onPath = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(Node Node, int Next)>();
        foreach (var output in outputs)
        {
            var root = output.Node;
            if (done.Contains(root)) continue;
            stack.Push((root, 0));
            onPath.Add(root);
            while (stack.Count > 0)
            {
                var (node, next) = stack.Pop();
                if (node.Inputs.Count == 0 && !IsModelInput(node, inputSet))
                {
                    var consumer = stack.Count > 0 ? stack.Peek().Node : null;
                    throw Disconnected(model, node.Outputs[0], consumer, order, inputs);
                }
                if (next < node.Inputs.Count)
                {
                    stack.Push((node, next + 1));
                    var parent = node.Inputs[next].Node;
                    if (!done.Contains(parent) && onPath.Add(parent)) stack.Push((parent, 0));
                    continue;
                }
                onPath.Remove(node);
                if (done.Add(node)) order.Add(node);
            }
        }
        return order;
    }

    private static bool IsModelInput(Node node, HashSet<SymbolicTensor> inputs) => node.Outputs.Any(inputs.Contains);

    private static ArgumentException Disconnected(Model model, SymbolicTensor tensor, Node? consumer, List<Node> reached, IReadOnlyList<SymbolicTensor> inputs)
    {
        string needed = consumer is null ? "as an output" : $"at layer '{consumer.Layer.Name}'";
        var ok = reached.Select(n => n.Layer.Name).Distinct();
        return new ArgumentException(
            $"Graph disconnected: cannot obtain value for tensor {tensor.Reference} (the Input '{tensor.Layer.Name}', shape {tensor.Shape}) needed {needed}. " +
            $"It is not one of the model's inputs [{string.Join(", ", inputs.Select(i => i.Layer.Name))}]; add it to the inputs of Model '{model.Name}'. " +
            $"The following previous layers were accessed without issue: [{string.Join(", ", ok)}].");
    }

    /// <summary>Each layer once: the inputs' layers in input order, then the others in execution order.</summary>
    internal static List<Layer> Layers(IReadOnlyList<SymbolicTensor> inputs, List<Node> nodes)
    {
        var seen = new HashSet<Layer>(ReferenceEqualityComparer.Instance);
        var layers = new List<Layer>();
        foreach (var t in inputs) if (seen.Add(t.Layer)) layers.Add(t.Layer);
        foreach (var n in nodes) if (seen.Add(n.Layer)) layers.Add(n.Layer);
        return layers;
    }
}
