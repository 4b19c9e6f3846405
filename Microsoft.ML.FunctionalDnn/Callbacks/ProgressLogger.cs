using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Microsoft.ML.FunctionalDnn;

/// <summary>
/// Fit's console output (Keras's ProgbarLogger): <c>Epoch 3/10</c>, then
/// <c>38/38 ━━━━━━━━━━━━━━━━━━━━ 1s 12ms/step - loss: 0.2369 - accuracy: 0.9200</c>. With verbose 1 on
/// a terminal the line (with its bar) is redrawn after every batch; redirected output gets the
/// final line of each epoch; verbose 2 prints one line per epoch without the bar.
/// </summary>
public sealed class ProgressLogger(int verbose = 1, TextWriter? output = null) : Callback
{
    private const int BarWidth = 20;
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
        int total = Params?.Steps ?? _steps;
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{_steps}/{total} ");
        if (verbose == 1)
        {
            int done = total == 0 ? BarWidth : _steps * BarWidth / total;
            sb.Append('━', done).Append('─', BarWidth - done).Append(' ');
        }
        else sb.Append("- ");
        sb.Append(CultureInfo.InvariantCulture, $"{elapsed.TotalSeconds:F0}s {elapsed.TotalMilliseconds / Math.Max(1, _steps):F0}ms/step");
        foreach (var (key, value) in logs)
        {
            if (key == "learning_rate") continue;
            sb.Append(CultureInfo.InvariantCulture, $" - {key}: {value:F4}");
        }
        return sb.ToString();
    }
}
