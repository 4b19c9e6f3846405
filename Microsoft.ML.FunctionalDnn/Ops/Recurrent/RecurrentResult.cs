namespace Microsoft.ML.FunctionalDnn;

/// <summary>What a fused recurrent op returns: its output and its final states.</summary>
/// <param name="Output">(batch, steps, units) with <c>returnSequences</c>, else the last output (batch, units). With <c>goBackwards</c> the sequence is in processing (reversed) order, as in Keras.</param>
/// <param name="States">The final states, (batch, units) each: [h] for SimpleRnn and Gru, [h, c] for Lstm.</param>
public sealed record RecurrentResult(Tensor Output, IReadOnlyList<Tensor> States);
