namespace Microsoft.ML.FunctionalDnn.Optimizers;

/// <summary>Gradient clipping and decoupled weight decay, shared by every optimizer (Keras's base optimizer arguments).</summary>
public sealed record OptimizerOptions
{
    /// <summary>Each weight's gradient is rescaled so its L2 norm is at most this.</summary>
    public float? ClipNorm { get; init; }

    /// <summary>All gradients are rescaled together so their joint L2 norm is at most this.</summary>
    public float? GlobalClipNorm { get; init; }

    /// <summary>Each gradient element is clipped to [-value, value].</summary>
    public float? ClipValue { get; init; }

    /// <summary>Decoupled weight decay: w ← w - w·decay·lr before each update.</summary>
    public float? WeightDecay { get; init; }
}
