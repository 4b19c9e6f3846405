using Microsoft.ML.Data;

namespace Microsoft.ML.FunctionalDnn.Transforms;

/// <summary>What the predicted-label column of an output holds.</summary>
internal enum PredictedLabelKind
{
    /// <summary>No predicted label (regression, or no label column at fit time).</summary>
    None,

    /// <summary>A key: the most probable class (or, for a single sigmoid unit on a two-class key, the class above 0.5).</summary>
    Key,

    /// <summary>A boolean: the score above 0.5 (a sigmoid output trained on a boolean label).</summary>
    Boolean,
}

/// <summary>What an added column holds.</summary>
internal enum ColumnRole
{
    /// <summary>The output's values.</summary>
    Values,

    /// <summary>The predicted label.</summary>
    PredictedLabel,

    /// <summary>A binary head's raw score: the logit of its probability, ML.NET's convention for the Score of binary classifiers.</summary>
    RawScore,
}

/// <summary>
/// A model output (or a layer's output) as columns: its values — a Single when the output has one
/// value per sample (ML.NET's Score of regression and binary heads), otherwise a vector of Single
/// shaped like the output (the class scores) — and for classification heads the predicted label;
/// a binary head (a boolean label) also gets its raw score, <c>&lt;column&gt;_RawScore</c>, because
/// ML.NET's binary evaluators threshold a raw score at 0 and a probability at 0.5.
/// </summary>
internal sealed record OutputColumn(string Source, string Column, int[] Dims, string? PredictedLabelColumn, PredictedLabelKind Kind, KeyValues? Keys, int KeyCount, bool IsLayer, bool Logits = false)
{
    /// <summary>Values per row (0 when an axis is only known per batch).</summary>
    internal int Size => Dims.Aggregate(1, (a, d) => a * d);

    internal bool IsScalar => Size == 1;

    /// <summary>True when an axis is only known per batch (a sequence of unknown length): a variable-size vector column.</summary>
    internal bool IsVariable => Dims.Contains(0);

    /// <summary>The raw-score column of a binary head, or null.</summary>
    internal string? RawScoreColumn => Kind == PredictedLabelKind.Boolean ? $"{Column}_RawScore" : null;

    internal DataViewType Type => IsScalar ? NumberDataViewType.Single : new VectorDataViewType(NumberDataViewType.Single, Dims);

    internal DataViewType? PredictedLabelType => Kind switch
    {
        PredictedLabelKind.Key => new KeyDataViewType(typeof(uint), KeyCount),
        PredictedLabelKind.Boolean => BooleanDataViewType.Instance,
        _ => null,
    };
}
