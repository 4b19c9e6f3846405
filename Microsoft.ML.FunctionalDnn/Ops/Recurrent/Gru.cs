using System.Numerics.Tensors;
using Microsoft.ML.FunctionalDnn.Backends;
using Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

namespace Microsoft.ML.FunctionalDnn;

public static partial class Ops
{
    /// <summary>
    /// A whole Gru sequence as one op, in Keras's default form (<c>reset_after=True</c>): kernel
    /// (features, 3·units), recurrent kernel (units, 3·units), bias (2, 3·units) holding the input
    /// and recurrent biases; gates in the order z (update), r (reset), h (candidate).
    /// z = σ(xW_z + b_z + hU_z + b'_z), r likewise, ĥ = tanh(xW_h + b_h + r ⊙ (hU_h + b'_h)),
    /// h ← z ⊙ h + (1 - z) ⊙ ĥ.
    /// </summary>
    /// <param name="x">(batch, steps, features).</param>
    /// <param name="kernel">Input weights (features, 3·units).</param>
    /// <param name="recurrentKernel">Recurrent weights (units, 3·units).</param>
    /// <param name="bias">(2, 3·units): input bias then recurrent bias; null for none.</param>
    /// <param name="initialH">Initial state (batch, units); zeros when null.</param>
    /// <param name="returnSequences">Return every step's output rather than the last.</param>
    /// <param name="goBackwards">Process the sequence from its end.</param>
    /// <param name="mask">(batch, steps), non-zero for real steps; where it is 0 the state carries over unchanged.</param>
    /// <returns>The output and the final state [h].</returns>
    public static RecurrentResult Gru(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor? bias = null,
        Tensor? initialH = null, bool returnSequences = false, bool goBackwards = false, Tensor? mask = null) => Backend.Current.Gru(x, kernel, recurrentKernel, bias, initialH, returnSequences, goBackwards, mask);
}
