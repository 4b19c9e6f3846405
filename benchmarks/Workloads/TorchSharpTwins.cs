using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
namespace Microsoft.ML.FunctionalDnn.Benchmarks.Workloads;

// Inside the namespace, so that these names win over this library's Tensor.
using F = global::TorchSharp.torch.nn.functional;
using Tensor = global::TorchSharp.torch.Tensor;

/// <summary>
/// The reference workloads written as a .NET user would write them in plain TorchSharp instead of
/// using this library: nn modules (channels-first, as TorchSharp lays images and sequences out),
/// torch.optim.RMSprop and a hand-written training loop. Each does the same work as its
/// <see cref="ReferenceModels"/> model: the same layer sizes, sample count, batch size, epochs,
/// a reshuffle every epoch, the epoch's loss read back after every batch (Fit logs it), and a
/// warm-up Fit before the timed one. Initial weights follow TorchSharp's defaults, not Keras's;
/// that changes the values, not the work.
/// </summary>
internal static class TorchSharpTwins
{
    /// <summary>A model's parameters, its forward pass over a batch's inputs, the data and the loss.</summary>
    private sealed record Setup(nn.Module Module, Func<Tensor[], Tensor[]> Forward, Tensor[] X, Tensor[] Y, Func<Tensor[], Tensor[], Tensor> Loss);

    private static readonly Dictionary<string, Func<int, Setup>> s_builders = new()
    {
        ["mlp"] = Mlp,
        ["qa"] = QuestionAnswering,
        ["social"] = Social,
        ["residual"] = Residual,
        ["siamese"] = Siamese,
        ["inception"] = Inception,
        ["predict_qa"] = QuestionAnswering,
    };

    /// <summary>The child side: warm-up Fit, then the timed ones as ours are timed; prints seconds, libtorch's thread count and peak memory.</summary>
    public static void RunOne(string name, int threads)
    {
        var workload = ReferenceModels.All.Single(w => w.Name == name);
        torch.set_num_threads(threads);
        if (workload.Timed == ReferenceModels.Task.Gemm)
        {
            WorkloadBenchmark.ReportChild(name, WorkloadBenchmark.TimedFit(Gemm), torch.get_num_threads());
            return;
        }
        var build = s_builders[name];
        double Fit(long seed)
        {
            torch.manual_seed(seed);
            var setup = build(ReferenceModels.Samples);
            try
            {
                return workload.Timed == ReferenceModels.Task.Predict ? Predict(setup, workload.BatchSize) : Train(setup, workload.Epochs, workload.BatchSize);
            }
            finally
            {
                setup.Module.Dispose();
                foreach (var t in setup.X.Concat(setup.Y)) t.Dispose();
            }
        }
        WorkloadBenchmark.ReportChild(name, WorkloadBenchmark.TimedFit(Fit), torch.get_num_threads());
    }

    /// <summary>
    /// The usual TorchSharp loop. RMSprop with Keras's defaults (lr 1e-3, rho 0.9, epsilon 1e-7).
    /// Keras divides by √(v + ε), torch.optim.RMSprop by √v + ε: the same element-wise work per
    /// weight (one square root, one add, one divide); the results differ only while v is near ε.
    /// </summary>
    private static double Train(Setup setup, int epochs, int batchSize)
    {
        using var optimizer = torch.optim.RMSProp(setup.Module.parameters(), lr: 1e-3, alpha: 0.9, eps: 1e-7);
        setup.Module.train();
        long n = setup.Y[0].shape[0];
        var clock = Stopwatch.StartNew();
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            using var order = torch.randperm(n);
            double lossSum = 0;
            for (long start = 0; start < n; start += batchSize)
            {
                using var scope = torch.NewDisposeScope();
                var rows = order.narrow(0, start, Math.Min(batchSize, n - start));
                var outputs = setup.Forward([.. setup.X.Select(x => x.index_select(0, rows))]);
                var loss = setup.Loss(outputs, [.. setup.Y.Select(y => y.index_select(0, rows))]);
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                lossSum += loss.item<float>() * rows.shape[0];
            }
            GC.KeepAlive(lossSum);
        }
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>Inference over all samples in batches, in eval mode without autograd, the outputs joined as ours Predict joins them.</summary>
    private static double Predict(Setup setup, int batchSize)
    {
        setup.Module.eval();
        long n = setup.X[0].shape[0];
        var clock = Stopwatch.StartNew();
        using (var scope = torch.NewDisposeScope())
        using (torch.no_grad())
        {
            var batches = new List<Tensor>();
            for (long start = 0; start < n; start += batchSize)
                batches.Add(setup.Forward([.. setup.X.Select(x => x.narrow(0, start, Math.Min(batchSize, n - start)))])[0]);
            torch.cat(batches, 0);
        }
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>The GEMM workload: <see cref="ReferenceModels.GemmRepeats"/> products of two square float32 matrices with torch.mm.</summary>
    private static double Gemm(long seed)
    {
        torch.manual_seed(seed);
        using var a = torch.rand(ReferenceModels.GemmSize, ReferenceModels.GemmSize);
        using var b = torch.rand(ReferenceModels.GemmSize, ReferenceModels.GemmSize);
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < ReferenceModels.GemmRepeats; i++)
        {
            using var product = torch.mm(a, b);
        }
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// For <see cref="TorchProbe"/>: milliseconds of one Fit step (an epoch of shuffled batches per
    /// step), one train step on a fixed batch, its forward pass and loss without gradients, and the
    /// optimizer step alone.
    /// </summary>
    internal static (double Fit, double Train, double Forward, double Update) Probe(string name, int steps)
    {
        var workload = ReferenceModels.All.Single(w => w.Name == name);
        torch.manual_seed(1);
        var setup = s_builders[name](ReferenceModels.Samples);
        int batch = workload.BatchSize, perEpoch = (ReferenceModels.Samples + batch - 1) / batch;
        Tensor[] bx = [.. setup.X.Select(x => x.narrow(0, 0, batch))], by = [.. setup.Y.Select(y => y.narrow(0, 0, batch))];
        using var optimizer = torch.optim.RMSProp(setup.Module.parameters(), lr: 1e-3, alpha: 0.9, eps: 1e-7);
        void Step()
        {
            using var scope = torch.NewDisposeScope();
            var loss = setup.Loss(setup.Forward(bx), by);
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            loss.item<float>();
        }
        double fit = TorchProbe.Time(() => Train(setup, 1, batch), 1, runs: 1) / perEpoch;
        double train = TorchProbe.Time(Step, steps);
        double forward = TorchProbe.Time(() =>
        {
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            setup.Loss(setup.Forward(bx), by).item<float>();
        }, steps);
        double update = TorchProbe.Time(() => optimizer.step(), steps);
        // The train step cut as TorchProbe cuts ours: forward with recording, loss, backward, step.
        var totals = new double[4];
        for (int i = 0; i < steps; i++)
        {
            long t = Stopwatch.GetTimestamp();
            void Lap(int phase)
            {
                long now = Stopwatch.GetTimestamp();
                totals[phase] += Stopwatch.GetElapsedTime(t, now).TotalMilliseconds;
                t = now;
            }
            using var scope = torch.NewDisposeScope();
            var outputs = setup.Forward(bx);
            Lap(0);
            var loss = setup.Loss(outputs, by);
            loss.item<float>();
            Lap(1);
            optimizer.zero_grad();
            loss.backward();
            Lap(2);
            optimizer.step();
            Lap(3);
        }
        PhaseMs = [.. totals.Select(x => x / steps)];
        return (fit, train, forward, update);
    }

    /// <summary>The last <see cref="Probe"/>'s train step by phase: forward, loss, backward, optimizer (ms).</summary>
    internal static double[] PhaseMs { get; private set; } = [];

    /// <summary>For <see cref="TorchProbe"/>: one nn.LSTM layer, milliseconds of forward and of forward + backward.</summary>
    internal static (double Forward, double Both) ProbeLstm(int batch, int length, int features, int units, int steps)
    {
        using var lstm = nn.LSTM(features, units, batchFirst: true);
        using var x = torch.rand(batch, length, features);
        double forward = TorchProbe.Time(() =>
        {
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            LastState(lstm, x);
        }, steps);
        double both = TorchProbe.Time(() =>
        {
            using var scope = torch.NewDisposeScope();
            lstm.zero_grad();
            LastState(lstm, x).sum().backward();
        }, steps);
        return (forward, both);
    }

    /// <summary>For <see cref="TorchProbe"/>: milliseconds of nn.Linear(64, 32) + relu on a (128, 64) batch, forward and forward + backward.</summary>
    internal static (double Forward, double Both) ProbeDense(int calls)
    {
        using var linear = nn.Linear(64, 32);
        using var x = torch.rand(128, 64);
        double forward = TorchProbe.Time(() =>
        {
            using var scope = torch.NewDisposeScope();
            F.relu(linear.call(x));
        }, calls);
        double both = TorchProbe.Time(() =>
        {
            using var scope = torch.NewDisposeScope();
            linear.zero_grad();
            F.relu(linear.call(x)).sum().backward();
        }, calls);
        return (forward, both);
    }

    /// <summary>For <see cref="TorchProbe"/>: milliseconds of a 32-element add, without and with autograd recording.</summary>
    internal static (double Plain, double Recorded) ProbeAdd(int calls)
    {
        using var a = torch.rand(32);
        using var b = torch.rand(32);
        using var w = torch.rand(32).requires_grad_();
        double plain = TorchProbe.Time(() =>
        {
            using var scope = torch.NewDisposeScope();
            a.add(b);
        }, calls);
        double recorded = TorchProbe.Time(() =>
        {
            using var scope = torch.NewDisposeScope();
            a.add(w);
        }, calls);
        return (plain, recorded);
    }

    // Losses on probabilities, as the Keras models compile them. TorchSharp has no categorical
    // crossentropy on probabilities (cross_entropy takes logits), so it is written out, clipped
    // at 1e-7 like Keras's; binary crossentropy and MSE are TorchSharp's own.
    private static Tensor CategoricalCrossentropy(Tensor p, Tensor y) => -(y * p.clamp(1e-7, 1 - 1e-7).log()).sum(1).mean();

    private static Tensor OneHotRandom(int samples, int classes) => F.one_hot(torch.randint(0, classes, [samples]), classes).to_type(ScalarType.Float32);

    private static Setup Mlp(int samples)
    {
        var model = new MlpModel();
        return new(model, xs => [model.call(xs[0])], [torch.rand(samples, 64)], [torch.rand(samples, 10)],
            (o, y) => CategoricalCrossentropy(o[0], y[0]));
    }

    private static Setup QuestionAnswering(int samples)
    {
        var model = new QaModel();
        return new(model, xs => [model.call(xs[0], xs[1])],
            [torch.randint(1, 10000, [samples, 100]), torch.randint(1, 10000, [samples, 100])], [OneHotRandom(samples, 500)],
            (o, y) => CategoricalCrossentropy(o[0], y[0]));
    }

    private static Setup Social(int samples)
    {
        var model = new SocialModel();
        var ages = torch.randint(20, 75, [samples, 1]).to_type(ScalarType.Float32);
        var genders = torch.randint(0, 2, [samples, 1]).to_type(ScalarType.Float32);
        return new(model, xs => model.call(xs[0]), [torch.randint(1, 50000, [samples, 200])], [ages, OneHotRandom(samples, 10), genders],
            (o, y) => 0.25 * F.mse_loss(o[0], y[0]) + CategoricalCrossentropy(o[1], y[1]) + 10 * F.binary_cross_entropy(o[2], y[2]));
    }

    private static Setup Residual(int samples)
    {
        var model = new ResidualModel();
        return new(model, xs => [model.call(xs[0])], [torch.rand(samples, 3, 32, 32)], [OneHotRandom(samples, 10)],
            (o, y) => CategoricalCrossentropy(o[0], y[0]));
    }

    private static Setup Inception(int samples)
    {
        var model = new InceptionModel();
        int n = Math.Max(1, samples * 256 / 1000); // as ReferenceModels.InceptionSamples
        return new(model, xs => [model.call(xs[0])], [torch.rand(n, 64, 32, 32)], [OneHotRandom(n, 10)],
            (o, y) => CategoricalCrossentropy(o[0], y[0]));
    }

    private static Setup Siamese(int samples)
    {
        var model = new SiameseModel();
        var targets = torch.randint(0, 2, [samples, 1]).to_type(ScalarType.Float32);
        return new(model, xs => [model.call(xs[0], xs[1])], [torch.rand(samples, 50, 128), torch.rand(samples, 50, 128)], [targets],
            (o, y) => F.binary_cross_entropy(o[0], y[0]));
    }

    /// <summary>The last hidden state of a one-layer batch-first LSTM, as Keras's LSTM returns by default.</summary>
    private static Tensor LastState(LSTM lstm, Tensor x)
    {
        var (_, h, _) = lstm.call(x);
        return h[0];
    }

    private sealed class MlpModel : nn.Module<Tensor, Tensor>
    {
        private readonly Linear _hidden1 = nn.Linear(64, 32), _hidden2 = nn.Linear(32, 32), _output = nn.Linear(32, 10);

        public MlpModel() : base("mlp") => RegisterComponents();

        public override Tensor forward(Tensor x) => F.softmax(_output.call(F.relu(_hidden2.call(F.relu(_hidden1.call(x))))), 1);
    }

    private sealed class QaModel : nn.Module<Tensor, Tensor, Tensor>
    {
        private readonly Embedding _textEmbedding = nn.Embedding(10000, 64), _questionEmbedding = nn.Embedding(10000, 32);
        private readonly LSTM _textLstm = nn.LSTM(64, 32, batchFirst: true), _questionLstm = nn.LSTM(32, 16, batchFirst: true);
        private readonly Linear _answer = nn.Linear(48, 500);

        public QaModel() : base("qa") => RegisterComponents();

        public override Tensor forward(Tensor text, Tensor question)
        {
            var encoded = torch.cat([LastState(_textLstm, _textEmbedding.call(text)), LastState(_questionLstm, _questionEmbedding.call(question))], 1);
            return F.softmax(_answer.call(encoded), 1);
        }
    }

    private sealed class SocialModel : nn.Module<Tensor, Tensor[]>
    {
        private readonly Embedding _embedding = nn.Embedding(50000, 256);
        private readonly Conv1d _conv1 = nn.Conv1d(256, 128, 5), _conv2 = nn.Conv1d(128, 256, 5), _conv3 = nn.Conv1d(256, 256, 5);
        private readonly Linear _dense = nn.Linear(256, 128), _age = nn.Linear(128, 1), _income = nn.Linear(128, 10), _gender = nn.Linear(128, 1);

        public SocialModel() : base("social") => RegisterComponents();

        public override Tensor[] forward(Tensor posts)
        {
            var x = _embedding.call(posts).transpose(1, 2); // (batch, 256 channels, 200 steps) for Conv1d
            x = F.max_pool1d(F.relu(_conv1.call(x)), 5);
            x = F.relu(_conv3.call(F.relu(_conv2.call(x))));
            x = F.relu(_dense.call(x.amax(2)));
            return [_age.call(x), F.softmax(_income.call(x), 1), torch.sigmoid(_gender.call(x))];
        }
    }

    private sealed class ResidualModel : nn.Module<Tensor, Tensor>
    {
        private readonly Conv2d _stem = nn.Conv2d(3, 32, 3, padding: 1);
        private readonly ModuleList<Conv2d> _blocks = nn.ModuleList([.. Enumerable.Range(0, 4).Select(_ => nn.Conv2d(32, 32, 3, padding: 1))]);
        private readonly Conv2d _wide1 = nn.Conv2d(32, 64, 3, padding: 1), _wide2 = nn.Conv2d(64, 64, 3, padding: 1), _projection = nn.Conv2d(32, 64, 1, stride: 2);
        private readonly Linear _output = nn.Linear(64, 10);

        public ResidualModel() : base("residual") => RegisterComponents();

        public override Tensor forward(Tensor images)
        {
            var x = F.relu(_stem.call(images));
            for (int i = 0; i < 4; i += 2)
                x = x + _blocks[i + 1].call(F.relu(_blocks[i].call(x)));
            var y = F.max_pool2d(F.relu(_wide2.call(F.relu(_wide1.call(x)))), [2, 2]);
            x = y + _projection.call(x);
            return F.softmax(_output.call(x.mean([2, 3])), 1);
        }
    }

    // Channels first. Keras's 'same' with stride 2 pads 0 before and 1 after on these even sizes
    // where padding 1 pads both sides: the same output sizes and work. Average pooling leaves the
    // padding out of its count, as Keras's does.
    private sealed class InceptionModel : nn.Module<Tensor, Tensor>
    {
        private readonly Conv2d _a = nn.Conv2d(64, 128, 1, stride: 2);
        private readonly Conv2d _b1 = nn.Conv2d(64, 128, 1), _b2 = nn.Conv2d(128, 128, 3, stride: 2, padding: 1);
        private readonly Conv2d _c = nn.Conv2d(64, 128, 3, padding: 1);
        private readonly Conv2d _d1 = nn.Conv2d(64, 128, 1), _d2 = nn.Conv2d(128, 128, 3, padding: 1), _d3 = nn.Conv2d(128, 128, 3, stride: 2, padding: 1);
        private readonly Linear _output = nn.Linear(512, 10);

        public InceptionModel() : base("inception") => RegisterComponents();

        public override Tensor forward(Tensor x)
        {
            var a = F.relu(_a.call(x));
            var b = F.relu(_b2.call(F.relu(_b1.call(x))));
            var c = F.relu(_c.call(F.avg_pool2d(x, [3, 3], stride: [2, 2], padding: [1, 1], count_include_pad: false)));
            var d = F.relu(_d3.call(F.relu(_d2.call(F.relu(_d1.call(x))))));
            return F.softmax(_output.call(torch.cat([a, b, c, d], 1).mean([2, 3])), 1);
        }
    }

    private sealed class SiameseModel : nn.Module<Tensor, Tensor, Tensor>
    {
        private readonly LSTM _lstm = nn.LSTM(128, 32, batchFirst: true);
        private readonly Linear _output = nn.Linear(64, 1);

        public SiameseModel() : base("siamese") => RegisterComponents();

        public override Tensor forward(Tensor left, Tensor right) =>
            torch.sigmoid(_output.call(torch.cat([LastState(_lstm, left), LastState(_lstm, right)], 1)));
    }
}
