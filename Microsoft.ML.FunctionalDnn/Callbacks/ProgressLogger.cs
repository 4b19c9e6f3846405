using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Microsoft.ML.FunctionalDnn;

/// <summary>
/// Fit's console output (Keras's ProgbarLogger): <c>Epoch 3/10</c>, then a line with the step
/// count, elapsed time, time per step and the running logs. With verbose 1 on a terminal the line
/// is redrawn after every batch; redirected output and verbose 2 get one line per epoch.
/// </summary>
public sealed class ProgressLogger(int verbose = 1, TextWriter? output = null) : Callback
{
    private readonly TextWriter _out = output ?? Console.Out;
    private readonly bool _live = verbose == 1 && output is null && !Console.IsOutputRedirected;
    private readonly Stopwatch _clock = new();
    private int _steps;

    /// <inheritdoc/>
    public override void OnEpochBegin(int epoch, IReadOnlyDictionary<string, float> logs)
    {
        _out.WriteLine($"Epoch {epoch + 1}/{Params?.Epochs.ToString(CultureInfo.InvariantCulture) ?? "?"}");
        _steps = 0;
        _clock.Restart();
    }

    /// <inheritdoc/>
    public override void OnTrainBatchEnd(int batch, IReadOnlyDictionary<string, float> logs)
    {
        _steps = batch + 1;
        if (_live) _out.Write("\r" + Line(logs) + "   ");
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, float> logs)
    {
        if (_live) _out.Write("\r");
        _out.WriteLine(Line(logs));
    }

    private string Line(IReadOnlyDictionary<string, float> logs)
    {
        var elapsed = _clock.Elapsed;
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{_steps}/{Params?.Steps ?? _steps} - {elapsed.TotalSeconds:F0}s {elapsed.TotalMilliseconds / Math.Max(1, _steps):F0}ms/step");
        foreach (var (key, value) in logs)
        {
            if (key == "learning_rate") continue;
            sb.Append(CultureInfo.InvariantCulture, $" - {key}: {value:F4}");
        }
        return sb.ToString();
    }
}
