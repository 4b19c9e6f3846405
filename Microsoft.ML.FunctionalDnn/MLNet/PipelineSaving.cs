using System.IO.Compression;
using System.Text.Json;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Microsoft.ML.FunctionalDnn.Transforms;

/// <summary>
/// Saves a <see cref="FunctionalDnnTransformer"/> inside an ML.NET model zip on ML.NET's public API
/// only. ML.NET keeps its save and load contexts internal, so the transformer saves, in its place, a
/// small chain of two of ML.NET's own transformers: a custom-mapping placeholder (contract
/// <see cref="ContractName"/>) and a value mapping whose lookup table holds the network (the
/// model file and the column mapping, as numbered byte chunks). ML.NET writes both, so
/// <c>mlContext.Model.Save</c> carries the network in its one zip. Loading needs
/// <see cref="FunctionalDnnCatalog.Load(string, out DataViewSchema)"/>, which lets ML.NET load the
/// chain and swaps each placeholder chain back for the transformer; ML.NET's plain
/// <c>mlContext.Model.Load</c> fails with an error naming that method, so no one ends up with a
/// pipeline that silently lacks its network.
/// </summary>
internal static class PipelineSaving
{
    internal const string ContractName = "Microsoft.ML.FunctionalDnn.Network";
    private const string ChunkColumn = "Chunk", BlobColumn = "Network";
    private const int ChunkSize = 1 << 20;
    private static readonly AsyncLocal<bool> s_loading = new();

    /// <summary>True while <see cref="Load"/> runs (the placeholder's factory allows itself to load then).</summary>
    internal static bool Loading => s_loading.Value;

    internal static void Save(FunctionalDnnTransformer transformer, ModelSaveContext ctx)
    {
        var ml = new MLContext();
        var bytes = Pack(transformer);
        int chunks = (bytes.Length + ChunkSize - 1) / ChunkSize;
        // Chunk 0 holds the number of chunks; chunks 1… the bytes.
        var pairs = new List<KeyValuePair<int, byte[]>> { new(0, BitConverter.GetBytes(chunks)) };
        for (int c = 0; c < chunks; c++) pairs.Add(new(c + 1, bytes[(c * ChunkSize)..Math.Min(bytes.Length, (c + 1) * ChunkSize)]));
        var keys = ml.Data.LoadFromEnumerable(new[] { new ChunkRow() });
        var network = ml.Transforms.Conversion.MapValue(BlobColumn, pairs, ChunkColumn).Fit(keys);
        var placeholder = ml.Transforms.CustomMapping(NetworkPlaceholderFactory.Empty, ContractName).Fit(keys);
        ((ICanSaveModel)new TransformerChain<ITransformer>(placeholder, network)).Save(ctx);
    }

    /// <summary>The transformer as bytes: a zip of transformer.json (column mapping) and model.fdnn.</summary>
    internal static byte[] Pack(FunctionalDnnTransformer transformer)
    {
        var model = ModelBytes.Save(transformer.Model);
        using var memory = new MemoryStream();
        using (var zip = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            using (var s = zip.CreateEntry("transformer.json").Open()) JsonSerializer.Serialize(s, TransformerConfig.From(transformer.Settings), Saving.Json.Options);
            using var m = zip.CreateEntry("model.fdnn", CompressionLevel.NoCompression).Open();
            m.Write(model);
        }
        return memory.ToArray();
    }

    internal static FunctionalDnnTransformer Unpack(byte[] bytes, string source)
    {
        try
        {
            using var zip = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read);
            var json = zip.GetEntry("transformer.json") ?? throw new InvalidDataException($"{source}: the FunctionalDnn network has no transformer.json; the file is damaged.");
            var model = zip.GetEntry("model.fdnn") ?? throw new InvalidDataException($"{source}: the FunctionalDnn network has no model.fdnn; the file is damaged.");
            TransformerConfig config;
            using (var s = json.Open()) config = JsonSerializer.Deserialize<TransformerConfig>(s, Saving.Json.Options) ?? throw new InvalidDataException($"{source}: transformer.json is empty.");
            var file = new MemoryStream();
            using (var m = model.Open()) m.CopyTo(file);
            Model loaded;
            try
            {
                loaded = ModelBytes.Load(file.ToArray(), "model.fdnn");
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"{source}: the FunctionalDnn network in this pipeline is damaged: {e.Message}", e);
            }
            return new FunctionalDnnTransformer(loaded, config.ToSettings(source));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: the FunctionalDnn network in this model cannot be read: {e.Message}", e);
        }
    }

    /// <summary>Loads an ML.NET model and puts each FunctionalDnn transformer back in its place.</summary>
    internal static ITransformer Load(MLContext ml, Func<ITransformer> load, string source)
    {
        ml.ComponentCatalog.RegisterAssembly(typeof(PipelineSaving).Assembly);
        ITransformer loaded;
        s_loading.Value = true;
        try
        {
            loaded = load();
        }
        finally
        {
            s_loading.Value = false;
        }
        return Restore(ml, loaded, source);
    }

    private static ITransformer Restore(MLContext ml, ITransformer transformer, string source)
    {
        if (transformer is not IEnumerable<ITransformer> chain) return transformer;
        var parts = chain.ToList();
        if (parts.Count == 2 && parts[0] is CustomMappingTransformer<NetworkPlaceholderFactory.Input, NetworkPlaceholderFactory.Output>)
            return Unpack(ReadNetwork(ml, parts[1], source), source);
        var restored = parts.Select(p => Restore(ml, p, source)).ToList();
        return restored.SequenceEqual(parts) ? transformer : new TransformerChain<ITransformer>([.. restored]);
    }

    private static byte[] ReadNetwork(MLContext ml, ITransformer network, string source)
    {
        byte[] Chunks(IEnumerable<int> ids) =>
            [.. network.Transform(ml.Data.LoadFromEnumerable(ids.Select(i => new ChunkRow { Chunk = i }))).GetColumn<byte[]>(BlobColumn).SelectMany(b => b)];
        var header = Chunks([0]);
        if (header.Length != sizeof(int)) throw new InvalidDataException($"{source}: the FunctionalDnn network's header is damaged.");
        int count = BitConverter.ToInt32(header);
        return Chunks(Enumerable.Range(1, count));
    }

    /// <summary>A row of the network's lookup table key.</summary>
    private sealed class ChunkRow
    {
        public int Chunk { get; set; }
    }
}

/// <summary>
/// The placeholder ML.NET loads where a FunctionalDnn transformer was saved. Outside
/// <c>mlContext.FunctionalDnn().Load</c> it refuses to load, with the method to use instead.
/// </summary>
[CustomMappingFactoryAttribute(PipelineSaving.ContractName)]
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
public sealed class NetworkPlaceholderFactory : CustomMappingFactory<NetworkPlaceholderFactory.Input, NetworkPlaceholderFactory.Output>
{
    internal static readonly Action<Input, Output> Empty = (_, _) => { };

    /// <summary>No mapping: the placeholder only marks where the network goes.</summary>
    /// <exception cref="InvalidOperationException">Loaded by ML.NET's plain <c>mlContext.Model.Load</c>.</exception>
    public override Action<Input, Output> GetMapping() => PipelineSaving.Loading ? Empty
        : throw new InvalidOperationException("This ML.NET model holds a FunctionalDnn network, which ML.NET's mlContext.Model.Load cannot rebuild. "
            + "Load it with mlContext.FunctionalDnn().Load(path, out var schema) (namespace Microsoft.ML.FunctionalDnn).");

    /// <summary>The placeholder reads no column.</summary>
    public sealed class Input;

    /// <summary>The placeholder adds no column.</summary>
    public sealed class Output;
}
