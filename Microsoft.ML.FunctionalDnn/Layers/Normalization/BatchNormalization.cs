using Microsoft.ML.FunctionalDnn.Initializers;

namespace Microsoft.ML.FunctionalDnn.Layers;

/// <summary>
/// Batch normalization (Keras's <c>layers.BatchNormalization</c>): in training, normalizes each
/// feature of <see cref="Axis"/> by the batch's mean and variance and updates the moving
/// statistics (moving = moving · momentum + batch · (1 - momentum)); at inference, uses the moving
/// statistics. With a mask in training, only the unmasked positions make the batch statistics (Keras 3).
/// Weights: gamma and beta (trainable), moving_mean and moving_variance (not trainable).
/// </summary>
public sealed class BatchNormalization(int axis = -1, float momentum = 0.99f, float epsilon = 1e-3f, bool center = true, bool scale = true, string? name = null) : Layer(name)
{
    private Tensor? _gamma, _beta;
    private Tensor _movingMean = null!, _movingVariance = null!;
    private int _axis;

    /// <summary>The feature axis (the channels, last by default).</summary>
    public int Axis { get; } = axis;

    /// <summary>How much of the moving statistics each training batch keeps.</summary>
    public float Momentum { get; } = momentum is >= 0 and <= 1 ? momentum : throw new ArgumentOutOfRangeException(nameof(momentum), $"Momentum must be in [0, 1]; received {momentum}.");

    /// <summary>Added to the variance before the square root.</summary>
    public float Epsilon { get; } = epsilon > 0 ? epsilon : throw new ArgumentOutOfRangeException(nameof(epsilon), $"Epsilon must be positive; received {epsilon}.");

    /// <summary>Whether beta is added.</summary>
    public bool Center { get; } = center;

    /// <summary>Whether gamma multiplies.</summary>
    public bool Scale { get; } = scale;

    /// <inheritdoc/>
    protected override bool PropagatesMask => true;

    /// <inheritdoc/>
    protected override IEnumerable<KeyValuePair<string, object?>> ConfigEntries() =>
        [
            new("axis", Axis),
            new("momentum", Momentum),
            new("epsilon", Epsilon),
            new("center", Center),
            new("scale", Scale),
        ];

    /// <inheritdoc/>
    protected override void Build(TensorShape inputShape)
    {
        _axis = Shape.NormalizeAxis(Axis, inputShape.Rank);
        if (_axis == 0) throw Error("cannot normalize along the batch axis.");
        int features = inputShape[_axis] ?? throw Error($"axis {Axis} of the input must be known; received {inputShape}.");
        var shape = new Shape(features);
        if (Scale) _gamma = AddWeight("gamma", shape, Initializer.Ones);
        if (Center) _beta = AddWeight("beta", shape, Initializer.Zeros);
        _movingMean = AddWeight("moving_mean", shape, Initializer.Zeros, trainable: false);
        _movingVariance = AddWeight("moving_variance", shape, Initializer.Ones, trainable: false);
    }

    /// <inheritdoc/>
    protected override Tensor Call(Tensor input, bool training) => Normalize(input, training, null);

    /// <inheritdoc/>
    protected internal override (IReadOnlyList<Tensor> Outputs, Tensor? Mask) CallMasked(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?> masks, bool training) =>
        training && masks[0] is { } mask ? ([Normalize(inputs[0], training, mask)], mask) : base.CallMasked(inputs, masks, training);

    /// <summary>
    /// Normalizes with the batch's moments (training) or the moving ones. In training with a mask
    /// (batch, …) over every axis but the last, the moments and the moving statistics come from the
    /// unmasked positions only, as in Keras 3.
    /// </summary>
    private Tensor Normalize(Tensor input, bool training, Tensor? mask)
    {
        // The ops normalize the last axis; another feature axis is moved there and back.
        int rank = input.Rank;
        int[]? perm = _axis == rank - 1 ? null : [.. Enumerable.Range(0, rank).Where(d => d != _axis), _axis];
        var x = perm is null ? input : Ops.Transpose(input, perm);
        Tensor y;
        if (training)
        {
            Tensor mean, variance;
            if (mask is null)
            {
                y = Ops.BatchNormTraining(x, _gamma, _beta, Epsilon, out mean, out variance);
            }
            else
            {
                // Keras lines the mask up with the input's leading axes and spreads it over the last one.
                var keep = Ops.BroadcastTo(Ops.MaskIndicator(mask, input, Describe), input.Shape);
                y = Ops.BatchNormTraining(x, perm is null ? keep : Ops.Transpose(keep, perm), _gamma, _beta, Epsilon, out mean, out variance);
            }
            using (GradMode.NoGrad())
            {
                Blend(_movingMean, mean);
                Blend(_movingVariance, variance);
            }
        }
        else
        {
            y = Ops.BatchNormInference(x, _movingMean, _movingVariance, _gamma, _beta, Epsilon);
        }
        if (perm is null) return y;
        var inverse = new int[rank];
        for (int i = 0; i < rank; i++) inverse[perm[i]] = i;
        return Ops.Transpose(y, inverse);
    }

    /// <summary>Keras 3's update, <c>moving.assign(moving · momentum + batch · (1 - momentum))</c>.</summary>
    private void Blend(Tensor moving, Tensor batch) =>
        moving.Assign(Ops.Add(Ops.Multiply(moving, Tensor.Scalar(Momentum)), Ops.Multiply(batch, Tensor.Scalar(1 - Momentum))));
}
