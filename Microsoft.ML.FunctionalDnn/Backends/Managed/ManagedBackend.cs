using System.Numerics.Tensors;
using Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

namespace Microsoft.ML.FunctionalDnn.Backends.Managed;

/// <summary>
/// The managed engine as a backend: tensors in pooled CLR arrays, the ops' kernels in
/// <c>Kernels/</c>, and the autograd tape. The op files beside this one hold each primitive's
/// forward and backward; this file holds tensor creation, host copies, variables and gradients.
/// </summary>
internal sealed partial class ManagedBackend : IBackend
{
    private ManagedBackend()
    {
    }

    /// <summary>The one instance (the engine keeps no per-instance state).</summary>
    internal static ManagedBackend Instance { get; } = new();

    public string Name => "managed";

    public string Device => "cpu";

    // TensorScope pools the engine's buffers itself, and GradMode's depth is the tape's switch.
    public IBackendScope? BeginScope() => null;

    public IDisposable? NoGrad() => null;

    // A managed tensor answers these itself (Tensor.Autograd.cs); they are here for the interface's callers.
    public bool RequiresGrad(Tensor x) => x.RequiresGrad;

    public void SetRequiresGrad(Tensor x, bool value) => x.RequiresGrad = value;

    public bool IsLeaf(Tensor x) => x.IsLeaf;

    public Tensor? Grad(Tensor x) => x.Grad;

    public void ZeroGrad(Tensor x) => x.ZeroGrad();

    public Tensor Detach(Tensor x) => x.Detach();

    public Tensor SliceRows(Tensor x, int start, int length) => x.SliceBatch(start, length);

    // Host data outlives any tensor scope, as the arrays it came from did; a temporary is pooled.
    public Tensor FromHost(ReadOnlySpan<float> values, Shape shape) => Copied(values, shape, temporary: false);

    public Tensor FromHostTemporary(ReadOnlySpan<float> values, Shape shape) => Copied(values, shape, temporary: true);

    private static Tensor Copied(ReadOnlySpan<float> values, Shape shape, bool temporary)
    {
        OpChecks.CheckLength(values.Length, shape);
        var t = temporary ? Tensor.Empty(shape) : Tensor.Persistent(shape);
        values.CopyTo(t.Data);
        return t;
    }

    public Tensor FromHost(ReadOnlySpan<int> values, Shape shape) => Copied(values, shape, temporary: false);

    public Tensor FromHostTemporary(ReadOnlySpan<int> values, Shape shape) => Copied(values, shape, temporary: true);

    private static Tensor Copied(ReadOnlySpan<int> values, Shape shape, bool temporary)
    {
        OpChecks.CheckLength(values.Length, shape);
        var t = temporary ? Tensor.Empty(shape, DType.Int32) : Tensor.Persistent(shape, DType.Int32);
        values.CopyTo(t.IntData);
        return t;
    }

    public Tensor Full(Shape shape, float value, DType dtype)
    {
        var t = Tensor.Empty(shape, dtype);
        if (value == 0 && !t.Storage.Pooled) return t; // a new CLR array is already zeros
        if (dtype == DType.Float32) Parallelism.ForRanges(t.Size, 1, (start, count) => t.Data.Slice(start, count).Fill(value));
        else
        {
            int fill = checked((int)value);
            Parallelism.ForRanges(t.Size, 1, (start, count) => t.IntData.Slice(start, count).Fill(fill));
        }
        return t;
    }

    public void CopyToHost(Tensor source, Span<float> destination)
    {
        OpChecks.CheckDestination(source, destination.Length);
        source.Data.CopyTo(destination);
    }

    public void CopyToHost(Tensor source, Span<int> destination)
    {
        OpChecks.CheckDestination(source, destination.Length);
        source.IntData.CopyTo(destination);
    }

    public Tensor CreateVariable(Tensor initialValue, bool trainable, bool takeOwnership = false)
    {
        ArgumentNullException.ThrowIfNull(initialValue);
        Tensor v;
        if (takeOwnership && OwnsWholeStorage(initialValue))
        {
            v = new Tensor(initialValue.Storage, 0, initialValue.Shape, initialValue.DType);
        }
        else
        {
            v = Tensor.Persistent(initialValue.Shape, initialValue.DType);
            if (initialValue.DType == DType.Float32) initialValue.Data.CopyTo(v.Data);
            else initialValue.IntData.CopyTo(v.IntData);
        }
        if (trainable) v.RequiresGrad = true;
        return v;
    }

    public Tensor AdoptHost(float[] values, Shape shape)
    {
        ArgumentNullException.ThrowIfNull(values);
        OpChecks.CheckLength(values.Length, shape);
        return new Tensor(Storage.OfFloats(values), 0, shape, DType.Float32);
    }

    public Tensor AdoptHost(int[] values, Shape shape)
    {
        ArgumentNullException.ThrowIfNull(values);
        OpChecks.CheckLength(values.Length, shape);
        return new Tensor(Storage.OfInts(values), 0, shape, DType.Int32);
    }

    /// <summary>A plain leaf over a whole GC-heap buffer: safe to keep as a variable's storage (a pooled buffer goes back to its pool; a view shares it).</summary>
    private static bool OwnsWholeStorage(Tensor t) =>
        !t.Storage.Pooled && t.Offset == 0 && t.IsLeaf && !t.RequiresGrad
        && (t.DType == DType.Float32 ? t.Storage.Floats.Length : t.Storage.Ints.Length) == t.Size;

    public void Assign(Tensor variable, Tensor value)
    {
        var source = Operand(variable, value, nameof(Assign));
        if (variable.DType == DType.Float32) source.Data.CopyTo(variable.Data);
        else source.IntData.CopyTo(variable.IntData);
    }

    public void AssignAdd(Tensor variable, Tensor value)
    {
        var source = FloatOperand(variable, value, nameof(AssignAdd));
        TensorPrimitives.Add(variable.Data, source.Data, variable.Data);
    }

    public void AssignSub(Tensor variable, Tensor value)
    {
        var source = FloatOperand(variable, value, nameof(AssignSub));
        TensorPrimitives.Subtract(variable.Data, source.Data, variable.Data);
    }

    public void Backward(Tensor root, Tensor seed, bool retainGraph)
    {
        using (GradMode.NoGrad()) Tape.Backward(root, seed, retainGraph);
    }

    public Tensor?[] Gradients(Tensor loss, IReadOnlyList<Tensor> variables)
    {
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(variables);
        loss.Backward();
        var grads = new Tensor?[variables.Count];
        for (int i = 0; i < grads.Length; i++) grads[i] = variables[i].Grad;
        return grads;
    }

    public void ClearGradients(IReadOnlyList<Tensor> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        foreach (var v in variables) v.ZeroGrad();
    }

    public Tensor NotEqualZero(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var y = Tensor.Empty(x.Shape);
        var ys = y.Data;
        if (x.DType == DType.Float32)
        {
            var xs = x.Data;
            for (int i = 0; i < ys.Length; i++) ys[i] = xs[i] != 0 ? 1f : 0f;
        }
        else
        {
            var xs = x.IntData;
            for (int i = 0; i < ys.Length; i++) ys[i] = xs[i] != 0 ? 1f : 0f;
        }
        return y;
    }

    /// <summary>The value to write into <paramref name="variable"/>: its own shape, or broadcast to it.</summary>
    private static Tensor Operand(Tensor variable, Tensor value, string op)
    {
        ArgumentNullException.ThrowIfNull(variable);
        ArgumentNullException.ThrowIfNull(value);
        if (variable.GradFn is not null)
            throw new InvalidOperationException($"{op} writes into a variable; this tensor was computed by {variable.GradFn.OpName}.");
        if (value.DType != variable.DType)
            throw new ArgumentException($"{op}: the variable is {variable.DType} {variable.Shape}; the value is {value.DType} {value.Shape}.", nameof(value));
        return value.Shape == variable.Shape ? value : BroadcastKernel.BroadcastTo(value, variable.Shape, op);
    }

    private static Tensor FloatOperand(Tensor variable, Tensor value, string op)
    {
        var source = Operand(variable, value, op);
        RequireFloat(variable, op);
        return source;
    }
}
