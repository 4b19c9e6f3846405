using System.Runtime.InteropServices;

namespace Microsoft.ML.FunctionalDnn.Distributed;

/// <summary>
/// The processes of an MPI job (MPI_COMM_WORLD) — what data-parallel training averages gradients over,
/// as Horovod does. Started by <c>mpirun -np N program</c> (or alone, as a job of one), each process
/// is one rank; the collective calls here must be made by every rank in the same order.
/// </summary>
public sealed class MpiCommunicator
{
    private static readonly Lock Gate = new();
    private static MpiCommunicator? s_world;
    private readonly MpiLibrary _mpi;

    private MpiCommunicator(MpiLibrary mpi, int rank, int size) => (_mpi, Rank, Size) = (mpi, rank, size);

    /// <summary>This process's rank, 0 … <see cref="Size"/> − 1.</summary>
    public int Rank { get; }

    /// <summary>How many processes the job has.</summary>
    public int Size { get; }

    /// <summary>The MPI library in use (its file name).</summary>
    public string Library => _mpi.Name;

    /// <summary>Whether this process was started by an MPI launcher (mpirun/mpiexec set its rank in the environment).</summary>
    public static bool LaunchedByMpi =>
        Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is not null || Environment.GetEnvironmentVariable("PMI_SIZE") is not null;

    /// <summary>Whether an MPI library this binding supports can be loaded here; <paramref name="why"/> says why not.</summary>
    public static bool IsAvailable(out string why)
    {
        var (library, reason) = MpiLibrary.Get();
        why = reason;
        return library is not null;
    }

    /// <summary>
    /// The job's communicator: MPI is initialized on first use (and finalized when the process exits);
    /// errors then come back as <see cref="MpiException"/>s instead of aborting the job.
    /// </summary>
    /// <exception cref="MpiException">No supported MPI library, or MPI failed to start.</exception>
    public static MpiCommunicator World
    {
        get
        {
            lock (Gate)
            {
                return s_world ??= Start();
            }
        }
    }

    private static MpiCommunicator Start()
    {
        var (mpi, why) = MpiLibrary.Get();
        if (mpi is null) throw new MpiException($"MPI is not available: {why}");
        Check(mpi, mpi.Initialized(out int initialized), "MPI_Initialized", -1);
        if (initialized == 0)
        {
            Check(mpi, mpi.Init(IntPtr.Zero, IntPtr.Zero), "MPI_Init", -1);
            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                if (mpi.Finalized(out int done) == 0 && done == 0) mpi.Finalize();
            };
        }
        // Errors are returned (and turned into exceptions) rather than aborting every rank.
        Check(mpi, mpi.SetErrorHandler(mpi.CommWorld, mpi.ErrorsReturn), "MPI_Comm_set_errhandler", -1);
        Check(mpi, mpi.CommRank(mpi.CommWorld, out int rank), "MPI_Comm_rank", -1);
        Check(mpi, mpi.CommSize(mpi.CommWorld, out int size), "MPI_Comm_size", rank);
        return new MpiCommunicator(mpi, rank, size);
    }

    /// <summary>Sums <paramref name="values"/> over every rank, in place: each rank ends with the same totals (MPI_Allreduce).</summary>
    public void AllReduceSum(float[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var pin = GCHandle.Alloc(values, GCHandleType.Pinned);
        try
        {
            // MPI_IN_PLACE is Open MPI's (void*)1.
            Check(_mpi, _mpi.Allreduce(1, pin.AddrOfPinnedObject(), values.Length, _mpi.Float, _mpi.Sum, _mpi.CommWorld), "MPI_Allreduce", Rank);
        }
        finally
        {
            pin.Free();
        }
    }

    /// <summary>Gives every rank <paramref name="root"/>'s <paramref name="values"/> (MPI_Bcast).</summary>
    public void Broadcast(float[] values, int root = 0)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfNegative(root);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(root, Size);
        var pin = GCHandle.Alloc(values, GCHandleType.Pinned);
        try
        {
            Check(_mpi, _mpi.Bcast(pin.AddrOfPinnedObject(), values.Length, _mpi.Float, root, _mpi.CommWorld), "MPI_Bcast", Rank);
        }
        finally
        {
            pin.Free();
        }
    }

    /// <summary>Waits until every rank has reached this call (MPI_Barrier).</summary>
    public void Barrier() => Check(_mpi, _mpi.Barrier(_mpi.CommWorld), "MPI_Barrier", Rank);

    private static void Check(MpiLibrary mpi, int code, string call, int rank)
    {
        if (code != 0)
            throw new MpiException($"{call} failed{(rank >= 0 ? $" on rank {rank}" : "")}: {mpi.Describe(code)} (MPI error {code}).");
    }
}

/// <summary>An MPI call failed; the message names the call and the rank.</summary>
public sealed class MpiException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MpiException() { }

    /// <summary>Creates the exception with its message.</summary>
    public MpiException(string message) : base(message) { }

    /// <summary>Creates the exception with its message and cause.</summary>
    public MpiException(string message, Exception inner) : base(message, inner) { }
}
