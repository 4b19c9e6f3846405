using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.FunctionalDnn.Backends;
using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.FunctionalDnn.Optimizers;

namespace Microsoft.ML.FunctionalDnn.Benchmarks.Workloads;

using TorchLib = global::TorchSharp.torch;

/// <summary>
/// Where the torch backend's time goes, beside plain TorchSharp, in one process on libtorch:
/// <c>probe NAME</c> splits a workload's training step (Fit per step, one fixed batch's train step,
/// forward + loss without gradients, the RMSprop update alone); <c>probe lstm</c> times one LSTM
/// layer, forward and forward + backward, as our step loop and as nn.LSTM's fused kernel;
/// <c>probe ops</c> times one small op through our API and straight through TorchSharp.
/// Milliseconds per call, best of three runs of <c>--steps</c> calls (a Fit epoch: best of one run).
/// </summary>
internal static class TorchProbe
{
    public static void Run(string[] args)
    {
        string what = args.Length > 0 ? args[0] : throw new ArgumentException("probe needs a workload name, 'lstm' or 'ops'.");
        int steps = 20;
        for (int i = 1; i < args.Length; i++)
        {
            if (args[i] == "--steps" && i + 1 < args.Length && int.TryParse(args[++i], CultureInfo.InvariantCulture, out int n) && n > 0) steps = n;
            else throw new ArgumentException($"Unknown probe option '{args[i]}'. Usage: probe NAME|lstm|ops [--steps N]");
        }
        Keras.Config.SetBackend("torch", "cpu");
        TorchLib.set_num_threads(Environment.ProcessorCount);
        Console.WriteLine($"libtorch threads: {TorchLib.get_num_threads()}; ms per call, best of 3 × {steps}");
        switch (what)
        {
            case "lstm":
                Lstm(steps);
                break;
            case "ops":
                SmallOps(steps * 1000);
                break;
            default:
                Workload(what, steps);
                break;
        }
    }

    /// <summary>Milliseconds per call of <paramref name="action"/>: two warm-up calls, then the best of <paramref name="runs"/> timed runs.</summary>
    internal static double Time(Action action, int calls, int runs = 3)
    {
        action();
        action();
        double best = double.MaxValue;
        for (int run = 0; run < runs; run++)
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < calls; i++) action();
            best = Math.Min(best, clock.Elapsed.TotalMilliseconds / calls);
        }
        return best;
    }

    private static void Print(string what, double ours, double plain) =>
        Console.WriteLine($"  {what,-34} ours-torch {ours,9:F3}   plain TorchSharp {plain,9:F3}   plain/ours {plain / ours,5:F2}");

    private static void Workload(string name, int steps)
    {
        var w = ReferenceModels.All.SingleOrDefault(x => x.Name == name)
            ?? throw new ArgumentException($"Unknown workload '{name}'. Workloads: {string.Join(", ", ReferenceModels.All.Select(x => x.Name))}.");
        if (w.Timed != ReferenceModels.Task.Fit)
            throw new ArgumentException($"probe splits a training step; '{name}' times {w.Timed}. Training workloads: {string.Join(", ", ReferenceModels.All.Where(x => x.Timed == ReferenceModels.Task.Fit).Select(x => x.Name))}.");
        LayerNames.Reset();
        using var seed = SeedScope.Begin(1);
        var (model, x, y) = w.Build(new RandomGenerator(1));
        int batch = w.BatchSize, perEpoch = (ReferenceModels.Samples + batch - 1) / batch;
        Tensor[] bx = [.. x.Select(t => t.SliceBatch(0, batch))], by = [.. y.Select(t => t.SliceBatch(0, batch))];
        double fit = Time(() => model.Fit(x, y, epochs: 1, batchSize: batch, verbose: 0), 1, runs: 1) / perEpoch;
        double train = Time(() => model.TrainOnBatch(bx, by), steps);
        double test = Time(() => model.TestOnBatch(bx, by), steps);
        Tensor[] variables = [.. model.TrainableWeights];
        Tensor[] gradients = [.. variables.Select(v => Tensor.Full(v.Shape, 1e-3f))];
        var rmsprop = new RmsProp();
        double update = Time(() =>
        {
            using var scope = TensorScope.Begin();
            rmsprop.Apply(gradients, variables);
        }, steps);
        var phases = Phases(model, bx, by, steps);
        var plain = TorchSharpTwins.Probe(name, steps);
        Console.WriteLine($"{name}: batch {batch}, {variables.Length} weight tensors, {variables.Sum(v => (long)v.Size):N0} weights");
        Print("Fit, per step (shuffled batches)", fit, plain.Fit);
        Print("train step on one batch", train, plain.Train);
        Print("forward + loss, no gradients", test, plain.Forward);
        Print("RMSprop update alone", update, plain.Update);
        Print("backward (train - forward - update)", train - test - update, plain.Train - plain.Forward - plain.Update);
        Console.WriteLine("  our train step by phase (ms):" + string.Concat(phases.Select(p => $"  {p.Name} {p.Ms:F3}")));
        Console.WriteLine("  twin's train step by phase (ms):" + string.Concat(TorchSharpTwins.PhaseMs.Zip(["forward", "loss", "backward", "optimizer"], (ms, n) => $"  {n} {ms:F3}")));
    }

    /// <summary>
    /// Our train step on one batch cut where Trainer.TrainStep's phases meet: forward with recording,
    /// the losses (with their host reads), the backend's gradients, the optimizer, the metric
    /// updates; milliseconds each, best of three runs.
    /// </summary>
    private static (string Name, double Ms)[] Phases(Model model, Tensor[] x, Tensor[] y, int steps)
    {
        var setup = model.Trainer.Compiled;
        var metrics = setup.CreateMetrics(model);
        Tensor[] trainable = [.. model.Weights.Where(w => w.Trainable).Select(w => w.Value)];
        var totals = new double[5];
        var best = new double[5];
        Array.Fill(best, double.MaxValue);
        for (int run = 0; run < 3; run++)
        {
            Array.Clear(totals);
            for (int i = 0; i < steps + 2; i++)
            {
                var t = Stopwatch.GetTimestamp();
                long Lap(int phase)
                {
                    long now = Stopwatch.GetTimestamp();
                    if (i >= 2) totals[phase] += Stopwatch.GetElapsedTime(t, now).TotalMilliseconds;
                    t = now;
                    return now;
                }
                using var scope = TensorScope.Begin();
                var predictions = model.ApplyMany(x, training: true);
                Lap(0);
                Tensor? total = null;
                for (int o = 0; o < predictions.Count; o++)
                {
                    var loss = setup.Losses[o].Compute(y[o], predictions[o], null);
                    loss.Item();
                    var weighted = setup.LossWeights[o] == 1 ? loss : Ops.Multiply(loss, Tensor.Scalar(setup.LossWeights[o]));
                    total = total is null ? weighted : Ops.Add(total, weighted);
                }
                Lap(1);
                var gradients = Backend.Current.Gradients(total!, trainable);
                Lap(2);
                setup.Optimizer.Apply(gradients, trainable);
                Lap(3);
                using (GradMode.NoGrad())
                    for (int o = 0; o < metrics.Length; o++)
                        foreach (var m in metrics[o]) m.Update(y[o], predictions[o].Detach(), null);
                total!.Item();
                Lap(4);
            }
            for (int p = 0; p < 5; p++) best[p] = Math.Min(best[p], totals[p] / steps);
        }
        return [("forward", best[0]), ("loss", best[1]), ("gradients", best[2]), ("optimizer", best[3]), ("metrics", best[4])];
    }

    /// <summary>One LSTM layer at the shapes of qa and siamese: our op (a step loop of libtorch ops) against nn.LSTM.</summary>
    private static void Lstm(int steps)
    {
        var random = new RandomGenerator(1);
        foreach (var (batch, length, features, units) in new[] { (128, 100, 64, 32), (128, 100, 32, 16), (128, 50, 128, 32) })
        {
            var x = Tensor.Uniform(new Shape(batch, length, features), 0, 1, random);
            var kernel = Weight(new Shape(features, 4 * units), random);
            var recurrent = Weight(new Shape(units, 4 * units), random);
            var bias = Weight(new Shape(4 * units), random);
            double oursForward = Time(() =>
            {
                using var scope = TensorScope.Begin();
                using var noGrad = GradMode.NoGrad();
                Ops.Lstm(x, kernel, recurrent, bias);
            }, steps);
            double oursBoth = Time(() =>
            {
                using var scope = TensorScope.Begin();
                var h = Ops.Lstm(x, kernel, recurrent, bias).Output;
                Backend.Current.Gradients(Ops.Sum(h), [kernel, recurrent, bias]);
            }, steps);
            var (plainForward, plainBoth) = TorchSharpTwins.ProbeLstm(batch, length, features, units, steps);
            Console.WriteLine($"LSTM batch {batch}, {length} steps, {features} → {units} units");
            Print("forward", oursForward, plainForward);
            Print("forward + backward", oursBoth, plainBoth);
            Console.WriteLine($"  per time step, forward + backward:  ours-torch {oursBoth / length * 1000,7:F1} µs   plain {plainBoth / length * 1000,7:F1} µs");
        }
    }

    private static Tensor Weight(Shape shape, RandomGenerator random)
    {
        var w = Tensor.Uniform(shape, -0.1f, 0.1f, random);
        Backend.Current.SetRequiresGrad(w, true);
        return w;
    }

    /// <summary>The cost of one small op (a 32-element add), through our Ops and straight through TorchSharp, with and without autograd recording.</summary>
    private static void SmallOps(int calls)
    {
        var random = new RandomGenerator(1);
        var a = Tensor.Uniform(new Shape(32), 0, 1, random);
        var b = Tensor.Uniform(new Shape(32), 0, 1, random);
        var w = Weight(new Shape(32), random);
        double ours = Time(() =>
        {
            using var scope = TensorScope.Begin();
            Ops.Add(a, b);
        }, calls);
        double oursRecorded = Time(() =>
        {
            using var scope = TensorScope.Begin();
            Ops.Add(a, w);
        }, calls);
        var (plain, plainRecorded) = TorchSharpTwins.ProbeAdd(calls);
        Console.WriteLine("Add of two 32-element tensors (µs per op)");
        Print("no gradient", ours * 1000, plain * 1000);
        Print("recorded for autograd", oursRecorded * 1000, plainRecorded * 1000);

        // One Dense(32, relu) layer on a (128, 64) batch: our layer call (graph node, checks, one
        // linear op, the activation) against nn.Linear + relu; then with the gradients of its weights.
        var x = Tensor.Uniform(new Shape(128, 64), 0, 1, random);
        var dense = new Dense(32, "relu");
        dense.Apply(x);
        Tensor[] weights = [.. dense.TrainableWeights];
        double layer = Time(() =>
        {
            using var scope = TensorScope.Begin();
            dense.ApplyMany([x], training: true);
        }, calls / 10);
        double layerGrad = Time(() =>
        {
            using var scope = TensorScope.Begin();
            Backend.Current.Gradients(Ops.Sum(dense.ApplyMany([x], training: true)[0]), weights);
        }, calls / 10);
        var (plainLayer, plainLayerGrad) = TorchSharpTwins.ProbeDense(calls / 10);
        Console.WriteLine("Dense(32, relu) on a (128, 64) batch (µs per call)");
        Print("forward, recorded", layer * 1000, plainLayer * 1000);
        Print("forward + gradients of the weights", layerGrad * 1000, plainLayerGrad * 1000);
    }
}
