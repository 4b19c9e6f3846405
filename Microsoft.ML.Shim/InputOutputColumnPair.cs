namespace Microsoft.ML;

/// <summary>An output column made from an input column (ML.NET's InputOutputColumnPair).</summary>
public sealed class InputOutputColumnPair
{
    /// <summary>A pair; the input defaults to the output's name.</summary>
    public InputOutputColumnPair(string outputColumnName, string? inputColumnName = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
        (OutputColumnName, InputColumnName) = (outputColumnName, inputColumnName ?? outputColumnName);
    }

    /// <summary>The column made.</summary>
    public string OutputColumnName { get; }

    /// <summary>The column read.</summary>
    public string InputColumnName { get; }
}
