namespace Microsoft.ML.FunctionalDnn.Backends.Managed;

/// <summary>
/// Records ops and runs reverse-mode differentiation. Each op that produces a tensor from inputs
/// needing gradients leaves a <see cref="GradNode"/>; backward visits the nodes reachable from the
/// loss in reverse topological order, found with an explicit stack so that graphs thousands of ops
/// deep do not overflow the call stack.
/// </summary>
internal static class Tape
{
    /// <summary>True when an op on these inputs should record its backward rule.</summary>
    internal static bool ShouldRecord(Tensor a) => a.RequiresGrad && GradMode.IsEnabled;

    internal static bool ShouldRecord(Tensor a, Tensor b) => (a.RequiresGrad || b.RequiresGrad) && GradMode.IsEnabled;

    internal static bool ShouldRecord(ReadOnlySpan<Tensor> inputs)
    {
        if (!GradMode.IsEnabled) return false;
        foreach (var t in inputs) if (t.RequiresGrad) return true;
        return false;
    }

    /// <summary>Attaches a backward rule to a single-output op.</summary>
    internal static Tensor Record(string opName, Tensor output, Tensor[] inputs, Action<GradNode> backward)
    {
        output.SetGradFn(new GradNode(opName, inputs, 1, backward), 0);
        return output;
    }

    /// <summary>Attaches one backward rule to all outputs of a multi-output op (a recurrent op's sequence and states).</summary>
    internal static void Record(string opName, Tensor[] outputs, Tensor[] inputs, Action<GradNode> backward)
    {
        var node = new GradNode(opName, inputs, outputs.Length, backward);
        for (int i = 0; i < outputs.Length; i++) outputs[i].SetGradFn(node, i);
    }

    internal static void Backward(Tensor root, Tensor seed, bool retainGraph)
    {
        var start = root.GradFn;
        if (start is null)
        {
            root.AccumulateLeafGrad(seed);
            return;
        }
        start.SeedOutputGrad(root.OutputIndex, seed);
        foreach (var node in ReverseTopologicalOrder(start))
        {
            if (node.HasAnyOutputGrad()) node.RunBackward(retainGraph);
        }
    }

    /// <summary>Nodes reachable from <paramref name="root"/>, each after every node that consumes its outputs.</summary>
    private static List<GradNode> ReverseTopologicalOrder(GradNode root)
    {
        var postOrder = new List<GradNode>();
        var visited = new HashSet<GradNode>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(GradNode Node, int NextInput)>();
        stack.Push((root, 0));
        visited.Add(root);
        while (stack.Count > 0)
        {
            var (node, next) = stack.Pop();
            if (next < node.Inputs.Length)
            {
                stack.Push((node, next + 1));
                var child = node.Inputs[next].GradFn;
                if (child is not null && visited.Add(child)) stack.Push((child, 0));
            }
            else
            {
                postOrder.Add(node);
            }
        }
        postOrder.Reverse();
        return postOrder;
    }
}
