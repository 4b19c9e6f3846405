namespace Microsoft.ML.FunctionalDnn.Callbacks;

/// <summary>What a Fit call was asked to do, as callbacks see it (Keras's <c>callback.params</c>).</summary>
/// <param name="Epochs">The epoch count Fit runs up to.</param>
/// <param name="Steps">Batches per epoch.</param>
/// <param name="Verbose">0 silent, 1 per batch, 2 per epoch.</param>
public sealed record TrainingParams(int Epochs, int Steps, int Verbose);
