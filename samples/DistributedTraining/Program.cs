// Data-parallel training across processes, on MPI (issue 20, in progress). This first step checks the
// MPI binding the training builds on: started by `mpirun -np 2 dotnet DistributedTraining.dll --check`
// (Open MPI: apt-get install openmpi-bin libopenmpi-dev), every rank sums a buffer with every other
// (MPI_Allreduce) and receives rank 0's values (MPI_Bcast), and prints what it got. Started alone, it is
// a job of one rank.
using System.Globalization;
using Microsoft.ML.FunctionalDnn.Distributed;

if (!MpiCommunicator.IsAvailable(out string why))
{
    Console.Error.WriteLine($"MPI is not available: {why}");
    return 2;
}
var world = MpiCommunicator.World;
int n = world.Size;
// Rank r contributes (r + 1)·(i + 1) at slot i: the sums are (i + 1)·n(n + 1)/2 on every rank.
var values = Enumerable.Range(0, 6).Select(i => (float)((world.Rank + 1) * (i + 1))).ToArray();
world.AllReduceSum(values);
bool summed = values.Select((v, i) => v == (i + 1) * n * (n + 1) / 2f).All(ok => ok);
var shared = world.Rank == 0 ? new[] { 42f, -7.5f, 1e-3f } : new float[3];
world.Broadcast(shared, root: 0);
bool broadcast = shared.SequenceEqual([42f, -7.5f, 1e-3f]);
world.Barrier();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"rank {world.Rank} of {n}: allreduce {(summed ? "ok" : "WRONG")} [{string.Join(", ", values)}], broadcast {(broadcast ? "ok" : "WRONG")} ({world.Library}{(MpiCommunicator.LaunchedByMpi ? ", started by mpirun" : ", started alone")})"));
return summed && broadcast ? 0 : 1;
