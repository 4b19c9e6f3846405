using Microsoft.ML.FunctionalDnn.Saving;

namespace Microsoft.ML.FunctionalDnn;

/// <summary>Saving and loading on the model; each call forwards to <see cref="ModelSaving"/> (Saving/), as Keras's <c>model.save</c> calls <c>saving_api</c>.</summary>
public partial class Model
{
    /// <summary>
    /// Saves the model to one zip file, like Keras's <c>.keras</c>: <c>config.json</c> (the graph,
    /// Keras-3 shaped, and — for a model compiled with built-in losses — its compile config),
    /// <c>model.safetensors</c> (the weights by name), <c>metadata.json</c>, and with
    /// <paramref name="includeOptimizer"/> <c>optimizer.safetensors</c> (the optimizer's moments and
    /// step count, so training continues where it stopped). The file is written beside the target and
    /// renamed into place, so a crash never leaves a torn file.
    /// </summary>
    public void Save(string path, bool includeOptimizer = true) => ModelSaving.Save(this, path, includeOptimizer);

    /// <summary>
    /// Loads a model saved by <see cref="Save"/>: the same graph, layer names and weights, so its
    /// predictions are bit-identical; a model saved compiled comes back compiled, with its
    /// optimizer's state when it was saved. Loading never runs code from the file: Lambda layers take
    /// their function from <paramref name="customObjects"/> by the name they were saved under.
    /// Every entry's CRC-32 is verified, weights are read before the graph is rebuilt, and no layer is
    /// built that would create more weight values than the file holds (see docs/saving.md).
    /// </summary>
    /// <exception cref="InvalidDataException">
    /// The file is not a saved model, or a part of it is missing, corrupt or inconsistent; the message
    /// names the file, the entry and what inside it is wrong. Every malformed file ends in this type.
    /// </exception>
    public static Model Load(string path, IReadOnlyDictionary<string, Func<Tensor, Tensor>>? customObjects = null) =>
        ModelSaving.Load(path, customObjects);

    /// <summary>Writes every weight to a safetensors file (written to a temporary file, then renamed into place).</summary>
    public void SaveWeights(string path) => ModelSaving.SaveWeights(this, path);

    /// <summary>
    /// Loads weights saved by <see cref="SaveWeights"/> into this model. Every name, dtype and shape
    /// is checked before any weight changes, so a file that does not fit leaves the model as it was.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not valid safetensors, or its weights do not match this model (the message lists what differs).</exception>
    public void LoadWeights(string path) => ModelSaving.LoadWeights(this, path);
}
