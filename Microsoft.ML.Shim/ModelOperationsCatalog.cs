using System.IO.Compression;
using System.Text.Json;
using Microsoft.ML.Data;

namespace Microsoft.ML;

/// <summary>Saving and loading models, and prediction engines (ML.NET's ModelOperationsCatalog).</summary>
public sealed class ModelOperationsCatalog
{
    private const string SchemaEntry = "Schema.json", ModelDirectory = "Model";

    internal ModelOperationsCatalog(MLContext context) => Context = context;

    internal MLContext Context { get; }

    /// <summary>Saves <paramref name="model"/> and the schema it expects to <paramref name="filePath"/> (written to a temporary file, then moved into place).</summary>
    public void Save(ITransformer model, DataViewSchema inputSchema, string filePath)
    {
        ArgumentNullException.ThrowIfNull(filePath);
        string temporary = filePath + ".tmp";
        try
        {
            using (var stream = File.Create(temporary)) Save(model, inputSchema, stream);
            File.Move(temporary, filePath, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    /// <summary>Saves <paramref name="model"/> and its input schema to <paramref name="stream"/>, a zip.</summary>
    public void Save(ITransformer model, DataViewSchema inputSchema, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputSchema);
        ArgumentNullException.ThrowIfNull(stream);
        using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
        using (var writer = new StreamWriter(zip.CreateEntry(SchemaEntry).Open()))
            writer.Write(JsonSerializer.Serialize(inputSchema.Where(c => !c.IsHidden).Select(SchemaJson.Describe).ToArray()));
        model.Save(new ModelSaveContext(zip, ModelDirectory));
    }

    /// <summary>Loads a model saved by <see cref="Save(ITransformer, DataViewSchema, string)"/> and the schema it expects.</summary>
    /// <exception cref="InvalidDataException">The file is not a model saved here, or is damaged (the message names the file).</exception>
    public ITransformer Load(string filePath, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(filePath);
        using var stream = File.OpenRead(filePath);
        return Load(stream, filePath, out inputSchema);
    }

    /// <summary>Loads a model from a stream.</summary>
    public ITransformer Load(Stream stream, out DataViewSchema inputSchema) => Load(stream, "the model stream", out inputSchema);

    private static ITransformer Load(Stream stream, string name, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(stream);
        try
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            var entry = zip.GetEntry(SchemaEntry) ?? throw new InvalidDataException($"{name}: not a model saved by MLContext.Model.Save (no {SchemaEntry}).");
            using (var reader = new StreamReader(entry.Open()))
            {
                using var doc = JsonDocument.Parse(reader.ReadToEnd());
                var builder = new DataViewSchema.Builder();
                foreach (var c in doc.RootElement.EnumerateArray()) builder.AddColumn(c.GetProperty("name").GetString()!, SchemaJson.Parse(c, name));
                inputSchema = builder.ToSchema();
            }
            return new ModelLoadContext(zip, "", name).LoadModel(ModelDirectory);
        }
        catch (Exception e) when (e is InvalidDataException or JsonException or KeyNotFoundException or InvalidOperationException && e is not ObjectDisposedException)
        {
            throw e is InvalidDataException ? e : new InvalidDataException($"{name}: the model is damaged ({e.Message}).", e);
        }
    }

    /// <summary>A prediction engine for single objects.</summary>
    public PredictionEngine<TSrc, TDst> CreatePredictionEngine<TSrc, TDst>(ITransformer transformer, bool ignoreMissingColumns = true)
        where TSrc : class where TDst : class, new() => new(transformer, ignoreMissingColumns);
}

/// <summary>Column types as JSON, for saved schemas.</summary>
internal static class SchemaJson
{
    internal static Dictionary<string, object> Describe(DataViewSchema.Column c)
    {
        var d = new Dictionary<string, object> { ["name"] = c.Name };
        var type = c.Type;
        if (type is VectorDataViewType v)
        {
            d["dims"] = v.Dimensions.ToArray();
            type = v.ItemType;
        }
        if (type is KeyDataViewType k)
        {
            d["key_count"] = k.Count;
            d["type"] = k.RawType.Name;
        }
        else d["type"] = type.ToString()!;
        return d;
    }

    internal static DataViewType Parse(JsonElement c, string file)
    {
        string type = c.GetProperty("type").GetString()!;
        PrimitiveDataViewType item = c.TryGetProperty("key_count", out var count)
            ? new KeyDataViewType(type switch { "Byte" => typeof(byte), "UInt16" => typeof(ushort), "UInt64" => typeof(ulong), _ => typeof(uint) }, count.GetUInt64())
            : Transforms.KeyValues.ParseItemType(type, file);
        return c.TryGetProperty("dims", out var dims) ? new VectorDataViewType(item, dims.EnumerateArray().Select(e => e.GetInt32()).ToArray()) : item;
    }
}
