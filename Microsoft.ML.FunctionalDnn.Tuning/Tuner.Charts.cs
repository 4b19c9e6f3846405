using System.Globalization;
using Microsoft.ML.FunctionalDnn.Visualization;
using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Series;

namespace Microsoft.ML.FunctionalDnn.Tuning;

// A tuner's search as charts (OxyPlot, through the core library's chart helpers): KerasTuner leaves these
// to TensorBoard's HParams view and matplotlib.
public abstract partial class Tuner
{
    /// <summary>
    /// Writes the objective of every scored trial, in the order the trials ran, with the best score so far
    /// as a step line.
    /// </summary>
    /// <param name="path">The file to write: <c>.svg</c>, or <c>.png</c> with the Microsoft.ML.FunctionalDnn.Plotting package referenced.</param>
    /// <param name="width">The chart's width in pixels.</param>
    /// <param name="height">The chart's height in pixels.</param>
    /// <returns>The file written: its full path, and in a notebook the picture.</returns>
    /// <exception cref="InvalidOperationException">No trial has a score yet (or PNG without the Plotting package).</exception>
    /// <exception cref="ArgumentException">A path that is not .svg or .png.</exception>
    public PlotFile PlotTrials(string path = "trials.svg", int width = 640, int height = 400)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Charts.CheckSize(width, height, nameof(width), nameof(height));
        return Charts.Write(path, [TrialsPanel()], width, height);
    }

    /// <summary>The trials chart as an SVG document (see <see cref="PlotTrials"/>).</summary>
    public string TrialsSvg(int width = 640, int height = 400)
    {
        Charts.CheckSize(width, height, nameof(width), nameof(height));
        return Charts.Svg([TrialsPanel()], width, height);
    }

    /// <summary>
    /// Writes the objective against each searched hyperparameter, one panel per hyperparameter: numbers on
    /// their own axis (log-sampled ones on a logarithmic axis), choices and booleans as one column per
    /// value; the best trial ringed in every panel. Fixed hyperparameters are left out.
    /// </summary>
    /// <param name="path">The file to write: <c>.svg</c>, or <c>.png</c> with the Microsoft.ML.FunctionalDnn.Plotting package referenced.</param>
    /// <param name="panelWidth">The width of one panel in pixels (panels go in rows of up to three).</param>
    /// <param name="panelHeight">The height of one panel in pixels.</param>
    /// <returns>The file written: its full path, and in a notebook the picture.</returns>
    /// <exception cref="InvalidOperationException">No trial has a score yet, nothing was searched (or PNG without the Plotting package).</exception>
    public PlotFile PlotHyperParameters(string path = "hyperparameters.svg", int panelWidth = 360, int panelHeight = 280)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Charts.CheckSize(panelWidth, panelHeight);
        return Charts.Write(path, HyperParameterPanels(), panelWidth, panelHeight);
    }

    private List<Trial> ScoredTrials()
    {
        var scored = Trials.Where(t => t.Score is double s && double.IsFinite(s)).ToList();
        if (scored.Count == 0)
            throw new InvalidOperationException($"No trial of the tuner in {ProjectDirectory} has a score yet ({Trials.Count} trials): plot it after Search.");
        return scored;
    }

    private PlotModel TrialsPanel()
    {
        var scored = ScoredTrials();
        var number = Trials.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i + 1.0);
        var panel = Charts.Panel($"{Objective.Name} by trial ({Objective.Direction.ToString().ToLowerInvariant()})", "trial", Objective.Name, wholeNumbersOnX: true);
        panel.Series.Add(Charts.Dots("trial", Charts.Training, 4, scored.Select(t => new ScatterPoint(number[t], t.Score!.Value))));
        // The best so far as steps: level until the trial that improves it.
        var steps = new List<DataPoint>();
        double best = double.NaN;
        foreach (var trial in scored)
        {
            double score = trial.Score!.Value;
            if (steps.Count > 0) steps.Add(new DataPoint(number[trial], best));
            if (steps.Count == 0 || Objective.IsBetter(score, best)) best = score;
            steps.Add(new DataPoint(number[trial], best));
        }
        var line = Charts.Line("best so far", Charts.Best, LineStyle.Solid, steps);
        line.MarkerType = MarkerType.None;
        panel.Series.Add(line);
        Charts.Legend(panel);
        return panel;
    }

    private List<PlotModel> HyperParameterPanels()
    {
        var scored = ScoredTrials();
        var bestTrial = scored.Aggregate((a, b) => Objective.IsBetter(b.Score!.Value, a.Score!.Value) ? b : a);
        var space = scored.SelectMany(t => t.HyperParameters.Space).Where(p => p is not FixedHyperParameter)
            .GroupBy(p => p.Name).Select(g => g.First()).ToList();
        if (space.Count == 0)
            throw new InvalidOperationException("The tuner's trials searched no hyperparameter (only fixed values): there is nothing to plot against.");
        var panels = new List<PlotModel>();
        foreach (var parameter in space)
        {
            var panel = Charts.Panel(parameter.Name, parameter.Name, Objective.Name, wholeNumbersOnX: false);
            Func<object, double> position = v => Convert.ToDouble(v, CultureInfo.InvariantCulture);
            switch (parameter)
            {
                case IntHyperParameter { Sampling: Sampling.Log }:
                case FloatHyperParameter { Sampling: Sampling.Log }:
                    panel.Axes[0] = Charts.Axis(new LogarithmicAxis(), AxisPosition.Bottom, parameter.Name);
                    break;
                case IntHyperParameter or FloatHyperParameter:
                    break;
                default:
                    var values = parameter.GridValues() ?? [];
                    position = v => values.ToList().FindIndex(x => Equals(x, v));
                    var axis = panel.Axes[0];
                    (axis.Minimum, axis.Maximum, axis.MajorStep, axis.MinorStep, axis.MinimumPadding, axis.MaximumPadding) = (-0.5, values.Count - 0.5, 1, 1, 0, 0);
                    axis.LabelFormatter = x => Math.Abs(x - Math.Round(x)) < 1e-9 && Math.Round(x) is >= 0 and var i && i < values.Count ? parameter.Format(values[(int)i]) : "";
                    break;
            }
            var withValue = scored.Where(t => t.HyperParameters.Values.ContainsKey(parameter.Name)).ToList();
            panel.Series.Add(Charts.Dots(null, Charts.Training, 4, withValue.Select(t => new ScatterPoint(position(t.HyperParameters.Values[parameter.Name]), t.Score!.Value))));
            if (bestTrial.HyperParameters.Values.TryGetValue(parameter.Name, out var bestValue))
            {
                panel.Series.Add(Charts.Dots($"best (trial {bestTrial.Id})", Charts.Best, 8, [new ScatterPoint(position(bestValue), bestTrial.Score!.Value)], MarkerType.Circle));
                ((ScatterSeries)panel.Series[^1]).MarkerFill = OxyColors.Transparent;
                Charts.Legend(panel);
            }
            panels.Add(panel);
        }
        return panels;
    }
}
