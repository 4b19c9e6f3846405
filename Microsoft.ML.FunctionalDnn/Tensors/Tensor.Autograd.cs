using Microsoft.ML.FunctionalDnn.Backends.Managed;

namespace Microsoft.ML.FunctionalDnn;

public sealed partial class Tensor
{
    private bool _requiresGrad;

    internal GradNode? GradFn { get; private set; }

    internal int OutputIndex { get; private set; }

    /// <summary>
    /// Whether gradients flow to this tensor. Set it on leaves (weights, or inputs you want the
    /// gradient of); tensors computed from such leaves require gradients automatically.
    /// </summary>
    /// <exception cref="InvalidOperationException">Set on an int32 tensor, or cleared on a computed tensor.</exception>
    public bool RequiresGrad
    {
        get => IsManaged ? _requiresGrad || GradFn is not null : OwningBackend.RequiresGrad(this);
        set
        {
            if (!IsManaged)
            {
                OwningBackend.SetRequiresGrad(this, value);
                return;
            }
            if (value && DType != DType.Float32)
                throw new InvalidOperationException("Only float32 tensors can require gradients; int32 tensors hold ids and labels.");
            if (!value && GradFn is not null)
                throw new InvalidOperationException($"This tensor was computed by {GradFn.OpName} and is part of the autograd graph; use Detach() to get a copy that is not.");
            _requiresGrad = value;
        }
    }

    /// <summary>True for a tensor not computed by a recorded op (weights, data).</summary>
    public bool IsLeaf => IsManaged ? GradFn is null : OwningBackend.IsLeaf(this);

    /// <summary>
    /// The accumulated gradient of a leaf after <see cref="Backward(Tensor, bool)"/>; null before the
    /// first backward pass. Gradients add up over backward calls until <see cref="ZeroGrad"/>.
    /// </summary>
    public Tensor? Grad
    {
        get => IsManaged ? _grad : OwningBackend.Grad(this);
        private set => _grad = value;
    }

    private Tensor? _grad;

    /// <summary>Clears the accumulated gradient (keeping its buffer for the next pass).</summary>
    public void ZeroGrad()
    {
        if (IsManaged) _grad?.Data.Clear();
        else OwningBackend.ZeroGrad(this);
    }

    /// <summary>A view of the same elements that is not part of the autograd graph.</summary>
    public Tensor Detach() => IsManaged ? new(Storage, Offset, Shape, DType) { Name = Name } : OwningBackend.Detach(this);

    /// <summary>
    /// Computes the gradient of this tensor with respect to every leaf that requires gradients and
    /// adds it to their <see cref="Grad"/>. A scalar needs no <paramref name="gradient"/> (it is 1);
    /// otherwise pass the gradient of the final objective with respect to this tensor.
    /// </summary>
    /// <param name="gradient">The seed gradient, same shape as this tensor.</param>
    /// <param name="retainGraph">Keep the recorded ops so backward can run through them again.</param>
    public void Backward(Tensor? gradient = null, bool retainGraph = false)
    {
        if (!RequiresGrad)
            throw new InvalidOperationException("Backward needs a tensor that requires gradients: set RequiresGrad on the weights or inputs it was computed from, outside any GradMode.NoGrad() scope.");
        if (gradient is null)
        {
            if (Size != 1)
                throw new InvalidOperationException($"Backward without a gradient needs a one-element tensor (a loss); this one has shape {Shape}. Pass the gradient of the objective with respect to it.");
            gradient = Ones(Shape);
        }
        else if (gradient.Shape != Shape)
        {
            throw new ArgumentException($"The seed gradient has shape {gradient.Shape}; the tensor has shape {Shape}.", nameof(gradient));
        }
        OwningBackend.Backward(this, gradient, retainGraph);
    }

    internal void SetGradFn(GradNode node, int outputIndex)
    {
        GradFn = node;
        OutputIndex = outputIndex;
    }

    internal void AccumulateLeafGrad(Tensor grad)
    {
        if (!_requiresGrad) return;
        if (Grad is null)
        {
            // Leaf gradients outlive any TensorScope of the step that made them.
            Grad = Persistent(Shape);
            grad.Data.CopyTo(Grad.Data);
        }
        else
        {
            Grad.AddInPlace(grad);
        }
    }

    /// <summary>The leaf's gradient buffer, created as zeros on first use, for backward rules that add into parts of it (an embedding's gathered rows).</summary>
    internal Tensor LeafGradBuffer() => Grad ??= Persistent(Shape);
}
