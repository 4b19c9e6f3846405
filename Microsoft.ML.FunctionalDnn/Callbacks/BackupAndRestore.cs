using Microsoft.ML.FunctionalDnn.Saving;

namespace Microsoft.ML.FunctionalDnn.Callbacks;

/// <summary>
/// Lets an interrupted Fit resume (Keras's BackupAndRestore): after every epoch, the weights, the
/// optimizer's state and the epoch number go to one file in <paramref name="backupDir"/>, written
/// atomically, so a kill at any moment leaves either the previous backup or the new one, whole;
/// when Fit starts and a backup exists, it is restored and training continues with the next epoch.
/// Because Fit's shuffling and dropout depend only on the seed and the epoch, a resumed run ends
/// with the same weights as one that was never interrupted. The backup is deleted when training
/// ends normally unless <paramref name="deleteCheckpoint"/> is false.
/// </summary>
public sealed class BackupAndRestore(string backupDir, bool deleteCheckpoint = true) : Callback
{
    private const string EpochKey = "backup/epoch";

    private string StatePath => Path.Combine(backupDir, "backup.safetensors");

    /// <summary>The epoch training resumed after, or null when it started fresh.</summary>
    public int? RestoredEpoch { get; private set; }

    /// <inheritdoc/>
    public override void OnTrainBegin(IReadOnlyDictionary<string, float> logs)
    {
        RestoredEpoch = null;
        if (!File.Exists(StatePath)) return;
        var state = SafeTensors.Read(StatePath);
        int epoch = state.Remove(EpochKey, out var epochTensor) && epochTensor.DType == DType.Int32 && epochTensor.Size == 1 ? epochTensor.ToIntArray()[0] : -1;
        if (epoch < 0)
            throw new InvalidDataException($"BackupAndRestore: '{StatePath}' has no valid '{EpochKey}' entry; delete the backup directory to start afresh.");
        var weights = Model.NamedWeights();
        var optimizerState = state.Where(p => p.Key.StartsWith("optimizer/", StringComparison.Ordinal)).ToDictionary(p => p.Key, p => p.Value);
        ModelSaving.AssignWeights(Model, state.Where(p => !p.Key.StartsWith("optimizer/", StringComparison.Ordinal)).ToDictionary(p => p.Key, p => p.Value), StatePath);
        Model.Optimizer?.ImportState(optimizerState, weights);
        RestoredEpoch = epoch;
        Model.Trainer.ResumeAtEpoch = epoch + 1;
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, float> logs)
    {
        Directory.CreateDirectory(backupDir);
        var weights = Model.NamedWeights();
        var state = weights.Concat(Model.Optimizer?.ExportState(weights) ?? []).Append(new(EpochKey, Tensor.FromArray(new[] { epoch }))).ToList();
        SafeTensors.WriteAtomically(StatePath, s => SafeTensors.Write(s, state));
    }

    /// <inheritdoc/>
    public override void OnTrainEnd(IReadOnlyDictionary<string, float> logs)
    {
        if (deleteCheckpoint && File.Exists(StatePath)) File.Delete(StatePath);
    }
}
