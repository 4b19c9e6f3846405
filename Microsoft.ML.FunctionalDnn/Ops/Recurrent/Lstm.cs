using System.Numerics.Tensors;
using Microsoft.ML.FunctionalDnn.Backends;
using Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

namespace Microsoft.ML.FunctionalDnn;

public static partial class Ops
{
    /// <summary>
    /// A whole Lstm sequence as one op, with Keras's parameter layout: kernel (features, 4·units),
    /// recurrent kernel (units, 4·units) and bias (4·units,), gates in the order i, f, c, o;
    /// sigmoid gates and tanh activation. The forward pass keeps the gates; backward is one BPTT pass.
    /// </summary>
    /// <param name="x">(batch, steps, features).</param>
    /// <param name="kernel">Input weights (features, 4·units).</param>
    /// <param name="recurrentKernel">Recurrent weights (units, 4·units).</param>
    /// <param name="bias">(4·units,), or null for none.</param>
    /// <param name="initialH">Initial hidden state (batch, units); zeros when null.</param>
    /// <param name="initialC">Initial cell state (batch, units); zeros when null.</param>
    /// <param name="returnSequences">Return every step's output rather than the last.</param>
    /// <param name="goBackwards">Process the sequence from its end.</param>
    /// <param name="mask">(batch, steps), non-zero for real steps: where it is 0 the states carry over unchanged and the output repeats the previous one (Keras's masking, e.g. from <c>Embedding(maskZero: true)</c>).</param>
    /// <returns>The output and the final states [h, c].</returns>
    public static RecurrentResult Lstm(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor? bias = null,
        Tensor? initialH = null, Tensor? initialC = null, bool returnSequences = false, bool goBackwards = false, Tensor? mask = null) => Backend.Current.Lstm(x, kernel, recurrentKernel, bias, initialH, initialC, returnSequences, goBackwards, mask);
}
