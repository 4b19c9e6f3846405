namespace Microsoft.ML.FunctionalDnn.Transforms;

/// <summary>
/// A model file (.fdnn) held in memory: what pipeline saving stores inside ML.NET's zip, and the
/// estimator's copy of the untrained model. <see cref="Model.Save"/> and <see cref="Model.Load"/>
/// work on paths, so both go through a temporary file that is always deleted.
/// </summary>
internal static class ModelBytes
{
    /// <summary>The bytes of <paramref name="model"/>'s file.</summary>
    /// <exception cref="InvalidOperationException">The model cannot be saved (a Lambda layer without a function name).</exception>
    internal static byte[] Save(Model model)
    {
        string temporary = TemporaryPath();
        try
        {
            model.Save(temporary);
            return File.ReadAllBytes(temporary);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>The model in <paramref name="file"/>; errors name it <paramref name="name"/>, not the temporary file.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a valid model file.</exception>
    internal static Model Load(byte[] file, string name, IReadOnlyDictionary<string, Func<Tensor, Tensor>>? functions = null)
    {
        string temporary = TemporaryPath();
        try
        {
            File.WriteAllBytes(temporary, file);
            return Model.Load(temporary, functions);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException(e.Message.Replace(temporary, name, StringComparison.Ordinal), e);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static string TemporaryPath() => Path.Combine(Path.GetTempPath(), $"fdnn_{Guid.NewGuid():N}.fdnn");
}
