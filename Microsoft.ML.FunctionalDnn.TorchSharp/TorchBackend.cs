using System.Runtime.InteropServices;
using Microsoft.ML.FunctionalDnn.Backends;
using TorchSharp;
using TT = TorchSharp.torch.Tensor;

namespace Microsoft.ML.FunctionalDnn.TorchSharp;

/// <summary>
/// The torch backend: every tensor is a libtorch tensor on one device, gradients are libtorch's
/// autograd, and each primitive op of <see cref="IBackend"/> maps to libtorch's own kernels (the
/// op files beside this one), laid out as Keras lays tensors out (channels last, kernels as
/// (kernel…, in, out)). This file holds the backend's creation (device choice, the native library's
/// load with an actionable error) and the conversions between our <see cref="Tensor"/> and
/// TorchSharp's.
/// </summary>
internal sealed partial class TorchBackend : IBackend
{
    private TorchBackend(torch.Device device)
    {
        TorchDevice = device;
        Device = device.type == DeviceType.CUDA ? $"cuda:{Math.Max(device.index, 0)}" : "cpu";
    }

    public string Name => "torch";

    public string Device { get; }

    /// <summary>The device every tensor of this backend lives on.</summary>
    internal torch.Device TorchDevice { get; }

    internal bool OnCpu => TorchDevice.type == DeviceType.CPU;

    /// <summary>
    /// Loads libtorch and picks the device: <c>cpu</c>, <c>cuda</c> (device 0), <c>cuda:N</c>, or
    /// by default CUDA when TorchSharp reports it available, else the CPU. Called by name from the
    /// core library's backend selection.
    /// </summary>
    internal static TorchBackend Create(string? device)
    {
        LoadNative();
        return new TorchBackend(ParseDevice(device));
    }

    private static torch.Device ParseDevice(string? device)
    {
        string text = device?.Trim().ToLowerInvariant() ?? "";
        if (text.Length == 0) return CudaAvailable() ? new torch.Device(DeviceType.CUDA, 0) : torch.CPU;
        if (text == "cpu") return torch.CPU;
        if (text == "cuda" || text.StartsWith("cuda:", StringComparison.Ordinal))
        {
            int index = 0;
            if (text.Length > 4 && !int.TryParse(text.AsSpan(5), out index))
                throw new ArgumentException($"Device '{device}' is not 'cpu', 'cuda' or 'cuda:N'.", nameof(device));
            if (!CudaAvailable())
                throw new InvalidOperationException(
                    $"Device '{device}' was asked for, but TorchSharp reports no CUDA device: reference TorchSharp-cuda-windows or TorchSharp-cuda-linux (instead of TorchSharp-cpu), with an NVIDIA driver for CUDA 12, or choose 'cpu'.");
            int count = torch.cuda.device_count();
            if (index < 0 || index >= count)
                throw new ArgumentException($"Device '{device}' does not exist: TorchSharp sees {count} CUDA device(s), cuda:0 to cuda:{count - 1}.", nameof(device));
            return new torch.Device(DeviceType.CUDA, index);
        }
        throw new ArgumentException($"Device '{device}' is not 'cpu', 'cuda' or 'cuda:N'.", nameof(device));
    }

    private static bool CudaAvailable()
    {
        try
        {
            return torch.cuda.is_available();
        }
        catch (Exception e) when (e is NotSupportedException or DllNotFoundException or InvalidOperationException)
        {
            return false; // a CPU-only install has no CUDA libraries to load
        }
    }

    /// <summary>Loads libtorch for the CPU (every install has it) and turns a failure into a message that names the library, what it lacked, and the remedy.</summary>
    private static void LoadNative()
    {
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
            using var probe = torch.zeros(1);
        }
        catch (Exception e) when (e is NotSupportedException or DllNotFoundException or TypeInitializationException or EntryPointNotFoundException or BadImageFormatException)
        {
            throw new InvalidOperationException(LoadFailure(e, LoaderMessage()), e);
        }
    }

    /// <summary>
    /// What the system's loader says about the application's own copy of TorchSharp's native library,
    /// if it has one: TorchSharp reports a copy that failed to load as a missing package, while the
    /// loader names the real cause (a missing GLIBCXX version, a missing libtorch library).
    /// </summary>
    private static string? LoaderMessage()
    {
        string file = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "LibTorchSharp.dll"
            : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "libLibTorchSharp.dylib" : "libLibTorchSharp.so";
        string rid = RuntimeInformation.RuntimeIdentifier;
        foreach (var candidate in new[] { Path.Combine(AppContext.BaseDirectory, file), Path.Combine(AppContext.BaseDirectory, "runtimes", rid, "native", file) })
        {
            if (!File.Exists(candidate)) continue;
            try
            {
                NativeLibrary.Free(NativeLibrary.Load(candidate));
                return null;
            }
            catch (DllNotFoundException e)
            {
                return e.Message;
            }
            catch (BadImageFormatException e)
            {
                return e.Message;
            }
        }
        return null;
    }

    internal static string LoadFailure(Exception e, string? loaderMessage = null)
    {
        string all = e + "\n" + loaderMessage;
        string library = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "LibTorchSharp.dll"
            : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "libLibTorchSharp.dylib" : "libLibTorchSharp.so";
        if (all.Contains("GLIBCXX_3.4.32", StringComparison.Ordinal) || all.Contains("ios_base_library_init", StringComparison.Ordinal))
            return $"The torch backend could not load TorchSharp's native library {library}: it needs GLIBCXX_3.4.32 (the symbol std::ios_base_library_init, from GCC 13's libstdc++), and this system's libstdc++ is older (Debian 12 stops at GLIBCXX_3.4.30). Run the repository's shared/tools/libtorchsharp-compat.sh on the restored package (it provides that one symbol), or use Ubuntu 24.04, Debian 13 or Windows. Loader message: {loaderMessage ?? FirstLine(e)}";
        if (all.Contains("doesn't contain a reference to", StringComparison.Ordinal) || all.Contains("is not restored", StringComparison.Ordinal))
            return $"The torch backend could not find libtorch: the application references TorchSharp but none of its native packages. Add TorchSharp-cpu (or TorchSharp-cuda-windows / TorchSharp-cuda-linux for a GPU) to the application's project. TorchSharp said: {FirstLine(e)}";
        return $"The torch backend could not load TorchSharp's native library {library} (with libtorch's libraries beside it). Check that TorchSharp-cpu or a TorchSharp-cuda package of the same version as TorchSharp is referenced and restored for this OS and processor (64-bit only). Loader message: {loaderMessage ?? FirstLine(e)}";
    }

    private static string FirstLine(Exception e)
    {
        var inner = e;
        while (inner.InnerException is not null && inner is TypeInitializationException) inner = inner.InnerException;
        string text = inner.Message;
        int cut = text.IndexOf("Trace from", StringComparison.Ordinal);
        return (cut > 0 ? text[..cut] : text).Trim();
    }

    // Conversions between our tensors and TorchSharp's.

    /// <summary>
    /// The libtorch tensor behind <paramref name="x"/>. A managed-engine tensor that needs no
    /// gradient (data made before the backend was chosen) is copied over; a managed weight is refused,
    /// since its gradient could not flow back.
    /// </summary>
    internal TT T(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Native is TT t)
        {
            if (!ReferenceEquals(x.Owner, this) && x.Owner is TorchBackend other && other.Device != Device)
                return t.to(TorchDevice);
            return t;
        }
        if (x.IsManaged && !x.RequiresGrad)
            return x.DType == DType.Float32 ? FromHostCore(x.ToArray(), x.Shape) : FromHostCore(x.ToIntArray(), x.Shape);
        throw new InvalidOperationException(
            $"A tensor{(x.Name is null ? "" : $" '{x.Name}'")} {x.Shape} of the '{x.OwningBackend.Name}' backend reached the torch backend while it needs gradients: create models and weights after selecting the backend (Keras.Config.SetBackend or {Keras.Config.BackendVariable}).");
    }

    internal TT? TOrNull(Tensor? x) => x is null ? null : T(x);

    /// <summary>Our tensor over a libtorch tensor (float32 or int32; other integer types become int32).</summary>
    internal Tensor Wrap(TT t)
    {
        var type = t.dtype;
        if (type != torch.float32 && type != torch.int32)
        {
            if (type == torch.int64 || type == torch.@bool || type == torch.uint8 || type == torch.int8 || type == torch.int16) t = t.to_type(torch.int32);
            else t = t.to_type(torch.float32);
        }
        return new Tensor(this, t, ShapeOf(t), t.dtype == torch.float32 ? DType.Float32 : DType.Int32);
    }

    /// <summary>
    /// Our float32 tensor over a libtorch result whose shape the op already knows (element-wise ops:
    /// the input's, or the broadcast one), sparing the two native calls that read shape and type.
    /// </summary>
    internal Tensor WrapFloat(TT t, Shape shape) => new(this, t, shape, DType.Float32);

    /// <summary>Our tensor over a libtorch result whose shape and type (float32 or int32) the op already knows.</summary>
    internal Tensor Wrap(TT t, Shape shape, DType dtype) => new(this, t, shape, dtype);

    internal static Shape ShapeOf(TT t)
    {
        var dims = t.shape;
        var ints = new int[dims.Length];
        for (int i = 0; i < dims.Length; i++) ints[i] = checked((int)dims[i]);
        return new Shape(ints);
    }

    internal static long[] Dims(Shape shape)
    {
        var dims = new long[shape.Rank];
        for (int i = 0; i < dims.Length; i++) dims[i] = shape[i];
        return dims;
    }

    internal static torch.ScalarType ScalarOf(DType dtype) => dtype == DType.Float32 ? torch.ScalarType.Float32 : torch.ScalarType.Int32;

    /// <summary>A float scalar on this device, for formulas that mix tensors and constants.</summary>
    internal TT Scalar(float value) => torch.tensor(value, torch.ScalarType.Float32, TorchDevice);
}
