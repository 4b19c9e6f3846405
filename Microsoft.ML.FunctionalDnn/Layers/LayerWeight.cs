namespace Microsoft.ML.FunctionalDnn.Layers;

/// <summary>A weight of a layer: its name (e.g. <c>kernel</c>), its values, and whether training updates it.</summary>
/// <param name="Name">The weight's name within its layer (<c>kernel</c>, <c>bias</c>, <c>moving_mean</c> …).</param>
/// <param name="Value">The tensor holding the weight; trainable weights require gradients.</param>
/// <param name="Trainable">False for statistics such as BatchNormalization's moving mean.</param>
public sealed record LayerWeight(string Name, Tensor Value, bool Trainable);
