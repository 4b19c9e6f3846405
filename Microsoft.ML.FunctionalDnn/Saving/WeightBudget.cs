using Microsoft.ML.FunctionalDnn.Layers;

namespace Microsoft.ML.FunctionalDnn.Saving;

/// <summary>
/// Bounds what rebuilding a model from its config may allocate by what its weights file holds.
/// Before a layer is built, a lower bound of the weight values it will create (from its own
/// configuration and its input's feature size) is charged against the values the weights file
/// lists, so a config asking for a 2^28-row embedding or a 10^8-unit Dense is refused before the
/// allocation, not after gigabytes of it. The bounds are lower bounds, so a matching file always fits.
/// </summary>
internal sealed class WeightBudget(long values, string source)
{
    private double _left = values;

    /// <summary>Charges an unbuilt layer about to be called on an input of shape <paramref name="input"/>.</summary>
    /// <exception cref="InvalidDataException">The layer would create more weight values than the file holds.</exception>
    internal void Charge(Layer layer, TensorShape? input)
    {
        if (layer.Built) return;
        double needed = MinimumWeights(layer, input);
        if (needed > _left)
            throw new InvalidDataException($"'{source}': layer '{layer.Name}' ({layer.ClassName}) would create at least {needed:0} weight values, but the weights file holds only {_left:0} more; the config does not match the weights.");
        _left -= needed;
    }

    private static double MinimumWeights(Layer layer, TensorShape? input)
    {
        double features = input is { Rank: > 1 } s && s[-1] is int f ? f : 1;
        return layer switch
        {
            Dense d => d.Units * features,
            Embedding e => (double)e.InputDim * e.OutputDim,
            RecurrentLayer r => r.Units * (r.Units + features),
            Bidirectional b => MinimumWeights(b.Forward, input) + MinimumWeights(b.Backward, input),
            Conv1D c => c.Filters * c.KernelSize * features,
            Conv2D c => c.Filters * (double)c.KernelSize.H * c.KernelSize.W * features,
            Conv2DTranspose c => c.Filters * (double)c.KernelSize * c.KernelSize * features,
            SeparableConv1D c => c.Filters * features,
            SeparableConv2D c => c.Filters * features,
            DepthwiseConvolutionLayer c => (double)c.KernelSize * c.DepthMultiplier * features,
            BatchNormalization n => 2 * AxisSize(input, n.Axis),
            LayerNormalization n => ((n.Center ? 1 : 0) + (n.Scale ? 1 : 0)) * features,
            _ => 0,
        };
    }

    /// <summary>The size of <paramref name="axis"/> (negative counts from the end), or 0 when unknown or out of range; the layer reports a bad axis itself.</summary>
    private static double AxisSize(TensorShape? input, int axis)
    {
        if (input is null) return 0;
        int a = axis < 0 ? axis + input.Rank : axis;
        return a > 0 && a < input.Rank && input[a] is int size ? size : 0;
    }
}
