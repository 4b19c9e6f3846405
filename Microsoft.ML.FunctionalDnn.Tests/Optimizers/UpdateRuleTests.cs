using Microsoft.ML.FunctionalDnn.Optimizers;

namespace Microsoft.ML.FunctionalDnn.Tests.Optimizers;

/// <summary>
/// Each optimizer's update, a few steps on a small tensor, against a plain scalar reference of
/// Keras 3's formula (keras/src/optimizers/*.py, update_step) computed in double.
/// </summary>
[TestClass]
public sealed class UpdateRuleTests
{
    private static readonly float[] Start = [1f, -0.5f, 0.25f, 2f, -1.5f, 0f];

    // Signs and magnitudes vary per element and per step so every term of each rule matters.
    private static readonly float[][] Gradients =
    [
        [0.5f, -0.2f, 0.01f, 1.5f, -0.7f, 0.3f],
        [-0.25f, -0.1f, 0.4f, 0.9f, 0.2f, -0.05f],
        [0.1f, 0.6f, -0.3f, -1.2f, 0.05f, 0.8f],
        [0.3f, -0.4f, 0.2f, 0.1f, -0.9f, 0.0f],
    ];

    /// <summary>The Keras rule for one element: (weight, gradient, slots, step from 1) → new weight, updating the slots.</summary>
    private delegate double Rule(double w, double g, double[] slots, int step);

    /// <summary>Runs the optimizer and the scalar rule side by side and compares the weights after every step.</summary>
    private static void Check(Optimizer optimizer, int slotCount, Rule rule, double initialSlot = 0, Action<int>? beginStep = null)
    {
        var w = Tensor.FromArray(Start, new Shape(2, 3));
        var expected = Start.Select(v => (double)v).ToArray();
        var slots = Start.Select(_ => Enumerable.Repeat(initialSlot, slotCount).ToArray()).ToArray();
        for (int step = 1; step <= Gradients.Length; step++)
        {
            var g = Gradients[step - 1];
            optimizer.Apply([Tensor.FromArray(g, new Shape(2, 3))], [w]);
            beginStep?.Invoke(step);
            for (int i = 0; i < expected.Length; i++) expected[i] = rule(expected[i], g[i], slots[i], step);
            var actual = w.ToArray();
            for (int i = 0; i < expected.Length; i++)
                Assert.AreEqual(expected[i], actual[i], 2e-6 + 2e-6 * Math.Abs(expected[i]), $"{optimizer.Name}, step {step}, element {i}");
        }
        Assert.AreEqual(Gradients.Length, optimizer.Iterations);
    }

    [TestMethod]
    public void Sgd() => Check(new Sgd(0.1f), 0, (w, g, _, _) => w - 0.1 * g);

    [TestMethod]
    public void SgdWithMomentum()
    {
        double lr = 0.1f, mu = 0.9f;
        Check(new Sgd(0.1f, momentum: 0.9f), 1, (w, g, s, _) =>
        {
            s[0] = s[0] * mu - g * lr;
            return w + s[0];
        });
    }

    [TestMethod]
    public void SgdWithNesterovMomentum()
    {
        double lr = 0.1f, mu = 0.9f;
        Check(new Sgd(0.1f, momentum: 0.9f, nesterov: true), 1, (w, g, s, _) =>
        {
            s[0] = s[0] * mu - g * lr;
            return w + (s[0] * mu - g * lr);
        });
    }

    [TestMethod]
    public void Rmsprop()
    {
        double lr = 0.01f, rho = 0.9f, eps = 1e-7f;
        Check(new RmsProp(0.01f), 1, (w, g, s, _) =>
        {
            s[0] = rho * s[0] + (1 - rho) * g * g;
            return w - lr * g / Math.Sqrt(s[0] + eps);
        });
    }

    [TestMethod]
    public void RmspropWithMomentum()
    {
        double lr = 0.01f, rho = 0.9f, mu = 0.5f, eps = 1e-7f;
        Check(new RmsProp(0.01f, momentum: 0.5f), 2, (w, g, s, _) =>
        {
            s[0] = rho * s[0] + (1 - rho) * g * g;
            s[1] = mu * s[1] + lr * g / Math.Sqrt(s[0] + eps);
            return w - s[1];
        });
    }

    private static Rule AdamRule(double lr, double decay = 0)
    {
        double b1 = 0.9f, b2 = 0.999f, eps = 1e-7f;
        return (w, g, s, t) =>
        {
            w -= w * decay * lr;
            double alpha = lr * Math.Sqrt(1 - Math.Pow(b2, t)) / (1 - Math.Pow(b1, t));
            s[0] += (g - s[0]) * (1 - b1);
            s[1] += (g * g - s[1]) * (1 - b2);
            return w - s[0] * alpha / (Math.Sqrt(s[1]) + eps);
        };
    }

    [TestMethod]
    public void Adam() => Check(new Adam(0.05f), 2, AdamRule(0.05f));

    [TestMethod]
    public void AdamW() => Check(new AdamW(0.05f, weightDecay: 0.2f), 2, AdamRule(0.05f, decay: 0.2f));

    [TestMethod]
    public void Adagrad()
    {
        double lr = 0.1f, eps = 1e-7f;
        Check(new Adagrad(0.1f), 1, (w, g, s, _) =>
        {
            s[0] += g * g;
            return w - lr * g / Math.Sqrt(s[0] + eps);
        }, initialSlot: 0.1f);
    }

    [TestMethod]
    public void Adadelta()
    {
        double lr = 1f, rho = 0.95f, eps = 1e-7f;
        Check(new Adadelta(1f), 2, (w, g, s, _) =>
        {
            s[0] = rho * s[0] + (1 - rho) * g * g;
            double delta = -(Math.Sqrt(s[1] + eps) * g / Math.Sqrt(s[0] + eps));
            s[1] = rho * s[1] + (1 - rho) * delta * delta;
            return w + lr * delta;
        });
    }

    [TestMethod]
    public void Nadam()
    {
        double lr = 0.05f, b1 = 0.9f, b2 = 0.999f, eps = 1e-7f;
        double U(int t) => b1 * (1 - 0.5 * Math.Pow(0.96, t));
        double product = 1;
        Check(new Nadam(0.05f), 2, (w, g, s, t) =>
        {
            s[0] += (g - s[0]) * (1 - b1);
            s[1] += (g * g - s[1]) * (1 - b2);
            double mHat = U(t + 1) * s[0] / (1 - product * U(t + 1)) + (1 - U(t)) * g / (1 - product);
            double vHat = s[1] / (1 - Math.Pow(b2, t));
            return w - mHat * lr / (Math.Sqrt(vHat) + eps);
        }, beginStep: t => product *= U(t));
    }
}
