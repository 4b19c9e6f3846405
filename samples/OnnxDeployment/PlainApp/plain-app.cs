#:package Microsoft.ML@5.0.1
#:package Microsoft.ML.OnnxTransformer@5.0.1
#:package Microsoft.ML.OnnxRuntime@1.31.1
#:property ManagePackageVersionsCentrally=false
#:property PublishAot=false
// An application that knows nothing of Microsoft.ML.FunctionalDnn: it references ML.NET, ML.NET's ONNX
// transformer and ONNX Runtime only, loads the pipeline that samples/OnnxDeployment saved (text
// transforms, the network as ML.NET's OnnxTransformer, the answer's key mapping) and answers questions.
// Run: dotnet run samples/OnnxDeployment/PlainApp/plain-app.cs -- <model.zip> <stories.tsv>
// (stories.tsv: Story <tab> Question per line). Prints: answer <tab> probabilities (comma-separated).
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: plain-app.cs <model.zip> <stories.tsv>");
    return 2;
}
var ml = new MLContext();
var model = ml.Model.Load(args[0], out _);
var rows = File.ReadAllLines(args[1]).Select(line => line.Split('\t')).Select(p => new Question { Story = p[0], Text = p[1] }).ToList();
var engine = ml.Model.CreatePredictionEngine<Question, Answer>(model);
foreach (var row in rows)
{
    var answer = engine.Predict(row);
    Console.WriteLine($"{answer.PredictedAnswer.Single()}\t{string.Join(",", answer.Probabilities.Select(p => p.ToString("R", CultureInfo.InvariantCulture)))}");
}
// What this process loaded: ML.NET and ONNX Runtime, no FunctionalDnn assembly.
Console.WriteLine("assemblies: " + string.Join(" ", AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetName().Name).Where(n => n!.StartsWith("Microsoft.ML", StringComparison.Ordinal)).Order()));
return 0;

internal sealed class Question
{
    public string Story { get; set; } = "";

    [ColumnName("Question")]
    public string Text { get; set; } = "";

    // The pipeline's MapValueToKey for the training label reads this column; a prediction leaves it empty.
    public string Answer { get; set; } = "";
}

internal sealed class Answer
{
    // One-value columns come back as one-element vectors through ML.NET's OnnxTransformer.
    public string[] PredictedAnswer { get; set; } = [];

    [ColumnName("answer")]
    public float[] Probabilities { get; set; } = [];
}
