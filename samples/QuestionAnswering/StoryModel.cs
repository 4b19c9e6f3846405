using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.FunctionalDnn.Optimizers;
using static Microsoft.ML.FunctionalDnn.Keras;

namespace Microsoft.ML.FunctionalDnn.Samples.QuestionAnswering;

/// <summary>
/// The question-answering network and the ML.NET columns that feed it — shared by this sample,
/// samples/OnnxDeployment and samples/DistributedTraining (which link this file).
/// </summary>
internal static class StoryModel
{
    /// <summary>Words kept per story and per question (longer ones are truncated, shorter padded), and the vocabulary size the Embeddings take.</summary>
    internal const int StoryLength = 24, QuestionLength = 4, Vocabulary = 40;

    /// <summary>
    /// The story branch reads the story with the question beside every word, so its Lstm knows whom
    /// to follow; the question branch encodes the question. Both are concatenated into a softmax over
    /// the places. Compiled with Adam (0.005) and sparse categorical crossentropy.
    /// </summary>
    internal static Model Build()
    {
        var story = Input([StoryLength], DType.Int32, name: "StoryIds");
        var question = Input([QuestionLength], DType.Int32, name: "QuestionIds");
        var questionCode = new Lstm(32, name: "question_lstm").Apply(new Embedding(Vocabulary, 16, name: "question_embedding").Apply(question));
        var storyWords = new Embedding(Vocabulary, 32, name: "story_embedding").Apply(story);
        var storyCode = new Lstm(64, name: "story_lstm").Apply(Concatenate([storyWords, new RepeatVector(StoryLength).Apply(questionCode)]));
        var answer = new Dense(Stories.Places.Length, "softmax", name: "answer").Apply(Concatenate([storyCode, questionCode]));
        var model = new Model([story, question], answer, name: "question_answering");
        model.Compile(new Adam(0.005f), "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        return model;
    }

    /// <summary>The answers as keys ("Label"), the story and question as word keys ("StoryIds", "QuestionIds") — what the network reads.</summary>
    internal static IEstimator<ITransformer> Columns(MLContext ml) =>
        ml.Transforms.Conversion.MapValueToKey("Label", "Answer")
            .Append(Tokens(ml, "StoryIds", "Story"))
            .Append(Tokens(ml, "QuestionIds", "Question"));

    /// <summary>ML.NET's text transforms: lower case without punctuation, words, then keys (1, 2 … in order of appearance; 0 = unseen).</summary>
    internal static IEstimator<ITransformer> Tokens(MLContext ml, string output, string input) =>
        ml.Transforms.Text.NormalizeText(output, input, keepPunctuations: false)
            .Append(ml.Transforms.Text.TokenizeIntoWords(output))
            .Append(ml.Transforms.Conversion.MapValueToKey(output));
}
