// The notes' Siamese Lstm: one Lstm shared by two sentence inputs, the two encodings merged
// symmetrically, a sigmoid scoring whether the sentences are paraphrases. Generated pairs:
// paraphrases reorder and substitute synonyms; non-paraphrases change the subject, the action or
// the object. Because the layer is shared and the merge is symmetric, swapping the inputs gives
// the same score. `--quick` trains on fewer pairs for fewer epochs (the smoke test's setting).
using Microsoft.ML.FunctionalDnn;
using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.FunctionalDnn.Optimizers;
using static Microsoft.ML.FunctionalDnn.Keras;

const int Length = 8;
using var seeds = SeedScope.Begin(5);
var vocabulary = new Vocabulary();
bool quick = args.Contains("--quick");
var (trainA, trainB, trainY) = Pairs.Generate(quick ? 3000 : 6000, 1, vocabulary, Length);
var (testA, testB, testY) = Pairs.Generate(1000, 2, vocabulary, Length);

var left = Input([Length], DType.Int32, name: "left");
var right = Input([Length], DType.Int32, name: "right");
var embed = new Embedding(Vocabulary.Size, 32, maskZero: true, name: "embedding");
var encoder = new Lstm(64, name: "shared_lstm");
var a = encoder.Apply(embed.Apply(left));
var b = encoder.Apply(embed.Apply(right));
// |a − b| and a ⊙ b are symmetric in the two sentences.
var difference = new Lambda(t => Ops.Abs(Ops.Subtract(t[0], t[1])), functionName: "abs_difference").Apply([a, b]);
var product = Multiply([a, b]);
var hidden = new Dense(32, "relu").Apply(Concatenate([difference, product]));
var similar = new Dense(1, "sigmoid", name: "similar").Apply(hidden);
var model = new Model([left, right], similar, name: "siamese");
model.Compile(new Adam(0.003f), "binary_crossentropy", metrics: ["accuracy"]);
model.Summary(print: true);
Console.WriteLine();

model.Fit([trainA, trainB], trainY, epochs: quick ? 4 : 12, batchSize: 64, validationSplit: 0.1f, verbose: 2);
var scores = model.Evaluate([testA, testB], testY);
Console.WriteLine($"Test accuracy on {testY.Shape[0]} new pairs: {scores["accuracy"]:P1} (chance 50 %).");

var forward = model.Predict([testA, testB])[0].ToArray();
var swapped = model.Predict([testB, testA])[0].ToArray();
Console.WriteLine($"Largest change in score when the two sentences are swapped: {forward.Zip(swapped).Max(p => MathF.Abs(p.First - p.Second))}.");
Console.WriteLine();
for (int i = 0; i < 6; i++)
    Console.WriteLine($"  \"{vocabulary.Decode(testA, i)}\" / \"{vocabulary.Decode(testB, i)}\" → {forward[i]:F2} (paraphrase: {testY[i, 0] == 1})");

/// <summary>Word ids (0 pads).</summary>
internal sealed class Vocabulary
{
    private readonly List<string> _words = [""];
    private readonly Dictionary<string, int> _ids = [];

    internal const int Size = 64;

    internal int Id(string word)
    {
        if (_ids.TryGetValue(word, out int id)) return id;
        _words.Add(word);
        return _ids[word] = _words.Count - 1;
    }

    internal string Decode(Tensor ids, int row) =>
        string.Join(' ', Enumerable.Range(0, ids.Shape[1]).Select(i => (int)ids[row, i]).Where(i => i > 0).Select(i => _words[i]));
}

/// <summary>Sentence pairs: half paraphrases (synonyms, optional words), half with one changed role.</summary>
internal static class Pairs
{
    private static readonly string[][] Subjects = [["the", "cat"], ["the", "dog"], ["my", "neighbour"], ["the", "child"]];
    private static readonly string[][] Verbs = [["eats", "devours"], ["sees", "spots"], ["likes", "enjoys"], ["finds", "discovers"]];
    private static readonly string[] Objects = ["apple", "ball", "book", "car"];

    internal static (Tensor A, Tensor B, Tensor Y) Generate(int count, int seed, Vocabulary vocabulary, int length)
    {
        var r = new Random(seed);
        var a = new int[count, length];
        var b = new int[count, length];
        var y = new float[count, 1];
        for (int i = 0; i < count; i++)
        {
            int s = r.Next(4), v = r.Next(4), o = r.Next(4);
            bool paraphrase = r.Next(2) == 0;
            int s2 = s, v2 = v, o2 = o;
            if (!paraphrase)
                switch (r.Next(3))
                {
                    case 0: s2 = (s + 1 + r.Next(3)) % 4; break;
                    case 1: v2 = (v + 1 + r.Next(3)) % 4; break;
                    default: o2 = (o + 1 + r.Next(3)) % 4; break;
                }
            Write(a, i, Sentence(s, v, o, r), vocabulary);
            Write(b, i, Sentence(s2, v2, o2, r), vocabulary);
            y[i, 0] = paraphrase ? 1 : 0;
        }
        return (Tensor.FromArray(a), Tensor.FromArray(b), Tensor.FromArray(y));
    }

    private static List<string> Sentence(int s, int v, int o, Random r)
    {
        var words = new List<string>(Subjects[s]) { Verbs[v][r.Next(2)] };
        if (r.Next(2) == 0) words.Add(r.Next(2) == 0 ? "a" : "the");
        words.Add(Objects[o]);
        if (r.Next(3) == 0) words.Add("today");
        return words;
    }

    private static void Write(int[,] into, int row, List<string> words, Vocabulary vocabulary)
    {
        for (int i = 0; i < words.Count && i < into.GetLength(1); i++) into[row, i] = vocabulary.Id(words[i]);
    }
}
