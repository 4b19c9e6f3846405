using System.Text.Json.Serialization;

namespace Microsoft.ML.FunctionalDnn.Transforms;

/// <summary>A fitted transformer's column mapping as saved beside its model (transformer.json).</summary>
internal sealed class TransformerConfig
{
    [JsonPropertyName("input_columns")]
    public Dictionary<string, string> InputColumns { get; set; } = [];

    [JsonPropertyName("outputs")]
    public List<OutputConfig> Outputs { get; set; } = [];

    [JsonPropertyName("batch_size")]
    public int BatchSize { get; set; }

    [JsonPropertyName("padding")]
    public SequencePadding Padding { get; set; }

    [JsonPropertyName("truncating")]
    public SequencePadding Truncating { get; set; }

    internal static TransformerConfig From(TransformerSettings settings) => new()
    {
        InputColumns = new(settings.InputColumns),
        BatchSize = settings.BatchSize,
        Padding = settings.Padding,
        Truncating = settings.Truncating,
        Outputs = [.. settings.Outputs.Select(o => new OutputConfig
        {
            Source = o.Source,
            Column = o.Column,
            Dims = o.Dims,
            PredictedLabelColumn = o.PredictedLabelColumn,
            Kind = o.Kind,
            KeyType = o.Keys?.TypeName,
            KeyValues = o.Keys?.Values.ToList(),
            KeyCount = o.KeyCount,
            IsLayer = o.IsLayer,
            Logits = o.Logits,
        })],
    };

    /// <exception cref="InvalidDataException">A value is out of range; the message names <paramref name="source"/>.</exception>
    internal TransformerSettings ToSettings(string source)
    {
        if (BatchSize <= 0) throw new InvalidDataException($"{source}: transformer.json has batch_size {BatchSize}; it must be positive.");
        var outputs = Outputs.Select(o => new OutputColumn(
            o.Source ?? throw new InvalidDataException($"{source}: an output in transformer.json has no source."),
            o.Column ?? throw new InvalidDataException($"{source}: output '{o.Source}' in transformer.json has no column."),
            o.Dims ?? [],
            o.PredictedLabelColumn,
            o.Kind,
            o.KeyType is { } type ? KeyValues.FromSaved(type, o.KeyValues ?? [], source) : null,
            o.KeyCount,
            o.IsLayer,
            o.Logits)).ToList();
        return new TransformerSettings(InputColumns, outputs, BatchSize, Padding, Truncating);
    }

    internal sealed class OutputConfig
    {
        [JsonPropertyName("source")]
        public string? Source { get; set; }

        [JsonPropertyName("column")]
        public string? Column { get; set; }

        [JsonPropertyName("dims")]
        public int[]? Dims { get; set; }

        [JsonPropertyName("predicted_label_column")]
        public string? PredictedLabelColumn { get; set; }

        [JsonPropertyName("predicted_label_kind")]
        public PredictedLabelKind Kind { get; set; }

        [JsonPropertyName("key_type")]
        public string? KeyType { get; set; }

        [JsonPropertyName("key_values")]
        public List<string>? KeyValues { get; set; }

        [JsonPropertyName("key_count")]
        public int KeyCount { get; set; }

        [JsonPropertyName("is_layer")]
        public bool IsLayer { get; set; }

        [JsonPropertyName("logits")]
        public bool Logits { get; set; }
    }
}
