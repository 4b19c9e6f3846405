// Trains a small two-input network with the engine's ops and autograd on data it generates:
// points from three interleaved spirals (input 1) plus a noisy hint feature (input 2), each
// through its own dense branch, concatenated, then a softmax over the three classes. Prints the
// loss falling per epoch, then test accuracy and a few predictions.
using System.Diagnostics;
using Microsoft.ML.FunctionalDnn;

const int Classes = 3, PerClass = 400, Hidden = 64, Epochs = 30, BatchSize = 32;
var random = new RandomGenerator(seed: 7);

var (points, hints, labels) = Spirals(random, PerClass);
int n = labels.Length, trainCount = n * 4 / 5;
var order = random.Permutation(n);
Console.WriteLine($"Generated {n} samples of {Classes} spiral arms; training on {trainCount}, testing on {n - trainCount}.");

// Weights: Glorot-uniform kernels, zero biases (Keras's defaults).
Tensor Glorot(int fanIn, int fanOut)
{
    float limit = MathF.Sqrt(6f / (fanIn + fanOut));
    var w = Tensor.Uniform(new Shape(fanIn, fanOut), -limit, limit, random);
    w.RequiresGrad = true;
    return w;
}
Tensor Zeros(int size)
{
    var b = Tensor.Zeros(new Shape(size));
    b.RequiresGrad = true;
    return b;
}
Tensor[] weights = [Glorot(2, Hidden), Zeros(Hidden), Glorot(Hidden, Hidden), Zeros(Hidden), Glorot(1, 8), Zeros(8), Glorot(Hidden + 8, Classes), Zeros(Classes)];

Tensor Forward(Tensor xy, Tensor hint)
{
    var a = Ops.Relu(Ops.Add(Ops.MatMul(xy, weights[0]), weights[1]));
    a = Ops.Relu(Ops.Add(Ops.MatMul(a, weights[2]), weights[3]));
    var b = Ops.Tanh(Ops.Add(Ops.MatMul(hint, weights[4]), weights[5]));
    var merged = Ops.Concatenate([a, b], axis: -1);
    return Ops.Add(Ops.MatMul(merged, weights[6]), weights[7]);
}

// Adam with Keras's defaults (learning rate 1e-3 ×10 here for a short run), written as tensor ops on
// slot tensors the way Keras 3 writes its optimizers: m += (g - m)(1 - β₁); v += (g² - v)(1 - β₂);
// w -= α·m / (√v + ε) with α = lr·√(1 - β₂ᵗ) / (1 - β₁ᵗ).
var m = weights.Select(w => Tensor.Zeros(w.Shape)).ToArray();
var v = weights.Select(w => Tensor.Zeros(w.Shape)).ToArray();
int t = 0;
void AdamStep()
{
    t++;
    const float lr = 1e-2f, b1 = 0.9f, b2 = 0.999f, eps = 1e-7f;
    float alpha = lr * MathF.Sqrt(1 - MathF.Pow(b2, t)) / (1 - MathF.Pow(b1, t));
    using (GradMode.NoGrad())
    {
        for (int i = 0; i < weights.Length; i++)
        {
            var g = weights[i].Grad!;
            m[i].AssignAdd(Ops.Multiply(Ops.Subtract(g, m[i]), Tensor.Scalar(1 - b1)));
            v[i].AssignAdd(Ops.Multiply(Ops.Subtract(Ops.Square(g), v[i]), Tensor.Scalar(1 - b2)));
            weights[i].AssignSub(Ops.Divide(Ops.Multiply(m[i], Tensor.Scalar(alpha)), Ops.Add(Ops.Sqrt(v[i]), Tensor.Scalar(eps))));
            weights[i].ZeroGrad();
        }
    }
}

(Tensor Xy, Tensor Hint, Tensor Labels) Batch(int[] idx)
{
    var xy = new float[idx.Length * 2];
    var hint = new float[idx.Length];
    var y = new int[idx.Length];
    for (int i = 0; i < idx.Length; i++)
    {
        xy[2 * i] = points[idx[i], 0];
        xy[2 * i + 1] = points[idx[i], 1];
        hint[i] = hints[idx[i]];
        y[i] = labels[idx[i]];
    }
    return (Tensor.FromArray(xy, new Shape(idx.Length, 2)), Tensor.FromArray(hint, new Shape(idx.Length, 1)), Tensor.FromArray(y));
}

var clock = Stopwatch.StartNew();
var train = order[..trainCount];
for (int epoch = 1; epoch <= Epochs; epoch++)
{
    var shuffled = random.Permutation(trainCount).Select(i => train[i]).ToArray();
    double lossSum = 0;
    int batches = 0;
    for (int start = 0; start < trainCount; start += BatchSize)
    {
        using var scope = TensorScope.Begin();
        var (xy, hint, y) = Batch(shuffled[start..Math.Min(trainCount, start + BatchSize)]);
        // Sparse categorical crossentropy from logits: mean of -log softmax at the true class.
        var logProbs = Ops.LogSoftmax(Forward(xy, hint));
        var loss = Ops.Negate(Ops.Mean(Ops.Sum(Ops.Multiply(logProbs, Ops.OneHot(y, Classes)), axis: -1)));
        loss.Backward();
        AdamStep();
        lossSum += loss.Item();
        batches++;
    }
    if (epoch == 1 || epoch % 5 == 0) Console.WriteLine($"epoch {epoch,2}  loss {lossSum / batches:F4}");
}
Console.WriteLine($"Trained {Epochs} epochs in {clock.Elapsed.TotalSeconds:F1} s.");

using (GradMode.NoGrad())
{
    var (xy, hint, y) = Batch(order[trainCount..]);
    var predicted = Ops.ArgMax(Forward(xy, hint)).ToIntArray();
    var truth = y.ToIntArray();
    double accuracy = predicted.Zip(truth).Count(p => p.First == p.Second) / (double)truth.Length;
    Console.WriteLine($"Test accuracy: {accuracy:P1}");
    for (int i = 0; i < 5; i++)
        Console.WriteLine($"  point ({xy[i, 0],6:F2}, {xy[i, 1],6:F2})  predicted arm {predicted[i]}  true arm {truth[i]}");
}

static (float[,] Points, float[] Hints, int[] Labels) Spirals(RandomGenerator r, int perClass)
{
    int n = Classes * perClass;
    var points = new float[n, 2];
    var hints = new float[n];
    var labels = new int[n];
    for (int c = 0; c < Classes; c++)
        for (int i = 0; i < perClass; i++)
        {
            int k = c * perClass + i;
            float radius = (float)i / perClass;
            float angle = c * 2 * MathF.PI / Classes + radius * 4 + (float)r.NextNormal() * 0.15f;
            points[k, 0] = radius * MathF.Cos(angle);
            points[k, 1] = radius * MathF.Sin(angle);
            // A weak hint: the class index plus heavy noise, so the spiral branch has to do the work.
            hints[k] = c + (float)r.NextNormal() * 1.5f;
            labels[k] = c;
        }
    return (points, hints, labels);
}
