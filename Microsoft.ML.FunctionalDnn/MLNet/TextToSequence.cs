using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Microsoft.ML.FunctionalDnn;

/// <summary>How text becomes token ids (Keras's TextVectorization with <c>output_mode="int"</c>).</summary>
public sealed class TextToSequenceOptions
{
    /// <summary>The vocabulary's size, padding (0) and out-of-vocabulary (1) ids included; the most frequent tokens are kept.</summary>
    public int MaxTokens { get; set; } = 20000;

    /// <summary>Tokens seen fewer times than this in training are out of vocabulary.</summary>
    public int MinCount { get; set; } = 1;

    /// <summary>Every sequence is padded with 0 or truncated to this many ids.</summary>
    public int SequenceLength { get; set; } = 100;

    /// <summary>Lower-case the text.</summary>
    public bool LowerCase { get; set; } = true;

    /// <summary>Remove ASCII punctuation before splitting on white space.</summary>
    public bool StripPunctuation { get; set; } = true;

    /// <summary>Pad and truncate at the end ("post", Keras's TextVectorization) or at the start ("pre", Keras's pad_sequences default).</summary>
    public bool PadAtStart { get; set; }
}

/// <summary>
/// Learns a vocabulary from text columns and turns each text into a fixed-length sequence of token
/// ids for an Embedding: 0 pads, 1 stands for tokens outside the vocabulary, and 2, 3 … are the
/// tokens from the most frequent. Several columns (a story and its question) share one vocabulary.
/// </summary>
public sealed class TextToSequenceEstimator : IEstimator<TextToSequenceTransformer>
{
    private readonly InputOutputColumnPair[] _columns;
    private readonly TextToSequenceOptions _options;

    internal TextToSequenceEstimator(InputOutputColumnPair[] columns, TextToSequenceOptions options)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(options);
        if (columns.Length == 0) throw new ArgumentException("TextToSequence needs at least one column.", nameof(columns));
        if (options.MaxTokens < 3) throw new ArgumentOutOfRangeException(nameof(options), $"MaxTokens must be at least 3 (padding, out-of-vocabulary and one token); received {options.MaxTokens}.");
        if (options.SequenceLength < 1) throw new ArgumentOutOfRangeException(nameof(options), $"SequenceLength must be positive; received {options.SequenceLength}.");
        (_columns, _options) = (columns, options);
    }

    /// <summary>Counts the tokens of every input column and keeps the most frequent.</summary>
    public TextToSequenceTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        GetOutputSchema(SchemaShape.Create(input.Schema));
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var columns = _columns.Select(c => input.Schema[c.InputColumnName]).ToList();
        using (var cursor = input.GetRowCursor(columns))
        {
            var getters = columns.Select(c => cursor.GetGetter<ReadOnlyMemory<char>>(c)).ToList();
            ReadOnlyMemory<char> text = default;
            while (cursor.MoveNext())
                foreach (var getter in getters)
                {
                    getter(ref text);
                    foreach (var token in Tokenize(text.Span, _options)) counts[token] = counts.GetValueOrDefault(token) + 1;
                }
        }
        var vocabulary = counts.Where(p => p.Value >= _options.MinCount)
            .OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal)
            .Take(_options.MaxTokens - 2).Select(p => p.Key).ToList();
        return new TextToSequenceTransformer(_columns, _options, vocabulary);
    }

    /// <summary>Adds a Vector&lt;Int32, SequenceLength&gt; column per text column.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var columns = inputSchema.ToList();
        foreach (var pair in _columns)
        {
            if (!inputSchema.TryFindColumn(pair.InputColumnName, out var c))
                throw new ArgumentOutOfRangeException(nameof(inputSchema), $"TextToSequence: input column '{pair.InputColumnName}' not found. Columns: [{string.Join(", ", inputSchema.Select(x => x.Name))}].");
            if (c.ItemType is not TextDataViewType || c.Kind != SchemaShape.Column.VectorKind.Scalar)
                throw new ArgumentException($"TextToSequence: column '{pair.InputColumnName}' must hold text; it is {c.GetTypeString()}.", nameof(inputSchema));
            columns.Add(new SchemaShape.Column(pair.OutputColumnName, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Int32, false));
        }
        return new SchemaShape(columns);
    }

    /// <summary>The tokens of <paramref name="text"/>: lower-cased, ASCII punctuation removed, split on white space.</summary>
    internal static List<string> Tokenize(ReadOnlySpan<char> text, TextToSequenceOptions options)
    {
        var tokens = new List<string>();
        var current = new StringBuilder();
        foreach (char raw in text)
        {
            char ch = options.LowerCase ? char.ToLowerInvariant(raw) : raw;
            if (options.StripPunctuation && char.IsAsciiLetterOrDigit(ch) is false && ch < 128 && !char.IsWhiteSpace(ch)) continue;
            if (char.IsWhiteSpace(ch))
            {
                if (current.Length > 0) tokens.Add(current.ToString());
                current.Clear();
            }
            else current.Append(ch);
        }
        if (current.Length > 0) tokens.Add(current.ToString());
        return tokens;
    }
}

/// <summary>Turns text columns into token-id sequences with the vocabulary learned by <see cref="TextToSequenceEstimator"/>.</summary>
[ModelLoader(LoaderSignature)]
public sealed class TextToSequenceTransformer : RowToRowTransformerBase
{
    internal const string LoaderSignature = "TextToSequence";
    private readonly InputOutputColumnPair[] _columns;
    private readonly TextToSequenceOptions _options;
    private readonly Dictionary<string, int> _ids;

    internal TextToSequenceTransformer(InputOutputColumnPair[] columns, TextToSequenceOptions options, List<string> vocabulary)
    {
        (_columns, _options, Vocabulary) = (columns, options, vocabulary);
        _ids = vocabulary.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i + 2, StringComparer.Ordinal);
    }

    /// <summary>The tokens in id order: token i has id i + 2.</summary>
    public IReadOnlyList<string> Vocabulary { get; }

    /// <summary>The number of ids used (padding and out-of-vocabulary included): the Embedding's inputDim.</summary>
    public int VocabularySize => Vocabulary.Count + 2;

    /// <summary>The ids of <paramref name="text"/>, padded or truncated to the sequence length.</summary>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Encode(text.AsMemory());
    }

    private int[] Encode(ReadOnlyMemory<char> text)
    {
        var ids = TextToSequenceEstimator.Tokenize(text.Span, _options).Select(t => _ids.TryGetValue(t, out int id) ? id : 1).ToList();
        int length = _options.SequenceLength;
        var result = new int[length];
        if (ids.Count > length) ids = _options.PadAtStart ? ids[^length..] : ids[..length];
        ids.CopyTo(result, _options.PadAtStart ? length - ids.Count : 0);
        return result;
    }

    private protected override IColumnMapper MakeMapper(DataViewSchema inputSchema)
    {
        foreach (var pair in _columns)
        {
            var c = RequireColumn(inputSchema, pair.InputColumnName, "TextToSequence");
            if (c.Type is not TextDataViewType) throw new ArgumentException($"TextToSequence: column '{pair.InputColumnName}' must hold text; it is {c.Type}.", nameof(inputSchema));
        }
        var type = new VectorDataViewType(NumberDataViewType.Int32, _options.SequenceLength);
        return new DelegateColumnMapper([.. _columns.Select(p => new DataViewSchema.DetachedColumn(p.OutputColumnName, type))], [.. _columns.Select(p => p.InputColumnName)], 1,
            rows => [.. rows.Select(r => r.Select(v => (object?)new VBuffer<int>(_options.SequenceLength, Encode(v is ReadOnlyMemory<char> m ? m : default))).ToArray())]);
    }

    private protected override void SaveModel(ModelSaveContext ctx)
    {
        ctx.SetLoader(LoaderSignature);
        ctx.SaveText("vocabulary.json", JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["columns"] = _columns.Select(c => new[] { c.OutputColumnName, c.InputColumnName }).ToArray(),
            ["max_tokens"] = _options.MaxTokens,
            ["min_count"] = _options.MinCount,
            ["sequence_length"] = _options.SequenceLength,
            ["lower_case"] = _options.LowerCase,
            ["strip_punctuation"] = _options.StripPunctuation,
            ["pad_at_start"] = _options.PadAtStart,
            ["vocabulary"] = Vocabulary,
        }));
    }

    internal static TextToSequenceTransformer Create(ModelLoadContext ctx)
    {
        using var doc = JsonDocument.Parse(ctx.LoadText("vocabulary.json"));
        var r = doc.RootElement;
        var options = new TextToSequenceOptions
        {
            MaxTokens = r.GetProperty("max_tokens").GetInt32(),
            MinCount = r.GetProperty("min_count").GetInt32(),
            SequenceLength = r.GetProperty("sequence_length").GetInt32(),
            LowerCase = r.GetProperty("lower_case").GetBoolean(),
            StripPunctuation = r.GetProperty("strip_punctuation").GetBoolean(),
            PadAtStart = r.GetProperty("pad_at_start").GetBoolean(),
        };
        var columns = r.GetProperty("columns").EnumerateArray().Select(p => new InputOutputColumnPair(p[0].GetString()!, p[1].GetString())).ToArray();
        return new TextToSequenceTransformer(columns, options, [.. r.GetProperty("vocabulary").EnumerateArray().Select(e => e.GetString()!)]);
    }
}

/// <summary>Adds TextToSequence to ML.NET's transform catalog.</summary>
public static class TextToSequenceCatalogExtensions
{
    /// <summary>Token ids of one text column, padded or truncated to <paramref name="sequenceLength"/>.</summary>
    public static TextToSequenceEstimator TextToSequence(this TransformsCatalog catalog, string outputColumnName, string? inputColumnName = null,
        int maxTokens = 20000, int sequenceLength = 100, int minCount = 1)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new([new InputOutputColumnPair(outputColumnName, inputColumnName)], new TextToSequenceOptions { MaxTokens = maxTokens, SequenceLength = sequenceLength, MinCount = minCount });
    }

    /// <summary>Token ids of several text columns with one shared vocabulary (a story and its question).</summary>
    public static TextToSequenceEstimator TextToSequence(this TransformsCatalog catalog, InputOutputColumnPair[] columns, TextToSequenceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new(columns, options ?? new TextToSequenceOptions());
    }
}
