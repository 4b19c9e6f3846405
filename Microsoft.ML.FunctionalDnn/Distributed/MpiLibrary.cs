using System.Runtime.InteropServices;

namespace Microsoft.ML.FunctionalDnn.Distributed;

// A thin binding of the few MPI calls data-parallel training needs, loaded at run time: the library has
// no compile-time native dependency and works unchanged where no MPI is installed. Hand-written because
// no maintained .NET binding fits: MPI.NET 1.4 (the one on the feed) targets Windows' MS-MPI only.
// Open MPI's ABI is supported — its handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM …) are the addresses of
// exported objects (ompi_mpi_comm_world …). MPICH's ABI (integer handles) is recognised and refused
// with a message, until it can be tested.

/// <summary>The MPI library of this process, loaded once: Open MPI's libmpi, found by its usual names.</summary>
internal sealed class MpiLibrary
{
    private static readonly string[] Candidates = ["libmpi.so.40", "libmpi.so", "libmpi.so.12", "libmpi.dylib"];
    private static readonly Lazy<(MpiLibrary? Library, string Why)> Loaded = new(Load);

    private readonly IntPtr _handle;

    private MpiLibrary(IntPtr handle, string name)
    {
        _handle = handle;
        Name = name;
        Initialized = Function<InitializedFn>("MPI_Initialized");
        Init = Function<InitFn>("MPI_Init");
        Finalize = Function<FinalizeFn>("MPI_Finalize");
        Finalized = Function<InitializedFn>("MPI_Finalized");
        CommRank = Function<CommIntFn>("MPI_Comm_rank");
        CommSize = Function<CommIntFn>("MPI_Comm_size");
        Allreduce = Function<AllreduceFn>("MPI_Allreduce");
        Bcast = Function<BcastFn>("MPI_Bcast");
        Barrier = Function<BarrierFn>("MPI_Barrier");
        ErrorString = Function<ErrorStringFn>("MPI_Error_string");
        SetErrorHandler = Function<SetErrorHandlerFn>("MPI_Comm_set_errhandler");
        ErrorsReturn = NativeLibrary.GetExport(handle, "ompi_mpi_errors_return");
        CommWorld = NativeLibrary.GetExport(handle, "ompi_mpi_comm_world");
        Float = NativeLibrary.GetExport(handle, "ompi_mpi_float");
        Sum = NativeLibrary.GetExport(handle, "ompi_mpi_op_sum");
    }

    /// <summary>The file the library was loaded from.</summary>
    internal string Name { get; }

    internal IntPtr CommWorld { get; }

    internal IntPtr Float { get; }

    internal IntPtr Sum { get; }

    /// <summary>MPI_ERRORS_RETURN: calls return their error instead of aborting the job.</summary>
    internal IntPtr ErrorsReturn { get; }

    internal SetErrorHandlerFn SetErrorHandler { get; }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    internal delegate int InitializedFn(out int flag);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    internal delegate int InitFn(IntPtr argc, IntPtr argv);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    internal delegate int FinalizeFn();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    internal delegate int CommIntFn(IntPtr comm, out int value);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    internal delegate int AllreduceFn(nint sendBuffer, IntPtr receiveBuffer, int count, IntPtr datatype, IntPtr op, IntPtr comm);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    internal delegate int SetErrorHandlerFn(IntPtr comm, IntPtr handler);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    internal delegate int BcastFn(IntPtr buffer, int count, IntPtr datatype, int root, IntPtr comm);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    internal delegate int BarrierFn(IntPtr comm);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    internal delegate int ErrorStringFn(int code, IntPtr text, out int length);

    internal InitializedFn Initialized { get; }

    internal InitFn Init { get; }

    internal FinalizeFn Finalize { get; }

    internal InitializedFn Finalized { get; }

    internal CommIntFn CommRank { get; }

    internal CommIntFn CommSize { get; }

    internal AllreduceFn Allreduce { get; }

    internal BcastFn Bcast { get; }

    internal BarrierFn Barrier { get; }

    internal ErrorStringFn ErrorString { get; }

    private T Function<T>(string name) where T : Delegate => Marshal.GetDelegateForFunctionPointer<T>(NativeLibrary.GetExport(_handle, name));

    /// <summary>The process's MPI library, or null with the reason it is not available.</summary>
    internal static (MpiLibrary? Library, string Why) Get() => Loaded.Value;

    private static (MpiLibrary?, string) Load()
    {
        var tried = new List<string>();
        foreach (var name in Candidates)
        {
            if (!NativeLibrary.TryLoad(name, out var handle))
            {
                tried.Add(name);
                continue;
            }
            if (NativeLibrary.TryGetExport(handle, "ompi_mpi_comm_world", out _))
                return (new MpiLibrary(handle, name), "");
            string kind = NativeLibrary.TryGetExport(handle, "MPIR_Err_return_comm", out _) || NativeLibrary.TryGetExport(handle, "MPICH_Version", out _) ? "MPICH (integer handles)" : "an MPI whose handles are not Open MPI's";
            return (null, $"{name} is {kind}; this version supports Open MPI's ABI only (Debian: apt-get install openmpi-bin libopenmpi-dev).");
        }
        return (null, $"no MPI library found (tried {string.Join(", ", tried)}); install Open MPI (Debian: apt-get install openmpi-bin libopenmpi-dev) and start the program with mpirun.");
    }

    /// <summary>MPI's text for an error code.</summary>
    internal string Describe(int code)
    {
        var buffer = Marshal.AllocHGlobal(512);
        try
        {
            return ErrorString(code, buffer, out int length) == 0 ? Marshal.PtrToStringAnsi(buffer, Math.Clamp(length, 0, 511)) : $"error {code}";
        }
        finally
        {
            Marshal.FreeHGlobal(buffer);
        }
    }
}
