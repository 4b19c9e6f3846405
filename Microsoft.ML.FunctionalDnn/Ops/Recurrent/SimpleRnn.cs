using System.Numerics.Tensors;
using Microsoft.ML.FunctionalDnn.Backends;
using Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

namespace Microsoft.ML.FunctionalDnn;

public static partial class Ops
{
    /// <summary>
    /// A whole fully connected RNN sequence as one op: h ← tanh(xW + b + hU), with Keras's layout
    /// (kernel (features, units), recurrent kernel (units, units), bias (units,)).
    /// </summary>
    /// <param name="x">(batch, steps, features).</param>
    /// <param name="kernel">Input weights (features, units).</param>
    /// <param name="recurrentKernel">Recurrent weights (units, units).</param>
    /// <param name="bias">(units,), or null for none.</param>
    /// <param name="initialH">Initial state (batch, units); zeros when null.</param>
    /// <param name="returnSequences">Return every step's output rather than the last.</param>
    /// <param name="goBackwards">Process the sequence from its end.</param>
    /// <param name="mask">(batch, steps), non-zero for real steps; where it is 0 the state carries over unchanged.</param>
    /// <returns>The output and the final state [h].</returns>
    public static RecurrentResult SimpleRnn(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor? bias = null,
        Tensor? initialH = null, bool returnSequences = false, bool goBackwards = false, Tensor? mask = null) => Backend.Current.SimpleRnn(x, kernel, recurrentKernel, bias, initialH, returnSequences, goBackwards, mask);
}
