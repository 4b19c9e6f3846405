using Microsoft.ML.FunctionalDnn.Backends;

namespace Microsoft.ML.FunctionalDnn;

public static partial class Keras
{
    /// <summary>
    /// Process-wide settings, as Keras 3's <c>keras.config</c>: which backend computes, and on which
    /// device. Choose before any tensor or model is made — first thing in <c>Main</c> — or through
    /// the environment (<c>FUNCTIONALDNN_BACKEND=torch</c>, <c>FUNCTIONALDNN_DEVICE=cuda:0</c>),
    /// which leaves model code untouched.
    /// </summary>
    public static class Config
    {
        /// <summary>The environment variable that names the backend when no code selects one (Keras 3's <c>KERAS_BACKEND</c>).</summary>
        public const string BackendVariable = Backends.Backend.BackendVariable;

        /// <summary>The environment variable that names the device (<c>cpu</c>, <c>cuda</c>, <c>cuda:N</c>) for the torch backend.</summary>
        public const string DeviceVariable = Backends.Backend.DeviceVariable;

        /// <summary>The backend in use: <c>managed</c> (the default: our engine, no native dependency) or <c>torch</c> (libtorch through TorchSharp).</summary>
        public static string Backend => Backends.Backend.Current.Name;

        /// <summary>The device tensors live on: <c>cpu</c>, or <c>cuda:N</c> on the torch backend.</summary>
        public static string Device => Backends.Backend.Current.Device;

        /// <summary>
        /// Selects the backend (Keras 3's <c>keras.config.set_backend</c>): <c>managed</c>, or
        /// <c>torch</c>, which needs the <c>Microsoft.ML.FunctionalDnn.TorchSharp</c> package and one of
        /// TorchSharp's native packages (<c>TorchSharp-cpu</c>, <c>TorchSharp-cuda-windows</c>,
        /// <c>TorchSharp-cuda-linux</c>). <paramref name="device"/> is <c>cpu</c>, <c>cuda</c> or
        /// <c>cuda:N</c>; by default the torch backend takes CUDA when TorchSharp reports it available.
        /// </summary>
        /// <exception cref="ArgumentException">An unknown backend or device name.</exception>
        /// <exception cref="InvalidOperationException">Tensors already exist on another backend, or the torch backend's assembly or native library cannot load (the message names what is missing and the remedy).</exception>
        public static void SetBackend(string name, string? device = null) => Backends.Backend.Select(name, device);
    }
}
