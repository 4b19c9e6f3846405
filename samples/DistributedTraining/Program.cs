// Data-parallel training across processes, on MPI (Open MPI: apt-get install openmpi-bin libopenmpi-dev).
//   mpirun -np 2 dotnet DistributedTraining.dll --check        every rank sums a buffer with the others
//                                                                (MPI_Allreduce) and receives rank 0's (MPI_Bcast)
//   mpirun -np 2 dotnet DistributedTraining.dll --train <dir>  the same Fit as in one process, data-parallel:
//                                                                each rank writes its final weights to <dir>,
//                                                                rank 0 a checkpoint (<dir>/checkpoint.fdnn)
//   mpirun -np 2 dotnet DistributedTraining.dll --qa [--quick]  the question-answering sample's ML.NET pipeline,
//                                                                the estimator's Fit data-parallel; rank 0 reports
//   … --resume <dir>                                           continues a trained model (weights and optimizer
//                                                                state) that only rank 0 loads: alone, it trains
//                                                                and saves it first
//   … --train <dir> --fail-rank 1                              rank 1 is killed after the first epoch: the job ends
//                                                                (mpirun reports it) instead of hanging
// Started alone, it is a job of one rank (plain Fit).
using System.Globalization;
using Microsoft.ML.FunctionalDnn;
using Microsoft.ML.FunctionalDnn.Distributed;
using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.FunctionalDnn.Optimizers;
using Microsoft.ML;
using Microsoft.ML.Data;
using static Microsoft.ML.FunctionalDnn.Keras;

if (!MpiCommunicator.IsAvailable(out string why))
{
    Console.Error.WriteLine($"MPI is not available: {why}");
    return 2;
}
var world = MpiCommunicator.World;
int n = world.Size;
int trainAt = Array.IndexOf(args, "--train");
if (args.Contains("--qa")) return QuestionAnsweringJob.Run(world, args.Contains("--quick"));
int resumeAt = Array.IndexOf(args, "--resume");
if (resumeAt >= 0) return Train.Resume(world, args[resumeAt + 1]);
int failAt = Array.IndexOf(args, "--fail-rank");
if (trainAt >= 0) return Train.Run(world, args[trainAt + 1], failAt >= 0 ? int.Parse(args[failAt + 1], CultureInfo.InvariantCulture) : -1);
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

/// <summary>A small two-input, two-output functional model trained with a fixed seed; the weights it ends with, per rank.</summary>
internal static class Train
{
    private static Model Build()
    {
        var features = Input([6], name: "features");
        var extra = Input([3], name: "extra");
        var h = new Dense(16, "relu", name: "hidden").Apply(Concatenate([new Dense(8, "tanh", name: "branch").Apply(features), extra]));
        var model = new Model([features, extra], [new Dense(3, "softmax", name: "kind").Apply(h), new Dense(1, name: "amount").Apply(h)], name: "two_heads");
        model.Compile(new Adam(0.01f), ["sparse_categorical_crossentropy", "mse"], lossWeights: [1, 0.5f], metrics: new Dictionary<string, string[]> { ["kind"] = ["accuracy"] });
        return model;
    }

    /// <summary>100 samples, deterministic: the kind is which third of the first feature, the amount a sum.</summary>
    private static (Tensor[] X, Tensor[] Y) Data()
    {
        var random = new RandomGenerator(3);
        var x1 = Tensor.Uniform(new Shape(100, 6), 0, 1, random);
        var x2 = Tensor.Uniform(new Shape(100, 3), -1, 1, random);
        float[] f = x1.ToArray(), e = x2.ToArray();
        var kind = Tensor.FromArray(Enumerable.Range(0, 100).Select(i => Math.Min(2, (int)(f[i * 6] * 3))).ToArray(), new Shape(100));
        var amount = Tensor.FromArray(Enumerable.Range(0, 100).Select(i => f[i * 6 + 1] + e[i * 3]).ToArray(), new Shape(100, 1));
        return ([x1, x2], [kind, amount]);
    }

    private static void WriteWeights(Model model, string path)
    {
        using var file = File.Create(path);
        using var writer = new BinaryWriter(file);
        foreach (var weight in model.Weights)
            foreach (float v in weight.Value.ToArray()) writer.Write(v);
    }

    /// <summary>Alone: trains 2 epochs, saves (with the optimizer), loads and continues 2 more. Under mpirun: rank 0 loads that file, the others start fresh, and all continue 2 epochs.</summary>
    internal static int Resume(MpiCommunicator world, string directory)
    {
        using var seeds = SeedScope.Begin(11);
        var (x, y) = Data();
        string saved = Path.Combine(directory, "pretrained.fdnn");
        Model model;
        if (world.Size == 1)
        {
            Directory.CreateDirectory(directory);
            var first = Build();
            first.Fit(x, y, epochs: 2, batchSize: 16, shuffle: true, seed: 5, verbose: 0);
            first.Save(saved);
            model = Model.Load(saved);
        }
        else
        {
            model = world.Rank == 0 ? Model.Load(saved) : Build();
        }
        var history = model.Fit(x, y, epochs: 2, batchSize: 16, shuffle: true, seed: 6, verbose: 0);
        WriteWeights(model, Path.Combine(directory, $"resumed_rank{world.Rank}_of{world.Size}.bin"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"rank {world.Rank} of {world.Size}: resumed, loss {string.Join(" ", history["loss"].Select(l => l.ToString("R", CultureInfo.InvariantCulture)))}"));
        return 0;
    }

    internal static int Run(MpiCommunicator world, string directory, int failingRank)
    {
        using var seeds = SeedScope.Begin(11);
        var model = Build();
        var (xs, ys) = Data();
        var (x1, x2, kind, amount) = (xs[0], xs[1], ys[0], ys[1]);
        // Batches of 16 (the last of 4): with two ranks, 8 rows each (2 each at the end).
        // ModelCheckpoint writes on rank 0 only; --fail-rank makes one rank die after the first epoch.
        Directory.CreateDirectory(directory);
        var callbacks = new List<Microsoft.ML.FunctionalDnn.Callbacks.Callback> { new Microsoft.ML.FunctionalDnn.Callbacks.ModelCheckpoint(Path.Combine(directory, "checkpoint.fdnn"), monitor: "loss") };
        if (failingRank == world.Rank) callbacks.Add(new Microsoft.ML.FunctionalDnn.Callbacks.LambdaCallback(onEpochEnd: (_, _) => System.Diagnostics.Process.GetCurrentProcess().Kill()));
        var history = model.Fit([x1, x2], [kind, amount], epochs: 4, batchSize: 16, shuffle: true, seed: 5, verbose: 0, callbacks: callbacks);

        WriteWeights(model, Path.Combine(directory, $"weights_rank{world.Rank}_of{world.Size}.bin"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"rank {world.Rank} of {world.Size} (backend {Keras.Config.Backend}): trained {history.Epochs.Count} epochs, loss {string.Join(" ", history["loss"].Select(l => l.ToString("R", CultureInfo.InvariantCulture)))}, kind_accuracy {history["kind_accuracy"][^1]:F4}"));
        return 0;
    }
}

/// <summary>The question-answering pipeline (ML.NET's text transforms, the two-branch network) trained by every rank's share of each batch.</summary>
internal static class QuestionAnsweringJob
{
    internal static int Run(MpiCommunicator world, bool quick)
    {
        using var seeds = SeedScope.Begin(1);
        var ml = new Microsoft.ML.MLContext(seed: 1);
        var trainRows = Microsoft.ML.FunctionalDnn.Samples.QuestionAnswering.Stories.Generate(quick ? 2000 : 5000, seed: 1);
        var testRows = Microsoft.ML.FunctionalDnn.Samples.QuestionAnswering.Stories.Generate(500, seed: 2, exclude: trainRows);
        var model = Microsoft.ML.FunctionalDnn.Samples.QuestionAnswering.StoryModel.Build();
        var pipeline = Microsoft.ML.FunctionalDnn.Samples.QuestionAnswering.StoryModel.Columns(ml)
            .Append(ml.FunctionalDnn().Trainer(model, new Microsoft.ML.FunctionalDnn.Transforms.FunctionalDnnOptions { Seed = 1, Epochs = quick ? 12 : 25, BatchSize = 32, PredictedLabelColumnName = "PredictedKey" }))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedAnswer", "PredictedKey"));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var fitted = pipeline.Fit(ml.Data.LoadFromEnumerable(trainRows));
        double seconds = watch.Elapsed.TotalSeconds;
        var predicted = fitted.Transform(ml.Data.LoadFromEnumerable(testRows)).GetColumn<string>("PredictedAnswer").ToList();
        double accuracy = predicted.Zip(testRows).Count(p => p.First == p.Second.Answer) / (double)testRows.Count;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"rank {world.Rank} of {world.Size}: question answering trained in {seconds:F1} s, test accuracy {accuracy * 100:F1} % on {testRows.Count} new stories"));
        return 0;
    }
}
