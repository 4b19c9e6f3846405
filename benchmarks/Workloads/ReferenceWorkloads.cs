namespace Microsoft.ML.FunctionalDnn.Benchmarks.Workloads;

/// <summary>mlp: 64 → 32 relu → 32 relu → 10 softmax; categorical crossentropy; batch 128, 10 epochs.</summary>
internal sealed class MlpWorkload : Workload
{
    private Tensor _x = null!, _y = null!;
    private Tensor[] _w = null!;

    public override string Name => "mlp";
    protected override int Samples => 1000;
    protected override int Epochs => 10;
    protected override int BatchSize => 128;

    protected override void Setup(RandomGenerator r, EngineModel m)
    {
        _x = Tensor.Uniform(new Shape(Samples, 64), 0, 1, r);
        _y = Tensor.Uniform(new Shape(Samples, 10), 0, 1, r);
        _w = [m.Glorot(64, 32), m.Zeros(32), m.Glorot(32, 32), m.Zeros(32), m.Glorot(32, 10), m.Zeros(10)];
    }

    protected override Tensor Loss(Tensor idx)
    {
        var h = Ops.Relu(Dense(Rows(_x, idx), _w[0], _w[1]));
        h = Ops.Relu(Dense(h, _w[2], _w[3]));
        return Losses.CategoricalCrossentropy(Ops.Softmax(Dense(h, _w[4], _w[5])), Rows(_y, idx));
    }
}

/// <summary>qa: two Embedding → LSTM branches, concatenated, Dense(500, softmax); batch 128, 10 epochs.</summary>
internal sealed class QaWorkload : Workload
{
    private Tensor _text = null!, _question = null!, _answers = null!;
    private Tensor[] _w = null!;

    public override string Name => "qa";
    protected override int Samples => 1000;
    protected override int Epochs => 10;
    protected override int BatchSize => 128;

    protected override void Setup(RandomGenerator r, EngineModel m)
    {
        _text = Tensor.RandomInts(new Shape(Samples, 100), 1, 10000, r);
        _question = Tensor.RandomInts(new Shape(Samples, 100), 1, 10000, r);
        _answers = OneHotRandom(r, Samples, 500);
        _w =
        [
            m.Embedding(10000, 64), m.Glorot(64, 128), m.Glorot(32, 128), m.Zeros(128),
            m.Embedding(10000, 32), m.Glorot(32, 64), m.Glorot(16, 64), m.Zeros(64),
            m.Glorot(48, 500), m.Zeros(500),
        ];
    }

    protected override Tensor Loss(Tensor idx)
    {
        var text = Ops.Lstm(Ops.Take(_w[0], Rows(_text, idx)), _w[1], _w[2], _w[3]).Output;
        var question = Ops.Lstm(Ops.Take(_w[4], Rows(_question, idx)), _w[5], _w[6], _w[7]).Output;
        var merged = Ops.Concatenate([text, question], -1);
        return Losses.CategoricalCrossentropy(Ops.Softmax(Dense(merged, _w[8], _w[9])), Rows(_answers, idx));
    }
}

/// <summary>siamese: one LSTM(32) shared by two (50, 128) inputs, concatenated, Dense(1, sigmoid); batch 128, 5 epochs.</summary>
internal sealed class SiameseWorkload : Workload
{
    private Tensor _left = null!, _right = null!, _y = null!;
    private Tensor[] _w = null!;

    public override string Name => "siamese";
    protected override int Samples => 1000;
    protected override int Epochs => 5;
    protected override int BatchSize => 128;

    protected override void Setup(RandomGenerator r, EngineModel m)
    {
        _left = Tensor.Uniform(new Shape(Samples, 50, 128), 0, 1, r);
        _right = Tensor.Uniform(new Shape(Samples, 50, 128), 0, 1, r);
        _y = Ops.Cast(Tensor.RandomInts(new Shape(Samples, 1), 0, 2, r), DType.Float32);
        _w = [m.Glorot(128, 128), m.Glorot(32, 128), m.Zeros(128), m.Glorot(64, 1), m.Zeros(1)];
    }

    protected override Tensor Loss(Tensor idx)
    {
        var l = Ops.Lstm(Rows(_left, idx), _w[0], _w[1], _w[2]).Output;
        var r = Ops.Lstm(Rows(_right, idx), _w[0], _w[1], _w[2]).Output;
        var p = Ops.Sigmoid(Dense(Ops.Concatenate([l, r], -1), _w[3], _w[4]));
        return Losses.BinaryCrossentropy(p, Rows(_y, idx));
    }
}

/// <summary>social: Embedding(50000, 256) → Conv1D stack → three heads with loss weights 0.25, 1, 10; batch 64, 2 epochs.</summary>
internal sealed class SocialWorkload : Workload
{
    private Tensor _posts = null!, _age = null!, _income = null!, _gender = null!;
    private Tensor[] _w = null!;

    public override string Name => "social";
    protected override int Samples => 1000;
    protected override int Epochs => 2;
    protected override int BatchSize => 64;

    protected override void Setup(RandomGenerator r, EngineModel m)
    {
        _posts = Tensor.RandomInts(new Shape(Samples, 200), 1, 50000, r);
        _age = Ops.Cast(Tensor.RandomInts(new Shape(Samples, 1), 20, 75, r), DType.Float32);
        _income = OneHotRandom(r, Samples, 10);
        _gender = Ops.Cast(Tensor.RandomInts(new Shape(Samples, 1), 0, 2, r), DType.Float32);
        _w =
        [
            m.Embedding(50000, 256),
            m.Glorot(5, 256, 128), m.Zeros(128), m.Glorot(5, 128, 256), m.Zeros(256), m.Glorot(5, 256, 256), m.Zeros(256),
            m.Glorot(256, 128), m.Zeros(128),
            m.Glorot(128, 1), m.Zeros(1), m.Glorot(128, 10), m.Zeros(10), m.Glorot(128, 1), m.Zeros(1),
        ];
    }

    protected override Tensor Loss(Tensor idx)
    {
        var x = Ops.Take(_w[0], Rows(_posts, idx));
        x = Ops.MaxPool1D(Ops.Relu(Ops.Add(Ops.Conv1D(x, _w[1]), _w[2])), 5);
        x = Ops.Relu(Ops.Add(Ops.Conv1D(x, _w[3]), _w[4]));
        x = Ops.Relu(Ops.Add(Ops.Conv1D(x, _w[5]), _w[6]));
        x = Ops.Relu(Dense(Ops.GlobalMaxPool(x), _w[7], _w[8]));
        var age = Losses.MeanSquaredError(Dense(x, _w[9], _w[10]), Rows(_age, idx));
        var income = Losses.CategoricalCrossentropy(Ops.Softmax(Dense(x, _w[11], _w[12])), Rows(_income, idx));
        var gender = Losses.BinaryCrossentropy(Ops.Sigmoid(Dense(x, _w[13], _w[14])), Rows(_gender, idx));
        return 0.25f * age + income + 10f * gender;
    }
}

/// <summary>residual: 32×32×3 images, two residual blocks, a strided 1×1 projection, global average pooling; batch 64, 1 epoch.</summary>
internal sealed class ResidualWorkload : Workload
{
    private Tensor _images = null!, _labels = null!;
    private Tensor[] _w = null!;

    public override string Name => "residual";
    protected override int Samples => 1000;
    protected override int Epochs => 1;
    protected override int BatchSize => 64;

    protected override void Setup(RandomGenerator r, EngineModel m)
    {
        _images = Tensor.Uniform(new Shape(Samples, 32, 32, 3), 0, 1, r);
        _labels = OneHotRandom(r, Samples, 10);
        var w = new List<Tensor> { m.Glorot(3, 3, 3, 32), m.Zeros(32) };
        for (int i = 0; i < 4; i++) { w.Add(m.Glorot(3, 3, 32, 32)); w.Add(m.Zeros(32)); }
        w.AddRange([m.Glorot(3, 3, 32, 64), m.Zeros(64), m.Glorot(3, 3, 64, 64), m.Zeros(64), m.Glorot(1, 1, 32, 64), m.Zeros(64), m.Glorot(64, 10), m.Zeros(10)]);
        _w = [.. w];
    }

    private Tensor Conv(Tensor x, int i, (int, int)? strides = null, Padding padding = Padding.Same) =>
        Ops.Add(Ops.Conv2D(x, _w[i], strides, padding), _w[i + 1]);

    protected override Tensor Loss(Tensor idx)
    {
        var x = Ops.Relu(Conv(Rows(_images, idx), 0));
        for (int b = 0; b < 2; b++)
            x = Ops.Add(x, Conv(Ops.Relu(Conv(x, 2 + 4 * b)), 4 + 4 * b));
        var y = Ops.MaxPool2D(Ops.Relu(Conv(Ops.Relu(Conv(x, 10)), 12)), (2, 2));
        x = Ops.Add(y, Conv(x, 14, (2, 2), Padding.Valid));
        var p = Ops.Softmax(Dense(Ops.GlobalAveragePool(x), _w[16], _w[17]));
        return Losses.CategoricalCrossentropy(p, Rows(_labels, idx));
    }
}
