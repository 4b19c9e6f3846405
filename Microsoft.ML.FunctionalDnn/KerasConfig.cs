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

        /// <summary>
        /// How Fit distributes training (Keras 3's <c>keras.distribution.set_distribution</c>):
        /// <see cref="Distribution.Auto"/> (the default) trains data-parallel when the process was started by
        /// mpirun as one of several ranks; <see cref="Distribution.DataParallel"/> requires it (Fit fails with
        /// the reason when MPI is missing); <see cref="Distribution.None"/> trains alone even under mpirun.
        /// The environment variable <c>FUNCTIONALDNN_DISTRIBUTED=0</c> means None. See docs/distributed.md.
        /// </summary>
        public static Distribution Distribution { get; private set; } =
            Environment.GetEnvironmentVariable("FUNCTIONALDNN_DISTRIBUTED") == "0" ? Distribution.None : Distribution.Auto;

        /// <summary>Sets <see cref="Distribution"/>.</summary>
        /// <exception cref="ArgumentOutOfRangeException">A value that is not a Distribution.</exception>
        public static void SetDistribution(Distribution distribution)
        {
            if (!Enum.IsDefined(distribution)) throw new ArgumentOutOfRangeException(nameof(distribution), distribution, "Expected Auto, DataParallel or None.");
            Distribution = distribution;
        }
    }
}

/// <summary>How Fit distributes training over processes (see <see cref="Keras.Config.SetDistribution"/>).</summary>
public enum Distribution
{
    /// <summary>Data-parallel when started by mpirun as one of several ranks; alone otherwise.</summary>
    Auto,

    /// <summary>Data-parallel over the MPI job, which must be available (a job of one trains alone).</summary>
    DataParallel,

    /// <summary>Every process trains alone, even under mpirun.</summary>
    None,
}
