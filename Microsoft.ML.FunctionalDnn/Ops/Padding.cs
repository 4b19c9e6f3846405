namespace Microsoft.ML.FunctionalDnn;

/// <summary>Padding modes of convolution and pooling, as in Keras.</summary>
public enum Padding
{
    /// <summary>No padding: windows lie wholly inside the input.</summary>
    Valid,

    /// <summary>Zero padding (split evenly, the extra one after) so the output length is ceil(input / stride).</summary>
    Same,

    /// <summary>1-D only: all padding before the sequence, so output t sees inputs up to t.</summary>
    Causal,
}
