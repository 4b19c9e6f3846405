namespace Microsoft.ML.FunctionalDnn;

/// <summary>The element type of a tensor.</summary>
public enum DType
{
    /// <summary>32-bit float: all math and every gradient.</summary>
    Float32,

    /// <summary>32-bit integer: token ids, indices and sparse labels. Never differentiable.</summary>
    Int32,
}
