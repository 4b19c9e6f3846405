namespace Microsoft.ML.FunctionalDnn;

/// <summary>
/// The differentiable functions, like <c>keras.ops</c>: every op takes and returns tensors, records
/// its backward rule when an input requires gradients (see <see cref="GradMode"/>), and names the
/// shapes it received when they do not fit. Primitive ops dispatch to the process's backend, which
/// carries their forward and backward computations; composite ops (var, logsumexp, dropout …) are
/// written here once from primitives and need no backward rule of their own.
/// </summary>
public static partial class Ops;
