using Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

namespace Microsoft.ML.FunctionalDnn.Backends.Managed;

internal sealed partial class ManagedBackend
{
    public Tensor Relu(Tensor x) => Unary(x, new ReluOperator(), nameof(Relu));

    public Tensor LeakyRelu(Tensor x, float negativeSlope) =>
        Unary(x, new ScalarUnary<LeakyReluFunction>(new LeakyReluFunction(negativeSlope)), nameof(LeakyRelu));

    public Tensor Elu(Tensor x, float alpha) =>
        Unary(x, new ScalarUnary<EluFunction>(new EluFunction(alpha)), nameof(Elu));

    public Tensor Selu(Tensor x) =>
        Unary(x, new ScalarUnary<EluFunction>(new EluFunction(1.6732632423543772f, 1.0507009873554805f)), nameof(Selu));

    public Tensor Gelu(Tensor x, bool approximate) =>
        Unary(x, new ScalarUnary<GeluFunction>(new GeluFunction(approximate)), nameof(Gelu));

    public Tensor Sigmoid(Tensor x) => Unary(x, new SigmoidOperator(), nameof(Sigmoid));

    public Tensor HardSigmoid(Tensor x) =>
        Unary(x, new ScalarUnary<HardSigmoidFunction>(default), nameof(HardSigmoid));

    public Tensor Tanh(Tensor x) => Unary(x, new TanhOperator(), nameof(Tanh));

    public Tensor Softplus(Tensor x) =>
        Unary(x, new ScalarUnary<SoftplusFunction>(default), nameof(Softplus));

    public Tensor Softsign(Tensor x) =>
        Unary(x, new ScalarUnary<SoftsignFunction>(default), nameof(Softsign));

    public Tensor Swish(Tensor x) =>
        Unary(x, new ScalarUnary<SwishFunction>(default), nameof(Swish));
}
