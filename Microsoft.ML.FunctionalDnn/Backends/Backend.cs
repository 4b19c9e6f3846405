using System.Reflection;
using Microsoft.ML.FunctionalDnn.Backends.Managed;

namespace Microsoft.ML.FunctionalDnn.Backends;

/// <summary>
/// The backend this process computes with. As in Keras 3 (<c>KERAS_BACKEND</c>,
/// <c>keras.config.set_backend</c>), one backend is chosen per process before any tensor exists:
/// by <see cref="Keras.Config.SetBackend(string, string?)"/>, else by the <c>FUNCTIONALDNN_BACKEND</c> environment
/// variable (<c>managed</c> or <c>torch</c>; device from <c>FUNCTIONALDNN_DEVICE</c>), else the
/// managed engine. The torch backend lives in its own assembly
/// (<c>Microsoft.ML.FunctionalDnn.TorchSharp</c>), loaded by name here so that the core library has
/// no native dependency.
/// </summary>
internal static class Backend
{
    internal const string BackendVariable = "FUNCTIONALDNN_BACKEND";
    internal const string DeviceVariable = "FUNCTIONALDNN_DEVICE";
    internal const string TorchAssembly = "Microsoft.ML.FunctionalDnn.TorchSharp";
    internal const string TorchBackendType = "Microsoft.ML.FunctionalDnn.TorchSharp.TorchBackend";

    private static readonly object s_gate = new();
    private static volatile IBackend? s_override;
    private static IBackend? s_selected;

    /// <summary>The backend every op, variable and gradient goes through.</summary>
    internal static IBackend Current => s_override ?? s_selected ?? Resolve();

    /// <summary>True once the process's backend has been fixed (the first tensor or op fixes it).</summary>
    internal static bool IsFixed => s_selected is not null;

    /// <summary>Selects the process's backend; allowed until the first tensor is made, and again with the same choice.</summary>
    internal static void Select(string name, string? device)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (Normalize(name) is not ("managed" or "torch")) Create(name, device); // throws: an unknown name
        lock (s_gate)
        {
            if (s_selected is not null)
            {
                if (string.Equals(s_selected.Name, Normalize(name), StringComparison.Ordinal)
                    && (device is null || string.Equals(s_selected.Device, device, StringComparison.OrdinalIgnoreCase)))
                    return;
                throw new InvalidOperationException(
                    $"The backend is already '{s_selected.Name}' on {s_selected.Device}: tensors exist on it. Select '{name}'{(device is null ? "" : $" on {device}")} before any tensor or model is made (first thing in Main), or set {BackendVariable}={name} in the environment.");
            }
            s_selected = Create(name, device);
        }
    }

    /// <summary>
    /// Makes <paramref name="backend"/> current for the whole process until the returned scope ends,
    /// whatever was selected — for tests, which run one after another and compare the backends in
    /// one process (the worker threads of a pipeline or a parallel loop see it too).
    /// </summary>
    internal static IDisposable Use(IBackend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        var previous = s_override;
        s_override = backend;
        return new Restore(previous);
    }

    /// <summary>Creates a backend by name (<c>managed</c>, <c>torch</c>) without selecting it.</summary>
    internal static IBackend Create(string name, string? device)
    {
        switch (Normalize(name))
        {
            case "managed":
                if (device is not null && !string.Equals(device, "cpu", StringComparison.OrdinalIgnoreCase))
                    throw new ArgumentException($"The managed backend runs on the CPU only; received device '{device}'. Use the torch backend for CUDA.", nameof(device));
                return ManagedBackend.Instance;
            case "torch":
                return CreateTorch(device);
            default:
                throw new ArgumentException($"Unknown backend '{name}'. Expected 'managed' (the default, no native dependency) or 'torch' (libtorch through TorchSharp).", nameof(name));
        }
    }

    private static string Normalize(string name) => name.Trim().ToLowerInvariant() switch
    {
        "torch" or "torchsharp" or "pytorch" or "libtorch" => "torch",
        var other => other,
    };

    private static IBackend Resolve()
    {
        lock (s_gate)
        {
            if (s_selected is not null) return s_selected;
            var name = Environment.GetEnvironmentVariable(BackendVariable);
            var device = Environment.GetEnvironmentVariable(DeviceVariable);
            s_selected = string.IsNullOrWhiteSpace(name) ? Create("managed", null) : Create(name, string.IsNullOrWhiteSpace(device) ? null : device);
            return s_selected;
        }
    }

    // The torch backend's assembly is found by name (it references this one, not the other way
    // round); its factory is internal, shared through InternalsVisibleTo.
    private static IBackend CreateTorch(string? device)
    {
        Assembly assembly;
        try
        {
            assembly = Assembly.Load(new AssemblyName(TorchAssembly));
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            throw new InvalidOperationException(
                $"The 'torch' backend needs the {TorchAssembly} package next to this one: add a reference to it and to TorchSharp's native package for your machine (TorchSharp-cpu, or TorchSharp-cuda-windows / TorchSharp-cuda-linux). {e.Message}", e);
        }
        var type = assembly.GetType(TorchBackendType, throwOnError: true)!;
        var create = type.GetMethod("Create", BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public, [typeof(string)])
            ?? throw new MissingMethodException(TorchBackendType, "Create(string)");
        try
        {
            return (IBackend)create.Invoke(null, [device])!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }

    private sealed class Restore(IBackend? previous) : IDisposable
    {
        private bool _done;

        public void Dispose()
        {
            if (_done) return;
            _done = true;
            s_override = previous;
        }
    }
}
