using System.Diagnostics;
using System.Globalization;
using System.Text;
using Spectre.Console;

namespace Microsoft.ML.FunctionalDnn.Callbacks;

/// <summary>
/// Fit's console output (Keras's ProgbarLogger): <c>Epoch 3/10</c>, then
/// <c>38/38 ━━━━━━━━━━━━━━━━━━━━ 1s 12ms/step - loss: 0.2369 - accuracy: 0.9200</c>. With verbose 1 on
/// a terminal, a Spectre.Console progress bar with the running logs and the time left is live
/// during each epoch; redirected output gets the final line of each epoch; verbose 2 prints one
/// line per epoch without the bar.
/// </summary>
public sealed class ProgressLogger(int verbose = 1, TextWriter? output = null) : Callback
{
    private const int BarWidth = 20;
    private readonly TextWriter _out = output ?? Console.Out;
    private readonly bool _live = verbose == 1 && output is null && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
    private readonly Stopwatch _clock = new();
    private int _steps;
    private LiveEpoch? _liveEpoch;

    /// <inheritdoc/>
    public override void OnEpochBegin(int epoch, IReadOnlyDictionary<string, float> logs)
    {
        string title = $"Epoch {epoch + 1}/{Params?.Epochs.ToString(CultureInfo.InvariantCulture) ?? "?"}";
        _steps = 0;
        _clock.Restart();
        if (_live)
        {
            AnsiConsole.WriteLine(title);
            _liveEpoch = new LiveEpoch(Params?.Steps ?? 1);
        }
        else _out.WriteLine(title);
    }

    /// <inheritdoc/>
    public override void OnTrainBatchEnd(int batch, IReadOnlyDictionary<string, float> logs)
    {
        _steps = batch + 1;
        _liveEpoch?.Update(_steps, Metrics(logs));
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, float> logs)
    {
        if (_liveEpoch is not null)
        {
            _liveEpoch.Finish();
            _liveEpoch = null;
            AnsiConsole.WriteLine(Line(logs));
            return;
        }
        _out.WriteLine(Line(logs));
    }

    /// <inheritdoc/>
    public override void OnTrainEnd(IReadOnlyDictionary<string, float> logs)
    {
        _liveEpoch?.Finish();
        _liveEpoch = null;
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
        sb.Append(Metrics(logs));
        return sb.ToString();
    }

    private static string Metrics(IReadOnlyDictionary<string, float> logs)
    {
        var sb = new StringBuilder();
        foreach (var (key, value) in logs)
            if (key != "learning_rate") sb.Append(CultureInfo.InvariantCulture, $" - {key}: {value:F4}");
        return sb.ToString();
    }

    /// <summary>A Spectre.Console progress display for one epoch, running on its own task while Fit runs the batches.</summary>
    private sealed class LiveEpoch
    {
        private readonly TaskCompletionSource _done = new();
        private readonly Task _display;
        private readonly ProgressTask _task;

        internal LiveEpoch(int steps)
        {
            var ready = new TaskCompletionSource<ProgressTask>();
            _display = Task.Run(() => AnsiConsole.Progress()
                .AutoClear(true)
                .HideCompleted(true)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    ready.SetResult(ctx.AddTask($"0/{steps}", maxValue: steps));
                    _done.Task.Wait();
                }));
            _task = ready.Task.Result;
        }

        internal void Update(int step, string metrics)
        {
            _task.Value = step;
            _task.Description = Markup.Escape($"{step}/{_task.MaxValue}{metrics}");
        }

        internal void Finish()
        {
            if (_done.Task.IsCompleted) return;
            _task.Value = _task.MaxValue;
            _done.SetResult();
            _display.Wait();
        }
    }
}
