using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.ML.FunctionalDnn.Backends;
using TorchSharp;
using static Microsoft.ML.FunctionalDnn.Backends.OpChecks;
using TT = TorchSharp.torch.Tensor;

namespace Microsoft.ML.FunctionalDnn.TorchSharp;

// Tensor creation, host copies, variables, autograd state and scopes.
internal sealed partial class TorchBackend
{
    // Host data and variables outlive the step's dispose scope, as they do on the managed engine
    // (where they live on the GC heap); temporaries stay in it.
    public Tensor FromHost(ReadOnlySpan<float> values, Shape shape) => Wrap(Persistent(FromHostCore(values, shape)));

    public Tensor FromHostTemporary(ReadOnlySpan<float> values, Shape shape) => Wrap(FromHostCore(values, shape));

    public Tensor FromHost(ReadOnlySpan<int> values, Shape shape) => Wrap(Persistent(FromHostCore(values, shape)));

    public Tensor FromHostTemporary(ReadOnlySpan<int> values, Shape shape) => Wrap(FromHostCore(values, shape));

    public Tensor AdoptHost(float[] values, Shape shape)
    {
        ArgumentNullException.ThrowIfNull(values);
        return FromHost(values, shape);
    }

    public Tensor AdoptHost(int[] values, Shape shape)
    {
        ArgumentNullException.ThrowIfNull(values);
        return FromHost(values, shape);
    }

    internal TT FromHostCore(ReadOnlySpan<float> values, Shape shape)
    {
        OpChecks.CheckLength(values.Length, shape);
        var t = torch.empty(Dims(shape), torch.ScalarType.Float32);
        CopyIn(t, values);
        return OnCpu ? t : Moved(t);
    }

    internal TT FromHostCore(ReadOnlySpan<int> values, Shape shape)
    {
        OpChecks.CheckLength(values.Length, shape);
        var t = torch.empty(Dims(shape), torch.ScalarType.Int32);
        CopyIn(t, values);
        return OnCpu ? t : Moved(t);
    }

    // Host copies go through the bytes of a contiguous CPU tensor: one span, copied at memory speed.
    // TorchSharp's TensorAccessor CopyTo/CopyFrom walk element by element and ask libtorch for the
    // element count at every step (a siamese batch of 128 × 50 × 128 floats took tens of
    // milliseconds, a Fit's data check of 12.8 M floats about half a second). Spans are cut into
    // pieces of at most 1 GiB, the most a tensor's byte span can hold.
    private const int CopyChunkBytes = 1 << 30;

    private static void CopyIn<T>(TT cpu, ReadOnlySpan<T> values) where T : unmanaged =>
        // Only read: the span is made writable for the shared loop, which writes to the tensor.
        Copy(cpu, MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(values), values.Length), toTensor: true);

    private static void CopyOut<T>(TT host, Span<T> destination) where T : unmanaged => Copy(host, destination, toTensor: false);

    /// <summary>Copies between a contiguous CPU tensor's elements and <paramref name="host"/>, in pieces of at most <see cref="CopyChunkBytes"/>.</summary>
    private static void Copy<T>(TT tensor, Span<T> host, bool toTensor) where T : unmanaged
    {
        if ((long)host.Length * Unsafe.SizeOf<T>() <= CopyChunkBytes)
        {
            var all = MemoryMarshal.Cast<byte, T>(tensor.bytes);
            if (toTensor) host.CopyTo(all);
            else all.CopyTo(host);
            return;
        }
        using var flat = tensor.reshape(-1);
        int chunk = CopyChunkBytes / Unsafe.SizeOf<T>();
        for (int start = 0; start < host.Length; start += chunk)
        {
            int length = Math.Min(chunk, host.Length - start);
            using var part = flat.narrow(0, start, length);
            var elements = MemoryMarshal.Cast<byte, T>(part.bytes);
            if (toTensor) host.Slice(start, length).CopyTo(elements);
            else elements.CopyTo(host.Slice(start, length));
        }
    }

    private TT Moved(TT cpu)
    {
        var moved = cpu.to(TorchDevice);
        cpu.Dispose();
        return moved;
    }

    private static TT Persistent(TT t) => t.DetachFromDisposeScope();

    public Tensor Full(Shape shape, float value, DType dtype)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var t = dtype == DType.Float32
            ? torch.full(Dims(shape), value, torch.ScalarType.Float32, TorchDevice)
            : torch.full(Dims(shape), checked((int)value), torch.ScalarType.Int32, TorchDevice);
        return Wrap(t);
    }

    public void CopyToHost(Tensor source, Span<float> destination) => CopyToHost(source, destination, static v => v.ToSingle());

    public void CopyToHost(Tensor source, Span<int> destination) => CopyToHost(source, destination, static v => v.ToInt32());

    private void CopyToHost<T>(Tensor source, Span<T> destination, Func<Scalar, T> single) where T : unmanaged
    {
        OpChecks.CheckDestination(source, destination.Length);
        if (destination.Length == 1)
        {
            // One value (a loss, a metric): libtorch's item() reads it from any device in one call.
            using var value = Live(source).ToScalar();
            destination[0] = single(value);
            return;
        }
        using var host = HostContiguous(Live(source));
        CopyOut(host, destination);
    }

    /// <summary>The libtorch tensor behind <paramref name="x"/>, or the managed engine's error for a tensor whose scope freed it.</summary>
    private TT Live(Tensor x)
    {
        var t = T(x);
        if (t.IsInvalid)
            throw new ObjectDisposedException(nameof(Tensor),
                "This tensor's buffer went back to the pool when its TensorScope ended. Call scope.Keep(tensor) or tensor.Clone() inside the scope to use it afterwards.");
        return t;
    }

    /// <summary>A CPU, contiguous, gradient-free alias (or copy) of <paramref name="t"/>, to read from the host.</summary>
    private static TT HostContiguous(TT t)
    {
        var d = t.detach();
        if (d.device_type != DeviceType.CPU)
        {
            var cpu = d.cpu();
            d.Dispose();
            d = cpu;
        }
        if (!d.is_contiguous())
        {
            var c = d.contiguous();
            d.Dispose();
            d = c;
        }
        return d;
    }

    public Tensor CreateVariable(Tensor initialValue, bool trainable, bool takeOwnership = false)
    {
        ArgumentNullException.ThrowIfNull(initialValue);
        TT v;
        using (torch.no_grad())
        {
            var source = T(initialValue);
            bool adopt = takeOwnership && initialValue.Native is TT own && own.is_leaf && !own.requires_grad && own.is_contiguous();
            v = adopt ? source.alias() : source.detach().clone();
        }
        v = Persistent(v);
        var variable = Wrap(v);
        if (trainable) SetRequiresGrad(variable, true);
        return variable;
    }

    public void Assign(Tensor variable, Tensor value) => InPlace(variable, value, nameof(Assign), (v, x) => v.copy_(x));

    public void AssignAdd(Tensor variable, Tensor value) => InPlace(variable, value, nameof(AssignAdd), (v, x) => v.add_(x));

    public void AssignSub(Tensor variable, Tensor value) => InPlace(variable, value, nameof(AssignSub), (v, x) => v.sub_(x));

    private void InPlace(Tensor variable, Tensor value, string op, Func<TT, TT, TT> update)
    {
        ArgumentNullException.ThrowIfNull(variable);
        ArgumentNullException.ThrowIfNull(value);
        var v = T(variable);
        if (!v.is_leaf)
            throw new InvalidOperationException($"{op} writes into a variable; this tensor was computed by an op.");
        if (value.DType != variable.DType)
            throw new ArgumentException($"{op}: the variable is {variable.DType} {variable.Shape}; the value is {value.DType} {value.Shape}.", nameof(value));
        if (op != nameof(Assign)) RequireFloat(variable, op);
        if (value.Shape != variable.Shape && BroadcastShape(value.Shape, variable.Shape, op) != variable.Shape)
            throw new ArgumentException($"{op}: shape {value.Shape} cannot be broadcast to {variable.Shape}.");
        using (torch.no_grad())
        using (var scope = torch.NewDisposeScope())
        {
            update(v, T(value));
        }
    }

    // Fused optimizer steps: the op-by-op rule's ops, in its order and grouping, as in-place libtorch
    // kernels on the slots and the weight (no graph, few temporaries).

    public bool TryAdamUpdate(Tensor variable, Tensor gradient, Tensor m, Tensor v, float alpha, float beta1, float beta2, float epsilon)
    {
        if (!Fusable(variable, gradient, m, v)) return false;
        using var noGrad = NoGradIfRecording();
        TT w = T(variable), g = T(gradient), ms = T(m), vs = T(v);
        using (var difference = g.sub(ms))
            ms.add_(difference.mul_(1 - beta1));                    // m += (g - m)(1 - β₁)
        using (var square = g.square())
            vs.add_(square.sub_(vs).mul_(1 - beta2));               // v += (g² - v)(1 - β₂)
        using (var denominator = vs.sqrt())
            w.addcdiv_(ms, denominator.add_(epsilon), -alpha);      // w -= m·α / (√v + ε)
        return true;
    }

    public bool TryRmsPropUpdate(Tensor variable, Tensor gradient, Tensor velocity, float lr, float rho, float epsilon)
    {
        if (!Fusable(variable, gradient, velocity, null)) return false;
        using var noGrad = NoGradIfRecording();
        TT w = T(variable), g = T(gradient), vs = T(velocity);
        // One temporary of the weight's size instead of three (an embedding table's step
        // allocates and sweeps that much memory per temporary); the products group differently
        // from the op-by-op rule, within a few ulps.
        vs.mul_(rho).addcmul_(g, g, 1 - rho);                       // v = ρ·v + (1 - ρ)·g·g
        using (var denominator = vs.add(epsilon))
            w.addcdiv_(g, denominator.sqrt_(), -lr);                // w -= lr·g / √(v + ε)
        return true;
    }

    /// <summary>
    /// Autograd recording off for a fused step, unless it is off already (the optimizer calls these
    /// inside its no-grad scope; entering another costs three native calls per weight).
    /// </summary>
    private static IDisposable? NoGradIfRecording() => torch.is_grad_enabled() ? torch.no_grad() : null;

    /// <summary>
    /// Float32 tensors of this backend, of one shape, contiguous, none sharing memory with another
    /// (an in-place step would read what an earlier one overwrote; such tensors take the op path).
    /// <paramref name="b"/> is null for RmsProp's one slot. A weight's or slot's storage is fixed
    /// for its life (assignments copy into it), so its contiguity and memory are read once; the
    /// gradient's at every step.
    /// </summary>
    private bool Fusable(Tensor w, Tensor g, Tensor a, Tensor? b)
    {
        foreach (var t in (ReadOnlySpan<Tensor>)[w, g, a, b ?? a])
        {
            ArgumentNullException.ThrowIfNull(t);
            if (t.DType != DType.Float32 || t.Shape != w.Shape || !ReferenceEquals(t.Owner, this) || t.Native is not TT native || native.IsInvalid)
                return false;
        }
        var (mw, ma) = (FixedMemoryOf(w), FixedMemoryOf(a));
        var mb = b is null ? null : FixedMemoryOf(b);
        if (mw is null || ma is null || (b is not null && mb is null)) return false;
        var mg = MemoryOf(T(g));
        if (mg is null || mw.Overlaps(mg) || mw.Overlaps(ma) || mg.Overlaps(ma)) return false;
        return mb is null || (!mw.Overlaps(mb) && !mg.Overlaps(mb) && !ma.Overlaps(mb));
    }

    /// <summary>The bytes a contiguous tensor covers (null when it is not contiguous): its storage on a device, its address range on the CPU.</summary>
    private sealed record Memory(IntPtr Start, long Bytes)
    {
        public bool Overlaps(Memory other) => Start < other.Start + Math.Max(other.Bytes, 1) && other.Start < Start + Math.Max(Bytes, 1);
    }

    private Memory? MemoryOf(TT t)
    {
        if (!t.is_contiguous()) return null;
        if (OnCpu)
        {
            var bytes = t.bytes;
            unsafe
            {
                fixed (byte* start = bytes) return new((IntPtr)start, bytes.Length);
            }
        }
        // Device memory cannot be addressed from here; a shared storage counts as overlapping.
        using var scope = torch.NewDisposeScope();
        return new(t.storage<float>().data_ptr(), 1);
    }

    private readonly ConditionalWeakTable<Tensor, Memory?> _fixedMemory = new();

    private Memory? FixedMemoryOf(Tensor x) => _fixedMemory.GetValue(x, t => MemoryOf(T(t)));

    // Autograd.

    public void Backward(Tensor root, Tensor seed, bool retainGraph)
    {
        var r = T(root);
        if (retainGraph) Interlocked.Increment(ref s_retainingBackwards);
        try
        {
            WithBackwardFailures(() => r.backward([T(seed)], retain_graph: retainGraph));
        }
        catch (System.Runtime.InteropServices.ExternalException e) when (e.Message.Contains("backward through the graph a second time", StringComparison.Ordinal))
        {
            throw new InvalidOperationException(SecondBackwardMessage, e);
        }
        finally
        {
            if (retainGraph) Interlocked.Decrement(ref s_retainingBackwards);
        }
    }

    private const string SecondBackwardMessage =
        "Backward already ran through this graph and its saved tensors were freed; pass retainGraph: true to the first Backward call to run it twice.";

    // How many backward passes that retain their graph are running (any thread: libtorch runs a
    // device's backward on its own threads). While one is, fused nodes keep their saved state.
    private static int s_retainingBackwards;

    /// <summary>Runs libtorch's backward, then rethrows what a fused recurrent backward caught inside it (the first cause, when libtorch failed too).</summary>
    private static void WithBackwardFailures(Action backward)
    {
        try
        {
            backward();
        }
        catch
        {
            ThrowBackwardFailure();
            throw;
        }
        ThrowBackwardFailure();
    }

    public Tensor?[] Gradients(Tensor loss, IReadOnlyList<Tensor> variables)
    {
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(variables);
        var grads = new Tensor?[variables.Count];
        var wanted = new List<TT>(variables.Count);
        var index = new List<int>(variables.Count);
        for (int i = 0; i < variables.Count; i++)
        {
            var t = T(variables[i]);
            if (!t.requires_grad) continue;
            wanted.Add(t);
            index.Add(i);
        }
        var l = T(loss);
        if (wanted.Count == 0 || !l.requires_grad) return grads;
        IList<TT> results = [];
        WithBackwardFailures(() => results = torch.autograd.grad([l], wanted, allow_unused: true));
        for (int k = 0; k < results.Count; k++)
        {
            var g = results[k];
            if (g.Handle == IntPtr.Zero) continue; // a variable the loss never reached
            grads[index[k]] = WrapFloat(g, variables[index[k]].Shape); // autograd gives each the variable's shape
        }
        return grads;
    }

    // Gradients come from autograd.grad, which accumulates nothing into the variables.
    public void ClearGradients(IReadOnlyList<Tensor> variables) => ArgumentNullException.ThrowIfNull(variables);

    public bool RequiresGrad(Tensor x) => T(x).requires_grad;

    public void SetRequiresGrad(Tensor x, bool value)
    {
        var t = T(x);
        if (value && x.DType != DType.Float32)
            throw new InvalidOperationException("Only float32 tensors can require gradients; int32 tensors hold ids and labels.");
        if (!value && !t.is_leaf)
            throw new InvalidOperationException("This tensor was computed by a recorded op and is part of the autograd graph; use Detach() to get a copy that is not.");
        t.requires_grad_(value);
    }

    public bool IsLeaf(Tensor x) => T(x).is_leaf;

    // Only leaves accumulate gradients, as on the managed engine; reading a computed tensor's grad
    // would also make libtorch print a warning.
    public Tensor? Grad(Tensor x)
    {
        var t = T(x);
        if (!t.is_leaf) return null;
        var g = t.grad;
        return g is null || g.Handle == IntPtr.Zero ? null : Wrap(g.DetachFromDisposeScope());
    }

    public void ZeroGrad(Tensor x)
    {
        var t = T(x);
        if (!t.is_leaf) return;
        var g = t.grad;
        if (g is null || g.Handle == IntPtr.Zero) return;
        using (torch.no_grad()) g.zero_();
    }

    public Tensor Detach(Tensor x) => new(this, T(x).detach(), x.Shape, x.DType) { Name = x.Name };

    public Tensor SliceRows(Tensor x, int start, int length)
    {
        var t = T(x);
        if (x.Rank == 0) throw new InvalidOperationException("A scalar has no batch axis to slice.");
        if (start < 0 || length < 0 || start + length > x.Shape[0])
            throw new ArgumentOutOfRangeException(nameof(start), $"Rows [{start}, {start + length}) are outside the batch axis of size {x.Shape[0]} (shape {x.Shape}).");
        return Wrap(t.detach().narrow(0, start, length));
    }

    // Scopes.

    public IBackendScope? BeginScope() => new DisposeScopeAdapter(torch.NewDisposeScope());

    public IDisposable? NoGrad() => torch.no_grad();

    private sealed class DisposeScopeAdapter(DisposeScope scope) : IBackendScope
    {
        public int Count => scope.DisposablesCount;

        public void Keep(Tensor tensor)
        {
            if (tensor.Native is TT t && scope.Contains(t)) scope.MoveToOuter(t);
        }

        public void Dispose() => scope.Dispose();
    }
}
