namespace Microsoft.ML.FunctionalDnn.Backends.Managed;

/// <summary>
/// One recorded op on the tape: its inputs, the gradients flowing into its outputs, and its
/// backward rule, which turns those into gradients of the inputs through
/// <see cref="AccumulateInputGrad"/>.
/// </summary>
internal sealed class GradNode
{
    private readonly Tensor?[] _outputGrads;
    private readonly bool[] _ownsOutputGrad;
    private Action<GradNode>? _backward;

    internal GradNode(string opName, Tensor[] inputs, int outputCount, Action<GradNode> backward)
    {
        OpName = opName;
        Inputs = inputs;
        _outputGrads = new Tensor?[outputCount];
        _ownsOutputGrad = new bool[outputCount];
        _backward = backward;
    }

    internal string OpName { get; }

    internal Tensor[] Inputs { get; }

    /// <summary>The gradient of output <paramref name="index"/>, or null when no path from the loss reached it.</summary>
    internal Tensor? OutputGrad(int index = 0) => _outputGrads[index];

    /// <summary>The gradient of output 0, which every single-output op has once backward reaches it.</summary>
    internal Tensor Grad => _outputGrads[0]!;

    /// <summary>Whether input <paramref name="index"/> wants a gradient.</summary>
    internal bool NeedsGrad(int index) => Inputs[index].RequiresGrad;

    /// <summary>Adds <paramref name="grad"/> (with the input's exact shape) to input <paramref name="index"/>'s gradient.</summary>
    internal void AccumulateInputGrad(int index, Tensor grad)
    {
        var input = Inputs[index];
        if (!input.RequiresGrad) return;
        if (grad.Shape != input.Shape)
            throw new InvalidOperationException($"Backward of {OpName} produced a gradient of shape {grad.Shape} for input {index} of shape {input.Shape}.");
        if (input.GradFn is { } producer) producer.AddOutputGrad(input.OutputIndex, grad);
        else input.AccumulateLeafGrad(grad);
    }

    private void AddOutputGrad(int index, Tensor grad)
    {
        var current = _outputGrads[index];
        if (current is null)
        {
            // Borrow the tensor: a backward rule may pass one gradient to several inputs (Add does).
            _outputGrads[index] = grad;
            return;
        }
        if (!_ownsOutputGrad[index])
        {
            var sum = Tensor.Empty(current.Shape);
            System.Numerics.Tensors.TensorPrimitives.Add(current.Data, grad.Data, sum.Data);
            _outputGrads[index] = sum;
            _ownsOutputGrad[index] = true;
            return;
        }
        current.AddInPlace(grad);
    }

    internal void SeedOutputGrad(int index, Tensor grad) => _outputGrads[index] = grad;

    internal bool HasAnyOutputGrad()
    {
        foreach (var g in _outputGrads) if (g is not null) return true;
        return false;
    }

    internal void RunBackward(bool retainGraph)
    {
        var rule = _backward ?? throw new InvalidOperationException(
            $"Backward already ran through {OpName} and its saved tensors were freed; pass retainGraph: true to the first Backward call to run it twice.");
        rule(this);
        Array.Clear(_outputGrads);
        Array.Clear(_ownsOutputGrad);
        if (!retainGraph) _backward = null;
    }
}
