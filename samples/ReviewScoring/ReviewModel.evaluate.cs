// This file is laid out as ML.NET Model Builder and the mlnet CLI generate <Name>.evaluate.cs: the
// evaluation of the trained model, here with ML.NET's own evaluators on each head — multiclass
// metrics for the sentiment (its key label, the softmax scores, the predicted key) and regression
// metrics for the rating. (Model Builder also writes permutation feature importance there; ML.NET's
// PFI takes one linear predictor over one Features column, which a two-input network is not.)
using Microsoft.ML;
using Microsoft.ML.Data;

namespace ReviewScoring;

public partial class ReviewModel
{
    /// <summary>Scores <paramref name="data"/> with <paramref name="model"/> and evaluates both heads.</summary>
    public static (MulticlassClassificationMetrics Sentiment, RegressionMetrics Rating) Evaluate(MLContext mlContext, ITransformer model, IDataView data)
    {
        var scored = model.Transform(data);
        var sentiment = mlContext.MulticlassClassification.Evaluate(scored, labelColumnName: @"SentimentKey", scoreColumnName: @"Score", predictedLabelColumnName: @"PredictedSentimentKey");
        var rating = mlContext.Regression.Evaluate(scored, labelColumnName: @"Rating", scoreColumnName: @"PredictedRating");
        return (sentiment, rating);
    }
}
