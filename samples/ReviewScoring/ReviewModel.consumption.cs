// This file is laid out as ML.NET Model Builder and the mlnet CLI generate <Name>.consumption.cs:
// the input and output classes of the model, a lazily created PredictionEngine and a static
// Predict. The one difference: the saved pipeline holds a FunctionalDnn network, which ML.NET's
// own mlContext.Model.Load cannot rebuild, so it is loaded with mlContext.FunctionalDnn().Load.
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.FunctionalDnn.Transforms;

namespace ReviewScoring;

public partial class ReviewModel
{
    /// <summary>One row of the data file: what the model reads, and the two answers it learns.</summary>
    public class ModelInput
    {
        [LoadColumn(0)]
        [ColumnName(@"Review")]
        public string Review { get; set; } = "";

        [LoadColumn(1)]
        [ColumnName(@"Price")]
        public float Price { get; set; }

        [LoadColumn(2)]
        [ColumnName(@"Category")]
        public string Category { get; set; } = "";

        [LoadColumn(3)]
        [ColumnName(@"Sentiment")]
        public string Sentiment { get; set; } = "";

        [LoadColumn(4)]
        [ColumnName(@"Rating")]
        public float Rating { get; set; }
    }

    /// <summary>The model's two heads: the sentiment class with its scores, and the rating.</summary>
    public class ModelOutput
    {
        [ColumnName(@"PredictedLabel")]
        public string PredictedLabel { get; set; } = "";

        [ColumnName(@"Score")]
        public float[] Score { get; set; } = [];

        [ColumnName(@"PredictedRating")]
        public float PredictedRating { get; set; }
    }

    private static string MLNetModelPath = Path.GetFullPath("ReviewModel.mlnet");

    public static readonly Lazy<PredictionEngine<ModelInput, ModelOutput>> PredictEngine = new(() => CreatePredictEngine(), true);

    /// <summary>Use this method to predict on <paramref name="input"/>.</summary>
    public static ModelOutput Predict(ModelInput input)
    {
        var predEngine = PredictEngine.Value;
        return predEngine.Predict(input);
    }

    private static PredictionEngine<ModelInput, ModelOutput> CreatePredictEngine()
    {
        var mlContext = new MLContext();
        ITransformer mlModel = mlContext.FunctionalDnn().Load(MLNetModelPath, out var _);
        return mlContext.Model.CreatePredictionEngine<ModelInput, ModelOutput>(mlModel);
    }
}
