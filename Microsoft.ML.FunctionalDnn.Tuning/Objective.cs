namespace Microsoft.ML.FunctionalDnn.Tuning;

/// <summary>Whether a search minimizes or maximizes its objective.</summary>
public enum ObjectiveDirection
{
    /// <summary>Lower is better (losses, errors).</summary>
    Min,

    /// <summary>Higher is better (accuracy, Auc, precision, recall).</summary>
    Max,
}

/// <summary>
/// What a search optimizes: a key of Fit's logs (<c>val_accuracy</c>, <c>val_loss</c>,
/// <c>val_income_loss</c> …) and its direction. A plain string converts to an objective whose
/// direction is inferred from the name, as KerasTuner does: losses and errors are minimized,
/// accuracy, Auc, precision and recall maximized.
/// </summary>
/// <param name="Name">The log key.</param>
/// <param name="Direction">Minimize or maximize.</param>
public sealed record Objective(string Name, ObjectiveDirection Direction)
{
    private static readonly string[] MinimizedParts = ["loss", "crossentropy", "error", "mse", "mae", "mape", "msle", "hinge", "poisson", "divergence", "logcosh", "huber"];
    private static readonly string[] MaximizedParts = ["acc", "auc", "precision", "recall", "f1", "similarity"];

    /// <summary>An objective whose direction is inferred from its name.</summary>
    /// <exception cref="ArgumentException">The name says nothing about its direction; give one.</exception>
    public Objective(string name) : this(name, Infer(name))
    {
    }

    /// <summary>Lets <c>objective: "val_accuracy"</c> be written as in KerasTuner.</summary>
    public static implicit operator Objective(string name) => new(name);

    /// <summary>True when <paramref name="a"/> is strictly better than <paramref name="b"/>.</summary>
    public bool IsBetter(double a, double b) => Direction == ObjectiveDirection.Max ? a > b : a < b;

    /// <summary>The score as a value to minimize.</summary>
    internal double Loss(double score) => Direction == ObjectiveDirection.Max ? -score : score;

    private static ObjectiveDirection Infer(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        string key = name.ToLowerInvariant();
        if (key.StartsWith("val_", StringComparison.Ordinal)) key = key[4..];
        if (key.StartsWith("weighted_", StringComparison.Ordinal)) key = key[9..];
        if (MinimizedParts.Any(p => key.Contains(p, StringComparison.Ordinal))) return ObjectiveDirection.Min;
        if (MaximizedParts.Any(p => key.Contains(p, StringComparison.Ordinal))) return ObjectiveDirection.Max;
        throw new ArgumentException($"Cannot tell whether the objective '{name}' should be minimized or maximized; give the direction: new Objective(\"{name}\", ObjectiveDirection.Max).", nameof(name));
    }

    /// <summary>KerasTuner's form: <c>Objective(name="val_accuracy", direction="max")</c>.</summary>
    public override string ToString() => $"Objective(name=\"{Name}\", direction=\"{Direction.ToString().ToLowerInvariant()}\")";
}
