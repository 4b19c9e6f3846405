using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.FunctionalDnn.Optimizers;
using static Microsoft.ML.FunctionalDnn.Keras;

namespace Microsoft.ML.FunctionalDnn;

/// <summary>
/// Combines trained models that take the same named inputs and give the same outputs into one
/// functional model: new Inputs, each member called on them as a nested model, and each output
/// merged across the members. The result is a Model like any other (Summary, Predict, Evaluate,
/// Save/Load, ML.NET); it is compiled with the first member's losses and metrics.
/// </summary>
/// <remarks>
/// Members are used as they are (their weights are shared, not copied); members with the same
/// name are renamed <c>name_1</c>, <c>name_2</c> … so the ensemble's layer names are unique.
/// </remarks>
public static class Ensemble
{
    /// <summary>The mean of the members' outputs (for classifiers: averaged probabilities).</summary>
    /// <exception cref="ArgumentException">Fewer than two members, or members whose inputs or outputs differ (the message says which).</exception>
    public static Model Average(IReadOnlyList<Model> members, string name = "ensemble")
    {
        var model = Build(members, name, (output, merged) => new Average(name: output).Apply(merged));
        model.Trainer.CompileLike(members[0].Trainer, new Adam());
        return model;
    }

    /// <summary>
    /// A weighted mean of the members' outputs, the weights (positive, summing to 1, one per
    /// member and output) fitted on validation data by minimizing the first member's loss while
    /// the members' own weights stay fixed.
    /// </summary>
    public static Model WeightedAverage(IReadOnlyList<Model> members, DataSpec validationX, DataSpec validationY,
        int epochs = 100, float learningRate = 0.05f, int batchSize = 64, string name = "weighted_ensemble", long seed = 0)
    {
        var model = Build(members, name, (output, merged) => new WeightedAverage(name: output).Apply(merged));
        TrainCombiner(model, members, validationX, validationY, epochs, learningRate, batchSize, seed);
        return model;
    }

    /// <summary>
    /// Stacking: the members' outputs, concatenated, feed a small head per output (an optional
    /// hidden ReLU layer, then a Dense layer with the activation of the member's output layer),
    /// trained on (held-out) data while the members stay fixed.
    /// </summary>
    public static Model Stacking(IReadOnlyList<Model> members, DataSpec x, DataSpec y, int hiddenUnits = 0,
        int epochs = 100, float learningRate = 0.01f, int batchSize = 64, string name = "stacked_ensemble", long seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(hiddenUnits);
        var model = Build(members, name, (output, merged) =>
        {
            var reference = members[0].Outputs[members[0].OutputNames.ToList().IndexOf(output)];
            int units = reference.Shape[-1] ?? throw new ArgumentException($"Stacking needs the last axis of output '{output}' to be known; it is {reference.Shape}.");
            var activation = reference.Layer is Dense dense ? dense.ActivationFunction : Activations.Linear;
            var features = Concatenate(merged, name: $"{output}_members");
            if (hiddenUnits > 0) features = new Dense(hiddenUnits, Activations.Relu, name: $"{output}_hidden").Apply(features);
            return new Dense(units, activation, name: output).Apply(features);
        });
        TrainCombiner(model, members, x, y, epochs, learningRate, batchSize, seed);
        return model;
    }

    private static void TrainCombiner(Model model, IReadOnlyList<Model> members, DataSpec x, DataSpec y, int epochs, float learningRate, int batchSize, long seed)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        var trainable = members.Select(m => m.Trainable).ToArray();
        try
        {
            foreach (var m in members) m.Trainable = false;
            model.Trainer.CompileLike(members[0].Trainer, new Adam(learningRate));
            model.Fit(x, y, epochs: epochs, batchSize: batchSize, verbose: 0, seed: seed);
        }
        finally
        {
            for (int i = 0; i < members.Count; i++) members[i].Trainable = trainable[i];
        }
        model.Trainer.CompileLike(members[0].Trainer, new Adam());
    }

    private static Model Build(IReadOnlyList<Model> members, string name, Func<string, IReadOnlyList<SymbolicTensor>, SymbolicTensor> merge)
    {
        ArgumentNullException.ThrowIfNull(members);
        if (members.Count < 2) throw new ArgumentException($"An ensemble needs at least two members; received {members.Count}.", nameof(members));
        var first = members[0];
        foreach (var (m, i) in members.Select((m, i) => (m, i)).Skip(1))
        {
            var missing = first.InputNames.Except(m.InputNames).Concat(m.InputNames.Except(first.InputNames)).ToList();
            if (missing.Count > 0)
                throw new ArgumentException($"Ensemble members must take the same named inputs: member 0 '{first.Name}' takes [{string.Join(", ", first.InputNames)}], member {i} '{m.Name}' takes [{string.Join(", ", m.InputNames)}].", nameof(members));
            if (!m.OutputNames.SequenceEqual(first.OutputNames) || !m.Outputs.Select(o => o.Shape).SequenceEqual(first.Outputs.Select(o => o.Shape)))
                throw new ArgumentException($"Ensemble members must give the same outputs: member 0 '{first.Name}' gives [{Describe(first)}], member {i} '{m.Name}' gives [{Describe(m)}].", nameof(members));
            foreach (var input in m.Inputs)
            {
                var reference = first.Inputs[first.InputNames.ToList().IndexOf(input.Layer.Name)];
                if (!input.Shape.Equals(reference.Shape) || input.DType != reference.DType)
                    throw new ArgumentException($"Ensemble input '{input.Layer.Name}' is {input.Shape} in member {i} '{m.Name}' but {reference.Shape} in member 0.", nameof(members));
            }
        }
        var names = new HashSet<string>(StringComparer.Ordinal) { name };
        names.UnionWith(first.InputNames);
        names.UnionWith(first.OutputNames);
        foreach (var m in members)
        {
            if (!names.Add(m.Name))
            {
                int k = 1;
                while (names.Contains($"{m.Name}_{k}")) k++;
                m.Rename($"{m.Name}_{k}");
                names.Add(m.Name);
            }
        }
        var inputs = first.Inputs.Select(t => Input(t.Shape.PerSample(), t.DType, t.Layer.Name)).ToArray();
        var byName = inputs.ToDictionary(t => t.Layer.Name);
        var outputs = members.Select(m => m.ApplyMany([.. m.InputNames.Select(n => byName[n])])).ToList();
        var merged = first.OutputNames.Select((output, k) => merge(output, [.. outputs.Select(o => o[k])])).ToArray();
        return new Model(inputs, merged, name: name);
    }

    private static string Describe(Model m) => string.Join(", ", m.OutputNames.Zip(m.Outputs, (n, o) => $"{n} {o.Shape}"));
}
