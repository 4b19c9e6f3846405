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
}
