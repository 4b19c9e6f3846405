namespace Microsoft.ML.FunctionalDnn.Optimizers;

/// <summary>
/// Keras 3's gradient clipping as ops (its base optimizer's <c>clipvalue</c>, <c>_clip_by_norm</c> and
/// <c>clip_by_global_norm</c>). Each returns new tensors; the gradients passed in are only read.
/// </summary>
internal static class GradientClipping
{
    /// <summary>Each element clipped to [-<paramref name="value"/>, <paramref name="value"/>].</summary>
    internal static Tensor ByValue(Tensor gradient, float value) => Ops.Clip(gradient, -value, value);

    /// <summary>g·c / max(‖g‖, c): rescaled so its L2 norm is at most <paramref name="clipNorm"/>.</summary>
    internal static Tensor ByNorm(Tensor gradient, float clipNorm)
    {
        var norm = Ops.Sqrt(Ops.Sum(Ops.Square(gradient)));
        return gradient * clipNorm / Ops.Maximum(norm, Tensor.Scalar(clipNorm));
    }

    /// <summary>
    /// Every gradient times c·min(1/‖G‖, 1/c), where ‖G‖ is the norm of all of them together; the
    /// added (‖G‖ - ‖G‖) turns the scale into NaN when the norm is not finite, as Keras does.
    /// </summary>
    internal static Tensor[] ByGlobalNorm(IReadOnlyList<Tensor> gradients, float clipNorm)
    {
        var norm = Ops.Sqrt(Ops.Sum(Ops.Stack([.. gradients.Select(g => Ops.Sum(Ops.Square(g)))])));
        var scale = clipNorm * Ops.Minimum(1 / norm, Tensor.Scalar(1 / clipNorm)) + (norm - norm);
        return [.. gradients.Select(g => g * scale)];
    }
}
