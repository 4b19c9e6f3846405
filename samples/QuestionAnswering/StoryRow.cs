using Microsoft.ML.Data;

namespace Microsoft.ML.FunctionalDnn.Samples.QuestionAnswering;

/// <summary>A story, a question about it, and its answer.</summary>
internal sealed class StoryRow
{
    public string Story { get; set; } = "";

    public string Question { get; set; } = "";

    public string Answer { get; set; } = "";
}

/// <summary>What the pipeline gives for a story.</summary>
internal sealed class AnswerPrediction
{
    public string PredictedAnswer { get; set; } = "";

    [ColumnName("answer")]
    public float[] Probabilities { get; set; } = [];
}
