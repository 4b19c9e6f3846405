using Microsoft.ML.FunctionalDnn.Backends;
using Microsoft.ML.FunctionalDnn.Optimizers;
using Microsoft.ML.FunctionalDnn.Tests.Autograd;
using Microsoft.ML.FunctionalDnn.Tests.OpTests;
using Microsoft.ML.FunctionalDnn.Tests.Tensors;

namespace Microsoft.ML.FunctionalDnn.Tests.Backends.Torch;

// The op-level test classes again, every inherited test on the torch backend.

[TestClass]
public sealed class TorchElementwiseGradientTests : ElementwiseGradientTests
{
    protected override string BackendName => "torch";
}

[TestClass]
public sealed class TorchBiasAddTests : BiasAddTests
{
    protected override string BackendName => "torch";
}

[TestClass]
public sealed class TorchReductionTests : ReductionTests
{
    protected override string BackendName => "torch";
}

[TestClass]
public sealed class TorchShapeAndIndexingTests : ShapeAndIndexingTests
{
    protected override string BackendName => "torch";
}

[TestClass]
public sealed class TorchMatMulTests : MatMulTests
{
    protected override string BackendName => "torch";
}

[TestClass]
public sealed class TorchComparisonTests : ComparisonTests
{
    protected override string BackendName => "torch";
}

[TestClass]
public sealed class TorchAutogradTests : AutogradTests
{
    protected override string BackendName => "torch";
}

[TestClass]
public sealed class TorchTensorTests : TensorTests
{
    protected override string BackendName => "torch";
}

/// <summary>
/// Every element-wise, reduction, softmax and normalization op of <see cref="Ops"/> on the same
/// random inputs on both backends: the forward values and the gradients of every input must agree
/// within 1e-4 (relative to the value, absolute below 1). Inputs stay clear of kinks (0, ties,
/// clip edges), where a subgradient choice could legitimately differ.
/// </summary>
[TestClass]
public sealed class TorchParityTests : BackendTestBase
{
    protected override string BackendName => "torch";

    /// <summary>
    /// One input: its shape, an optional map of a random value in ±[0.1, 1] into the op's domain
    /// (or fixed <see cref="Values"/>), and whether it takes a gradient.
    /// </summary>
    private sealed record Input(int[] Shape, Func<float, float>? Domain = null, bool Grad = true, float[]? Values = null);

    private sealed record Case(Func<Tensor[], Tensor[]> Op, params Input[] Inputs);

    private static Input In(params int[] shape) => new(shape);

    private static Input Positive(params int[] shape) => new(shape, v => MathF.Abs(v) + 0.2f);

    private static Case Unary(Func<Tensor, Tensor> op, Input? input = null) => new(x => [op(x[0])], input ?? In(4, 9));

    private static Case Binary(Func<Tensor, Tensor, Tensor> op, Input? b = null, Input? a = null) => new(x => [op(x[0], x[1])], a ?? In(3, 4), b ?? In(4));

    private static Case Reduce(Func<Tensor, Tensor> op) => new(x => [op(x[0])], In(2, 3, 4));

    private static readonly Dictionary<string, Case> s_cases = new()
    {
        ["negate"] = Unary(Ops.Negate),
        ["exp"] = Unary(Ops.Exp),
        ["log"] = Unary(Ops.Log, Positive(4, 9)),
        ["sqrt"] = Unary(Ops.Sqrt, Positive(4, 9)),
        ["square"] = Unary(Ops.Square),
        ["abs"] = Unary(Ops.Abs),
        ["pow_3"] = Unary(x => Ops.Pow(x, 3)),
        ["pow_half"] = Unary(x => Ops.Pow(x, 0.5f), Positive(4, 9)),
        ["clip"] = Unary(x => Ops.Clip(x, -0.5f, 0.5f), new Input([4, 9], v => MathF.Abs(MathF.Abs(v) - 0.5f) < 0.05f ? v * 0.8f : v)),
        ["relu"] = Unary(Ops.Relu),
        ["leaky_relu"] = Unary(x => Ops.LeakyRelu(x, 0.1f)),
        ["elu"] = Unary(x => Ops.Elu(x, 0.7f)),
        ["selu"] = Unary(Ops.Selu),
        ["gelu_tanh"] = Unary(x => Ops.Gelu(x)),
        ["gelu_exact"] = Unary(x => Ops.Gelu(x, approximate: false)),
        ["sigmoid"] = Unary(Ops.Sigmoid),
        ["hard_sigmoid"] = Unary(Ops.HardSigmoid, new Input([4, 9], v => v * 4)),
        ["tanh"] = Unary(Ops.Tanh),
        ["softplus"] = Unary(Ops.Softplus, new Input([4, 9], v => v * 30)),
        ["softsign"] = Unary(Ops.Softsign),
        ["swish"] = Unary(Ops.Swish),
        ["add"] = Binary(Ops.Add),
        ["subtract"] = Binary(Ops.Subtract, In(3, 1)),
        ["multiply"] = Binary(Ops.Multiply, In(2, 3, 4), In(3, 1)),
        ["divide"] = Binary(Ops.Divide, Positive(4)),
        ["maximum"] = Binary(Ops.Maximum),
        ["minimum"] = Binary(Ops.Minimum, In(3, 4)),
        ["pow"] = Binary(Ops.Pow, In(4), Positive(3, 4)),
        ["matmul"] = new(x => [Ops.MatMul(x[0], x[1], transposeB: true)], In(2, 3, 4), In(2, 5, 4)),
        ["dense"] = new(x => [Ops.Dense(x[0], x[1], x[2])], In(6, 4), In(4, 5), In(5)),
        ["dense_sequence"] = new(x => [Ops.Dense(x[0], x[1], null)], In(2, 3, 4), In(4, 5)),
        ["sum_all"] = Reduce(x => Ops.Sum(x)),
        ["sum_axis"] = Reduce(x => Ops.Sum(x, [1])),
        ["sum_keep"] = Reduce(x => Ops.Sum(x, [0, 2], keepDims: true)),
        ["mean_all"] = Reduce(x => Ops.Mean(x)),
        ["mean_axes"] = Reduce(x => Ops.Mean(x, [-1, 0])),
        ["max_all"] = Reduce(x => Ops.Max(x)),
        ["max_axis"] = Reduce(x => Ops.Max(x, [1], keepDims: true)),
        ["min_axis"] = Reduce(x => Ops.Min(x, [-1])),
        ["min_axes"] = Reduce(x => Ops.Min(x, [0, 1])),
        ["var"] = Reduce(x => Ops.Var(x, [1])),
        ["std"] = Reduce(x => Ops.Std(x, [0, 2], keepDims: true)),
        ["logsumexp"] = Reduce(x => Ops.LogSumExp(x, [-1])),
        ["softmax_last"] = Reduce(x => Ops.Softmax(x)),
        ["softmax_middle"] = Reduce(x => Ops.Softmax(x, 1)),
        ["log_softmax_last"] = Reduce(x => Ops.LogSoftmax(x)),
        ["log_softmax_first"] = Reduce(x => Ops.LogSoftmax(x, 0)),
        ["layer_norm"] = new(x => [Ops.LayerNorm(x[0], x[1], x[2])], In(2, 3, 5), In(5), In(5)),
        ["layer_norm_plain"] = new(x => [Ops.LayerNorm(x[0], null, null, 1e-5f)], In(4, 6)),
        ["batch_norm_training"] = new(x => [Ops.BatchNormTraining(x[0], x[1], x[2], 1e-3f, out var m, out var v), m, v], In(2, 3, 4), In(4), In(4)),
        ["batch_norm_training_plain"] = new(x => [Ops.BatchNormTraining(x[0], null, null, 1e-3f, out var m, out var v), m, v], In(6, 3)),
        ["batch_norm_training_masked"] = new(x => [Ops.BatchNormTraining(x[0], x[1], x[2], x[3], 1e-3f, out var m, out var v), m, v],
            In(2, 3, 4), new Input([2, 3, 1], v => v > 0 ? 1 : 0, Grad: false), In(4), In(4)),
        ["batch_norm_training_one_row"] = new(x => [Ops.BatchNormTraining(x[0], x[1], x[2], 1e-3f, out var m, out var v), m, v], In(1, 3), In(3), In(3)),
        ["batch_norm_inference"] = new(x => [Ops.BatchNormInference(x[0], x[1], x[2], x[3], x[4], 1e-3f)], In(2, 3, 4), In(4), Positive(4), In(4), In(4)),
    };

    private static Input Fixed(float[] values, params int[] shape) => new(shape.Length == 0 ? [values.Length] : shape, Values: values);

    private static readonly float[] Kinks = [-3, -0.5f, 0, -0f, 0.5f, 3, 1, -1];

    /// <summary>Inputs exactly at kinks and ties, where each backend must pick the managed engine's subgradient.</summary>
    private static readonly Dictionary<string, Case> s_kinks = new()
    {
        ["relu"] = Unary(Ops.Relu, Fixed(Kinks)),
        ["leaky_relu"] = Unary(x => Ops.LeakyRelu(x), Fixed(Kinks)),
        ["elu"] = Unary(x => Ops.Elu(x), Fixed(Kinks)),
        ["selu"] = Unary(Ops.Selu, Fixed(Kinks)),
        ["abs"] = Unary(Ops.Abs, Fixed(Kinks)),
        ["hard_sigmoid"] = Unary(Ops.HardSigmoid, Fixed(Kinks)),
        ["clip"] = Unary(x => Ops.Clip(x, -0.5f, 0.5f), Fixed(Kinks)),
        ["maximum"] = Binary(Ops.Maximum, Fixed([1, 0, 0, 2]), Fixed([1, 2, 0, -1])),
        ["minimum"] = Binary(Ops.Minimum, Fixed([1, 0, 0, 2]), Fixed([1, 2, 0, -1])),
        ["max_ties"] = Unary(x => Ops.Max(x, [1]), Fixed([2, 2, 1, 0, -1, -1], 2, 3)),
        ["min_ties"] = Unary(x => Ops.Min(x), Fixed([2, 2, 1, 0, -1, -1], 2, 3)),
    };

    public static IEnumerable<object[]> Cases() => s_cases.Keys.Select(k => new object[] { k });

    public static IEnumerable<object[]> KinkCases() => s_kinks.Keys.Select(k => new object[] { k });

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void ForwardValuesAndGradientsMatchTheManagedEngine(string op) => Compare(op, s_cases[op]);

    [TestMethod]
    [DynamicData(nameof(KinkCases))]
    public void SubgradientsAtKinksAndTiesMatchTheManagedEngine(string op) => Compare(op, s_kinks[op]);

    [TestMethod]
    public void NaNPropagatesThroughMaximumMinimumAndMax()
    {
        var a = Tensor.FromArray([float.NaN, 1, 2]);
        var b = Tensor.FromArray([0, float.NaN, 1]);
        Assert.IsTrue(Ops.Maximum(a, b).ToArray().Take(2).All(float.IsNaN));
        Assert.IsTrue(Ops.Minimum(a, b).ToArray().Take(2).All(float.IsNaN));
        Assert.AreEqual(2f, Ops.Maximum(a, b)[2]);
        Assert.AreEqual(1f, Ops.Minimum(a, b)[2]);
        Assert.IsTrue(float.IsNaN(Ops.Max(a).Item()));
        Assert.IsTrue(float.IsNaN(Ops.Min(b).Item()));
    }

    [TestMethod]
    public void ErrorsReadAsOnTheManagedEngine()
    {
        // Each action makes its tensors on the backend current when it runs.
        Action[] cases =
        [
            () => Ops.BroadcastTo(Tensor.Zeros(new Shape(2, 3)), new Shape(1, 3)),
            () => Ops.LayerNorm(Tensor.Zeros(new Shape(2, 3)), Tensor.Ones(new Shape(4)), null),
            () => Ops.Max(Tensor.Zeros(new Shape(2, 0)), [1]),
            () => Tensor.Zeros(new Shape(2, 3)).Assign(Tensor.Zeros(new Shape(3, 3))),
            () => Tensor.Zeros(new Shape(2, 3)).AssignAdd(Tensor.Zeros(new Shape(2, 1, 3))),
        ];
        foreach (var action in cases)
        {
            string torch = Assert.Throws<ArgumentException>(action).Message;
            string managed;
            using (TestBackends.Use("managed")) managed = Assert.Throws<ArgumentException>(action).Message;
            Assert.AreEqual(managed, torch);
        }
        // The managed engine's Stack refuses mixed types through Concatenate; libtorch would promote them.
        var mixed = Assert.Throws<ArgumentException>(() => Ops.Stack([Tensor.Zeros(new Shape(2)), Tensor.FromArray([1, 2])], 0));
        StringAssert.StartsWith(mixed.Message, "Stack needs tensors of one type");
    }

    private void Compare(string op, Case c)
    {
        var random = new RandomGenerator(op.Length * 7919 + op[0]);
        var inputs = c.Inputs.Select(i => i.Values ?? Draw(i, random)).ToArray();
        var torch = Run(c, inputs, BackendName);
        var managed = Run(c, inputs, "managed");
        Assert.HasCount(managed.Outputs.Length, torch.Outputs);
        for (int k = 0; k < managed.Outputs.Length; k++) AssertClose(managed.Outputs[k], torch.Outputs[k], $"{op}: output {k}");
        for (int k = 0; k < inputs.Length; k++)
        {
            if (!c.Inputs[k].Grad) continue;
            Assert.IsNotNull(managed.Grads[k], $"{op}: the managed engine gave input {k} no gradient");
            Assert.IsNotNull(torch.Grads[k], $"{op}: torch gave input {k} no gradient");
            AssertClose(managed.Grads[k]!, torch.Grads[k]!, $"{op}: gradient of input {k}");
        }
    }

    private sealed record Results(float[][] Outputs, float[]?[] Grads);

    /// <summary>Distinct values of magnitude 0.1 to 1 and random sign (no kinks, no ties), mapped into the input's domain.</summary>
    private static float[] Draw(Input input, RandomGenerator random)
    {
        int n = new Shape(input.Shape).Size;
        var order = random.Permutation(n);
        var values = new float[n];
        for (int i = 0; i < n; i++)
        {
            float v = (0.1f + 0.9f * order[i] / Math.Max(1, n)) * (random.NextFloat() < 0.5f ? -1 : 1);
            values[i] = input.Domain is null ? v : input.Domain(v);
        }
        return values;
    }

    /// <summary>The op's outputs and the gradients of L = Σₖ Σ outₖ ⊙ Wₖ (fixed random weights) on the current backend.</summary>
    private static Results Run(Case c, float[][] inputs, string backend)
    {
        using var _ = TestBackends.Use(backend);
        var xs = new Tensor[inputs.Length];
        for (int i = 0; i < xs.Length; i++)
        {
            xs[i] = Tensor.FromArray(inputs[i], new Shape(c.Inputs[i].Shape));
            if (c.Inputs[i].Grad) xs[i].RequiresGrad = true;
        }
        Assert.AreEqual(backend, xs[0].OwningBackend.Name);
        var outputs = c.Op(xs);
        var weights = new RandomGenerator(99);
        Tensor? loss = null;
        foreach (var y in outputs)
        {
            var term = Ops.Sum(Ops.Multiply(y, Tensor.Uniform(y.Shape, -1, 1, weights)));
            loss = loss is null ? term : Ops.Add(loss, term);
        }
        loss!.Backward();
        return new([.. outputs.Select(y => y.ToArray())], [.. xs.Select(x => x.Grad?.ToArray())]);
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.HasCount(expected.Length, actual, what);
        for (int i = 0; i < expected.Length; i++)
        {
            if (expected[i].Equals(actual[i])) continue; // NaN, infinities
            double tolerance = 1e-4 * Math.Max(1, Math.Abs(expected[i]));
            Assert.IsLessThanOrEqualTo(tolerance, Math.Abs(expected[i] - (double)actual[i]), $"{what}, element {i}: managed {expected[i]}, torch {actual[i]}");
        }
    }

    // The fused optimizer steps against the optimizers' op-by-op rules on torch.

    [TestMethod]
    [DataRow("adam", 1)]
    [DataRow("adam", 1000)]
    [DataRow("rmsprop", 7)]
    [DataRow("rmsprop", 1000)]
    public void FusedOptimizerStepsAgreeWithTheOps(string name, int length)
    {
        var fused = RunOptimizer(Optimizer.FromName(name), length);
        var opByOp = Optimizer.FromName(name);
        opByOp.UseFusedKernels = false;
        var reference = RunOptimizer(opByOp, length);
        for (int i = 0; i < length; i++)
            Assert.AreEqual(reference[i], fused[i], 1e-6f, $"{name}, element {i}: op by op {reference[i]}, fused {fused[i]}");
    }

    [TestMethod]
    public void AdamAndRmsPropStepsAreFused()
    {
        // Without this the agreement above could hold because both paths ran the ops.
        var r = new RandomGenerator(4);
        Tensor W() => Tensor.Uniform(new Shape(3, 5), -1, 1, r);
        Assert.AreEqual("torch", Backend.Current.Name);
        var (w, g, m, v) = (W(), W(), W(), Ops.Square(W()));
        var (w0, g0, m0, v0) = (w.ToArray(), g.ToArray(), m.ToArray(), v.ToArray());
        Assert.IsTrue(Backend.Current.TryAdamUpdate(w, g, m, v, 0.01f, 0.9f, 0.999f, 1e-7f));
        var (w1, m1, v1) = (w.ToArray(), m.ToArray(), v.ToArray());
        for (int i = 0; i < w0.Length; i++)
        {
            float mi = m0[i] + (g0[i] - m0[i]) * (1 - 0.9f);
            float vi = v0[i] + (g0[i] * g0[i] - v0[i]) * (1 - 0.999f);
            Assert.AreEqual(mi, m1[i], 1e-6f);
            Assert.AreEqual(vi, v1[i], 1e-6f);
            Assert.AreEqual(w0[i] - mi * 0.01f / (MathF.Sqrt(vi) + 1e-7f), w1[i], 1e-6f);
        }
        Assert.IsTrue(Backend.Current.TryRmsPropUpdate(w, g, v, 0.01f, 0.9f, 1e-7f));
        var (w2, v2) = (w.ToArray(), v.ToArray());
        for (int i = 0; i < w0.Length; i++)
        {
            float vi = 0.9f * v1[i] + 0.1f * g0[i] * g0[i];
            Assert.AreEqual(vi, v2[i], 1e-6f);
            Assert.AreEqual(w1[i] - 0.01f * g0[i] / MathF.Sqrt(vi + 1e-7f), w2[i], 1e-6f);
        }
        Assert.IsFalse(Backend.Current.TryAdamUpdate(w, g, m, Tensor.Zeros(new Shape(15)), 0.01f, 0.9f, 0.999f, 1e-7f), "a slot of another shape takes the op path");

        // Tensors that share memory take the op path too (an in-place step would read what it
        // overwrote): the weight as its own gradient, a view of a slot as the gradient, one tensor
        // as both Adam slots.
        var before = w.ToArray();
        Assert.IsFalse(Backend.Current.TryRmsPropUpdate(w, w, v, 0.01f, 0.9f, 1e-7f), "the weight as its gradient");
        Assert.IsFalse(Backend.Current.TryRmsPropUpdate(w, Ops.Reshape(v, [3, 5]), v, 0.01f, 0.9f, 1e-7f), "a view of the slot as the gradient");
        Assert.IsFalse(Backend.Current.TryAdamUpdate(w, g, m, m, 0.01f, 0.9f, 0.999f, 1e-7f), "one tensor as both slots");
        CollectionAssert.AreEqual(before, w.ToArray(), "a refused step leaves the weight alone");
    }

    private static float[] RunOptimizer(Optimizer optimizer, int length)
    {
        var random = new RandomGenerator(length);
        var w = Tensor.Uniform(new Shape(length), -1, 1, random);
        for (int step = 0; step < 5; step++)
            optimizer.Apply([Tensor.Normal(new Shape(length), 0, 1 + step, random)], [w]);
        return w.ToArray();
    }
}
