using Microsoft.ML.FunctionalDnn.Backends;

namespace Microsoft.ML.FunctionalDnn;

public sealed partial class Tensor
{
    /// <summary>
    /// Overwrites this tensor's elements with <paramref name="value"/> (same shape, or broadcast to
    /// it), as Keras's <c>variable.assign</c>: in place, unrecorded, for weights and other state
    /// updated between steps. Views sharing the storage see the change.
    /// </summary>
    /// <exception cref="ArgumentException">The value's type differs, or its shape does not broadcast to this one.</exception>
    /// <exception cref="InvalidOperationException">This tensor was computed by a recorded op (not a leaf).</exception>
    public void Assign(Tensor value) => OwningBackend.Assign(this, value);

    /// <summary>this ← this + <paramref name="value"/> in place and unrecorded (Keras's <c>assign_add</c>).</summary>
    /// <exception cref="ArgumentException">The value's type differs, or its shape does not broadcast to this one.</exception>
    public void AssignAdd(Tensor value) => OwningBackend.AssignAdd(this, value);

    /// <summary>this ← this - <paramref name="value"/> in place and unrecorded (Keras's <c>assign_sub</c>), as an optimizer step does.</summary>
    /// <exception cref="ArgumentException">The value's type differs, or its shape does not broadcast to this one.</exception>
    public void AssignSub(Tensor value) => OwningBackend.AssignSub(this, value);
}
