using Microsoft.ML.FunctionalDnn.Backends;
using TorchSharp;
using static Microsoft.ML.FunctionalDnn.Backends.OpChecks;
using F = TorchSharp.torch.nn.functional;
using TT = TorchSharp.torch.Tensor;

namespace Microsoft.ML.FunctionalDnn.TorchSharp;

// Batch and layer normalization over the last (channel) axis, as Keras's layers normalize.
internal sealed partial class TorchBackend
{
    public Tensor LayerNorm(Tensor x, Tensor? gamma, Tensor? beta, float epsilon)
    {
        ArgumentNullException.ThrowIfNull(x);
        RequireFloat(x, nameof(LayerNorm));
        int c = x.Shape[-1];
        CheckChannels(gamma, c, nameof(gamma), x);
        CheckChannels(beta, c, nameof(beta), x);
        return Wrap(F.layer_norm(T(x), [c], TOrNull(gamma), TOrNull(beta), epsilon));
    }

    public Tensor BatchNormInference(Tensor x, Tensor mean, Tensor variance, Tensor? gamma, Tensor? beta, float epsilon)
    {
        ArgumentNullException.ThrowIfNull(x);
        int c = x.Shape[-1];
        CheckChannels(mean, c, nameof(mean), x);
        CheckChannels(variance, c, nameof(variance), x);
        CheckChannels(gamma, c, nameof(gamma), x);
        CheckChannels(beta, c, nameof(beta), x);
        // Keras's formula, (x - mean) · γ / √(var + ε) + β, on channels-last data.
        var scale = (gamma is null ? torch.ones(c, torch.ScalarType.Float32, TorchDevice) : T(gamma)) / torch.sqrt(T(variance) + epsilon);
        var y = (T(x) - T(mean)) * scale;
        return Wrap(beta is null ? y : y + T(beta));
    }

    public Tensor BatchNormTraining(Tensor x, Tensor? gamma, Tensor? beta, float epsilon, out Tensor batchMean, out Tensor batchVariance)
    {
        ArgumentNullException.ThrowIfNull(x);
        RequireFloat(x, nameof(BatchNormTraining));
        int c = x.Shape[-1];
        CheckChannels(gamma, c, nameof(gamma), x);
        CheckChannels(beta, c, nameof(beta), x);
        // Channels last: the (rows, channels) view puts the channel on axis 1, where libtorch's
        // batch_norm normalizes; it uses the biased (population) variance, as Keras does.
        var rows = T(x).reshape(-1, c);
        var y = F.batch_norm(rows, null, null, TOrNull(gamma), TOrNull(beta), training: true, eps: epsilon);
        using (torch.no_grad())
        {
            var (variance, mean) = rows.detach().var_mean([0L], unbiased: false);
            batchMean = Wrap(mean);
            batchVariance = Wrap(variance);
        }
        return Wrap(y.reshape(Dims(x.Shape)));
    }

    public Tensor BatchNormTraining(Tensor x, Tensor keep, Tensor? gamma, Tensor? beta, float epsilon, out Tensor batchMean, out Tensor batchVariance)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(keep);
        RequireFloat(x, nameof(BatchNormTraining));
        int c = x.Shape[-1];
        CheckChannels(gamma, c, nameof(gamma), x);
        CheckChannels(beta, c, nameof(beta), x);
        // Statistics over the kept (unmasked) positions only, as Keras 3's masked BatchNormalization.
        var axes = Enumerable.Range(0, x.Rank - 1).Select(a => (long)a).ToArray();
        var xt = T(x);
        // Any non-zero keep value keeps a position, as the managed engine's Where does; no gradient flows into keep.
        var k = T(BroadcastTo(Wrap(T(keep).detach().ne(0).to_type(torch.ScalarType.Float32)), x.Shape));
        var count = k.sum(axes) + 1e-7f;
        var mean = (xt * k).sum(axes) / count;
        var centered = xt - mean;
        var variance = (centered * k).square().sum(axes) / count;
        batchMean = Wrap(mean);
        batchVariance = Wrap(variance);
        var scale = (gamma is null ? torch.ones(c, torch.ScalarType.Float32, TorchDevice) : T(gamma)) / torch.sqrt(variance + epsilon);
        var y = centered * scale;
        return Wrap(beta is null ? y : y + T(beta));
    }

    private static void CheckChannels(Tensor? v, int channels, string name, Tensor x)
    {
        if (v is not null && (v.Rank != 1 || v.Shape[0] != channels))
            throw new ArgumentException($"Normalization: {name} must have shape ({channels},) to match the last axis of the input {x.Shape}; received {v.Shape}.", name);
    }
}
