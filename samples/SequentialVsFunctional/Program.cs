// The notes' first comparison: the same model — 64 inputs → Dense(32, relu) → Dense(32, relu) →
// Dense(10, softmax) — written with Sequential and with the functional API. Both summaries are
// printed side by side (3,466 parameters each); with the same weights both give the same outputs.
using Microsoft.ML.FunctionalDnn;
using Microsoft.ML.FunctionalDnn.Layers;
using static Microsoft.ML.FunctionalDnn.Keras;

using var seeds = SeedScope.Begin(1);

var sequential = new Sequential([new Dense(32, "relu"), new Dense(32, "relu"), new Dense(10, "softmax")], inputShape: [64], name: "sequential");

var input = Input([64]);
var x = new Dense(32, "relu").Apply(input);
x = new Dense(32, "relu").Apply(x);
var output = new Dense(10, "softmax").Apply(x);
var functional = new Model(input, output, name: "functional");

Console.WriteLine(SideBySide(("Sequential:\n" + sequential.Summary()).Split('\n'), ("Functional:\n" + functional.Summary()).Split('\n')));

// Give the functional model the Sequential model's weights, then compare outputs on random inputs.
functional.SetWeights(sequential.GetWeights());
var batch = Tensor.Uniform(new Shape(5, 64), -1, 1, new RandomGenerator(2));
var a = sequential.Predict(batch)[0].ToArray();
var b = functional.Predict(batch)[0].ToArray();
float largest = a.Zip(b).Max(p => MathF.Abs(p.First - p.Second));
Console.WriteLine($"Parameters: Sequential {sequential.CountParams():N0}, functional {functional.CountParams():N0}.");
Console.WriteLine($"Outputs on 5 random inputs with the same weights: largest difference {largest} ({(largest == 0 ? "identical" : "different")}).");
Console.WriteLine($"First row's probabilities: [{string.Join(", ", a.Take(10).Select(v => v.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)))}]");

// Two blocks of lines as two columns, the left one padded to its widest line.
static string SideBySide(string[] left, string[] right)
{
    int width = left.Max(line => line.TrimEnd().Length) + 4;
    return string.Join(Environment.NewLine, Enumerable.Range(0, Math.Max(left.Length, right.Length))
        .Select(i => ((i < left.Length ? left[i].TrimEnd() : "").PadRight(width) + (i < right.Length ? right[i].TrimEnd() : "")).TrimEnd()));
}
