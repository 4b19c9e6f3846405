namespace Microsoft.ML.FunctionalDnn.Tuning;

/// <summary>
/// Gaussian-process regression on points of the unit cube, with a Matérn 5/2 kernel: targets are
/// standardized, the length scale is the one (of a small grid) that maximizes the marginal
/// likelihood, and <c>alpha</c> is added to the diagonal for noise. Small problems only (the
/// trials of a search): O(n³) in the number of observations.
/// </summary>
internal sealed class GaussianProcess
{
    private static readonly double[] LengthScales = [0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 1.2, 2.0];
    private readonly double[][] _x;
    private readonly double[,] _cholesky;
    private readonly double[] _weights;
    private readonly double _mean, _scale;

    internal GaussianProcess(IReadOnlyList<double[]> x, IReadOnlyList<double> y, double alpha)
    {
        if (x.Count == 0 || x.Count != y.Count) throw new ArgumentException("A Gaussian process needs as many targets as points, at least one.");
        _x = [.. x];
        _mean = y.Average();
        double variance = y.Sum(v => (v - _mean) * (v - _mean)) / y.Count;
        _scale = variance > 1e-300 ? Math.Sqrt(variance) : 1;
        var target = y.Select(v => (v - _mean) / _scale).ToArray();
        double bestLikelihood = double.NegativeInfinity;
        (double[,] L, double[] W, double Length)? best = null;
        foreach (double length in LengthScales)
        {
            var k = Covariance(length, alpha);
            if (!TryCholesky(k, out var l)) continue;
            var w = Solve(l, target);
            // log p(y) = -½ yᵀK⁻¹y − Σ log Lᵢᵢ − n/2 log 2π
            double likelihood = -0.5 * target.Zip(w, (a, b) => a * b).Sum() - Enumerable.Range(0, target.Length).Sum(i => Math.Log(l[i, i]));
            if (likelihood > bestLikelihood) (bestLikelihood, best) = (likelihood, (l, w, length));
        }
        var chosen = best ?? throw new InvalidOperationException("The Gaussian process's covariance is not positive definite; increase alpha.");
        (_cholesky, _weights, LengthScale) = (chosen.L, chosen.W, chosen.Length);
    }

    /// <summary>The length scale chosen by the marginal likelihood.</summary>
    internal double LengthScale { get; }

    /// <summary>The posterior mean and standard deviation at <paramref name="point"/>, in the targets' units.</summary>
    internal (double Mean, double StdDev) Predict(double[] point)
    {
        var k = _x.Select(p => Kernel(p, point, LengthScale)).ToArray();
        double mean = k.Zip(_weights, (a, b) => a * b).Sum();
        var v = ForwardSubstitute(_cholesky, k);
        double variance = Math.Max(1e-12, 1 - v.Sum(a => a * a));
        return (_mean + _scale * mean, _scale * Math.Sqrt(variance));
    }

    private static double Kernel(double[] a, double[] b, double length)
    {
        double d2 = 0;
        for (int i = 0; i < a.Length; i++) d2 += (a[i] - b[i]) * (a[i] - b[i]);
        double r = Math.Sqrt(5 * d2) / length;
        return (1 + r + r * r / 3) * Math.Exp(-r);
    }

    private double[,] Covariance(double length, double alpha)
    {
        int n = _x.Length;
        var k = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++) k[i, j] = k[j, i] = Kernel(_x[i], _x[j], length) + (i == j ? alpha + 1e-9 : 0);
        return k;
    }

    private static bool TryCholesky(double[,] a, out double[,] l)
    {
        int n = a.GetLength(0);
        l = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++)
            {
                double sum = a[i, j];
                for (int k = 0; k < j; k++) sum -= l[i, k] * l[j, k];
                if (i == j)
                {
                    if (sum <= 0) return false;
                    l[i, i] = Math.Sqrt(sum);
                }
                else l[i, j] = sum / l[j, j];
            }
        return true;
    }

    private static double[] ForwardSubstitute(double[,] l, IReadOnlyList<double> b)
    {
        int n = b.Count;
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            double sum = b[i];
            for (int k = 0; k < i; k++) sum -= l[i, k] * y[k];
            y[i] = sum / l[i, i];
        }
        return y;
    }

    /// <summary>K⁻¹b through the Cholesky factor: L y = b, then Lᵀ x = y.</summary>
    private static double[] Solve(double[,] l, IReadOnlyList<double> b)
    {
        var y = ForwardSubstitute(l, b);
        int n = y.Length;
        var x = new double[n];
        for (int i = n - 1; i >= 0; i--)
        {
            double sum = y[i];
            for (int k = i + 1; k < n; k++) sum -= l[k, i] * x[k];
            x[i] = sum / l[i, i];
        }
        return x;
    }
}
