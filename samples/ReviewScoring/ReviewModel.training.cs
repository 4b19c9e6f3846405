// This file is laid out as ML.NET Model Builder and the mlnet CLI generate <Name>.training.cs:
// Train (file in, model file out), LoadIDataViewFromFile, SaveModel, RetrainModel and
// BuildPipeline. The pipeline is ML.NET's own transforms around a FunctionalDnn estimator: the
// review's words become keys (NormalizeText, TokenizeIntoWords, MapValueToKey), price and category
// a metadata vector (NormalizeMinMax, OneHotEncoding, Concatenate), the sentiment a key label; the
// network reads the two inputs in two branches and answers with two heads, the sentiment class and
// the rating; MapKeyToValue turns the predicted key back into its text.
using Microsoft.ML;
using Microsoft.ML.FunctionalDnn;
using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.FunctionalDnn.Optimizers;
using Microsoft.ML.FunctionalDnn.Transforms;
using static Microsoft.ML.FunctionalDnn.Keras;

namespace ReviewScoring;

public partial class ReviewModel
{
    public const string RetrainFilePath = @"reviews.csv";
    public const char RetrainSeparatorChar = ',';
    public const bool RetrainHasHeader = true;
    public const bool RetrainAllowQuoting = true;

    /// <summary>Words per review the network reads (longer reviews are cut, shorter ones padded).</summary>
    public const int ReviewLength = 32;

    /// <summary>Training epochs (the console app's <c>--quick</c> lowers it).</summary>
    public static int Epochs { get; set; } = 20;

    /// <summary>Trains a model on the file at <paramref name="inputDataFilePath"/> and saves it to <paramref name="outputModelPath"/>.</summary>
    public static void Train(string outputModelPath, string inputDataFilePath = RetrainFilePath, char separatorChar = RetrainSeparatorChar, bool hasHeader = RetrainHasHeader, bool allowQuoting = RetrainAllowQuoting)
    {
        var mlContext = new MLContext(seed: 1);
        var data = LoadIDataViewFromFile(mlContext, inputDataFilePath, separatorChar, hasHeader, allowQuoting);
        var model = RetrainModel(mlContext, data);
        SaveModel(mlContext, model, data, outputModelPath);
    }

    /// <summary>Loads the data file as an IDataView of <see cref="ModelInput"/> rows.</summary>
    public static IDataView LoadIDataViewFromFile(MLContext mlContext, string inputDataFilePath, char separatorChar, bool hasHeader, bool allowQuoting) =>
        mlContext.Data.LoadFromTextFile<ModelInput>(inputDataFilePath, separatorChar, hasHeader, allowQuoting: allowQuoting);

    /// <summary>Saves the fitted pipeline, network included, to one file.</summary>
    public static void SaveModel(MLContext mlContext, ITransformer model, IDataView data, string modelSavePath) =>
        mlContext.FunctionalDnn().Save(model, data.Schema, modelSavePath);

    /// <summary>Fits the pipeline of <see cref="BuildPipeline"/> on <paramref name="trainData"/>.</summary>
    public static ITransformer RetrainModel(MLContext mlContext, IDataView trainData)
    {
        var pipeline = BuildPipeline(mlContext);
        var model = pipeline.Fit(trainData);
        return model;
    }

    /// <summary>The pipeline: ML.NET's transforms, the FunctionalDnn estimator, and the label's text back.</summary>
    public static IEstimator<ITransformer> BuildPipeline(MLContext mlContext)
    {
        var pipeline = mlContext.Transforms.Text.NormalizeText(@"Words", @"Review", keepPunctuations: false)
            .Append(mlContext.Transforms.Text.TokenizeIntoWords(@"Words"))
            .Append(mlContext.Transforms.Conversion.MapValueToKey(@"Words"))
            .Append(mlContext.Transforms.NormalizeMinMax(@"PriceScaled", @"Price"))
            .Append(mlContext.Transforms.Categorical.OneHotEncoding(@"CategoryVector", @"Category"))
            .Append(mlContext.Transforms.Concatenate(@"Metadata", @"PriceScaled", @"CategoryVector"))
            .Append(mlContext.Transforms.Conversion.MapValueToKey(@"SentimentKey", @"Sentiment"))
            .Append(mlContext.FunctionalDnn().Trainer(BuildNetwork(), new FunctionalDnnOptions
            {
                Seed = 1,
                Epochs = Epochs,
                BatchSize = 32,
                ValidationFraction = 0.1f,
                LabelColumns = { ["sentiment"] = @"SentimentKey", ["rating"] = @"Rating" },
                OutputColumns = { ["sentiment"] = @"Score", ["rating"] = @"PredictedRating" },
                PredictedLabelColumnName = @"PredictedSentimentKey",
            }))
            .Append(mlContext.Transforms.Conversion.MapKeyToValue(@"PredictedLabel", @"PredictedSentimentKey"));
        return pipeline;
    }

    /// <summary>
    /// Two inputs, two heads: the review's word keys through an Embedding and a Conv1D (a phrase with
    /// its negation), the metadata through a Dense layer, joined; a softmax over the sentiments and a
    /// linear rating.
    /// </summary>
    public static Model BuildNetwork()
    {
        LayerNames.Reset();
        var words = Input([ReviewLength], DType.Int32, name: "Words");
        var metadata = Input([1 + Reviews.Categories.Length], name: "Metadata");
        var text = new Embedding(Reviews.Vocabulary.Count + 1, 16, name: "word_embedding").Apply(words);
        text = new Conv1D(32, 3, padding: Padding.Same, activation: "relu").Apply(text);
        text = new GlobalMaxPooling1D().Apply(text);
        var context = new Dense(8, "relu").Apply(metadata);
        var shared = new Dense(32, "relu").Apply(Concatenate([text, context]));
        var sentiment = new Dense(2, "softmax", name: "sentiment").Apply(shared);
        var rating = new Dense(1, name: "rating").Apply(shared);
        var model = new Model([words, metadata], [sentiment, rating], name: "review_model");
        model.Compile(new Adam(0.005f), ["sparse_categorical_crossentropy", "mse"], lossWeights: [1, 0.5f],
            metrics: new Dictionary<string, string[]> { ["sentiment"] = ["accuracy"], ["rating"] = ["mae"] });
        return model;
    }
}
