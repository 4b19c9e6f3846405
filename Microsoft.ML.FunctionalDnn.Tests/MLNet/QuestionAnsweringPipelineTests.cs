using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.FunctionalDnn.Optimizers;
using Microsoft.ML.FunctionalDnn.Samples.QuestionAnswering;
using Microsoft.ML.FunctionalDnn.Transforms;
using static Microsoft.ML.FunctionalDnn.Keras;

namespace Microsoft.ML.FunctionalDnn.Tests.MLNet;

/// <summary>
/// A story-and-question model through a real ML.NET pipeline, on the QuestionAnswering sample's
/// stories (samples/QuestionAnswering/Stories.cs and StoryRow.cs are linked into this project, not
/// copied), with a smaller model than the sample's.
/// </summary>
[TestClass]
public sealed class QuestionAnsweringPipelineTests
{
    /// <summary>The notes' question-answering model, sized for the generated task.</summary>
    internal static Model QaModel(int vocabulary, int storyLength, int questionLength, int answers)
    {
        var story = Input([storyLength], DType.Int32, name: "StoryIds");
        var question = Input([questionLength], DType.Int32, name: "QuestionIds");
        var s = new Lstm(48).Apply(new Embedding(vocabulary, 32).Apply(story));
        var q = new Lstm(16).Apply(new Embedding(vocabulary, 16).Apply(question));
        var answer = new Dense(answers, "softmax", name: "answer").Apply(Concatenate([s, q]));
        var model = new Model([story, question], answer, name: "question_answering");
        model.Compile(new Adam(0.01f), "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        return model;
    }

    internal static IEstimator<ITransformer> Pipeline(MLContext ml, Model model, int epochs) =>
        StoryModel.Columns(ml)
            .Append(ml.FunctionalDnn().Trainer(model, new FunctionalDnnOptions { Epochs = epochs, BatchSize = 32, PredictedLabelColumnName = "PredictedKey" }))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedAnswer", "PredictedKey"));

    [TestMethod]
    public void AStoryAndQuestionModelLearnsThroughAnMLNetPipeline()
    {
        using var seeds = SeedScope.Begin(1);
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(Stories.Generate(2000, seed: 1));
        var test = ml.Data.LoadFromEnumerable(Stories.Generate(300, seed: 2));
        LayerNames.Reset();
        var model = QaModel(40, 24, 20, Stories.Places.Length);
        var fitted = Pipeline(ml, model, epochs: 12).Fit(train);

        var scored = fitted.Transform(test);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, Stories.Places.Length), scored.Schema["answer"].Type);
        Assert.AreSame(TextDataViewType.Instance, scored.Schema["PredictedAnswer"].Type);
        var predicted = scored.GetColumn<string>("PredictedAnswer").ToList();
        var truth = test.GetColumn<string>("Answer").ToList();
        double accuracy = predicted.Zip(truth).Count(p => p.First == p.Second) / (double)truth.Count;
        Assert.IsGreaterThan(0.4, accuracy, $"test accuracy {accuracy:P1} (chance is {1.0 / Stories.Places.Length:P1})");

        // A PredictionEngine on one row gives what the batched transform gave.
        var engine = ml.Model.CreatePredictionEngine<StoryRow, AnswerPrediction>(fitted);
        var rows = Stories.Generate(300, seed: 2);
        for (int i = 0; i < 20; i++)
        {
            var single = engine.Predict(rows[i]);
            Assert.AreEqual(predicted[i], single.PredictedAnswer);
            Assert.HasCount(Stories.Places.Length, single.Probabilities);
            Assert.AreEqual(1, single.Probabilities.Sum(), 1e-4);
        }
    }
}
