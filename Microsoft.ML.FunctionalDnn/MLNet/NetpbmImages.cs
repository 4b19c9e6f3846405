using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Microsoft.ML.FunctionalDnn;

/// <summary>
/// Reads PGM (grey) and PPM (colour) images — binary P5/P6 or text P2/P3 — named by a text column
/// into Vector&lt;Single, height, width, channels&gt; columns scaled to [0, 1], ready for a Conv2D
/// input. Every image must have the declared size; a wrong size or a broken file is an error that
/// names the file.
/// </summary>
[ModelLoader(LoaderSignature)]
public sealed class NetpbmImageTransformer : RowToRowTransformerBase, IEstimator<NetpbmImageTransformer>
{
    internal const string LoaderSignature = "NetpbmImages";
    private readonly string _output, _input, _folder;
    private readonly int _height, _width, _channels;

    internal NetpbmImageTransformer(string output, string input, string folder, int height, int width, int channels)
    {
        ArgumentException.ThrowIfNullOrEmpty(output);
        if (height <= 0 || width <= 0 || channels is not (1 or 3)) throw new ArgumentException($"Images need a positive height and width and 1 (grey) or 3 (colour) channels; received {height}×{width}×{channels}.");
        (_output, _input, _folder, _height, _width, _channels) = (output, input, folder, height, width, channels);
    }

    /// <summary>Nothing to learn.</summary>
    public NetpbmImageTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        GetOutputSchema(SchemaShape.Create(input.Schema));
        return this;
    }

    /// <summary>Adds the image column.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        if (!inputSchema.TryFindColumn(_input, out var c) || c.ItemType is not TextDataViewType)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"LoadNetpbmImages: input column '{_input}' must exist and hold file names.");
        return new SchemaShape([.. inputSchema, new SchemaShape.Column(_output, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, false)]);
    }

    private protected override IColumnMapper MakeMapper(DataViewSchema inputSchema)
    {
        var column = RequireColumn(inputSchema, _input, "LoadNetpbmImages");
        if (column.Type is not TextDataViewType) throw new ArgumentException($"LoadNetpbmImages: column '{_input}' must hold file names; it is {column.Type}.", nameof(inputSchema));
        var type = new VectorDataViewType(NumberDataViewType.Single, _height, _width, _channels);
        return new DelegateColumnMapper([new DataViewSchema.DetachedColumn(_output, type)], [_input], 1,
            rows => [.. rows.Select(r => new object?[] { new VBuffer<float>(_height * _width * _channels, Read(Path.Combine(_folder, ((ReadOnlyMemory<char>)r[0]!).ToString()))) })]);
    }

    /// <summary>The pixels of a PGM/PPM file, row-major, channels last, scaled to [0, 1].</summary>
    /// <exception cref="InvalidDataException">Not a Netpbm image, truncated, or of another size.</exception>
    internal float[] Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        int at = 0;
        string Token()
        {
            while (at < bytes.Length)
            {
                if (bytes[at] == '#') while (at < bytes.Length && bytes[at] != '\n') at++;
                else if (char.IsWhiteSpace((char)bytes[at])) at++;
                else break;
            }
            int start = at;
            while (at < bytes.Length && !char.IsWhiteSpace((char)bytes[at])) at++;
            return Encoding.ASCII.GetString(bytes, start, at - start);
        }
        int Number() => int.TryParse(Token(), NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : throw new InvalidDataException($"{path}: not a valid PGM/PPM header.");
        string magic = Token();
        int channels = magic is "P5" or "P2" ? 1 : magic is "P6" or "P3" ? 3 : throw new InvalidDataException($"{path}: not a PGM or PPM image (magic '{magic}'; expected P2, P3, P5 or P6).");
        int width = Number(), height = Number(), max = Number();
        if (width != _width || height != _height || channels != _channels)
            throw new InvalidDataException($"{path}: the image is {height}×{width}×{channels}; column '{_output}' expects {_height}×{_width}×{_channels}.");
        if (max is <= 0 or > 65535) throw new InvalidDataException($"{path}: the maximum value {max} is outside 1…65535.");
        int count = width * height * channels;
        var pixels = new float[count];
        if (magic is "P2" or "P3")
        {
            for (int i = 0; i < count; i++) pixels[i] = Number() / (float)max;
            return pixels;
        }
        at++; // the single white-space byte after the header
        int width8 = max < 256 ? 1 : 2;
        if (bytes.Length - at < count * width8) throw new InvalidDataException($"{path}: the image data is truncated ({bytes.Length - at} of {count * width8} bytes).");
        for (int i = 0; i < count; i++)
            pixels[i] = (width8 == 1 ? bytes[at + i] : bytes[at + 2 * i] << 8 | bytes[at + 2 * i + 1]) / (float)max;
        return pixels;
    }

    private protected override void SaveModel(ModelSaveContext ctx)
    {
        ctx.SetLoader(LoaderSignature);
        ctx.SaveText("images.json", JsonSerializer.Serialize(new Dictionary<string, object> { ["output"] = _output, ["input"] = _input, ["folder"] = _folder, ["height"] = _height, ["width"] = _width, ["channels"] = _channels }));
    }

    internal static NetpbmImageTransformer Create(ModelLoadContext ctx)
    {
        using var doc = JsonDocument.Parse(ctx.LoadText("images.json"));
        var r = doc.RootElement;
        return new NetpbmImageTransformer(r.GetProperty("output").GetString()!, r.GetProperty("input").GetString()!, r.GetProperty("folder").GetString()!,
            r.GetProperty("height").GetInt32(), r.GetProperty("width").GetInt32(), r.GetProperty("channels").GetInt32());
    }
}

/// <summary>Adds LoadNetpbmImages to ML.NET's transform catalog.</summary>
public static class NetpbmImageCatalogExtensions
{
    /// <summary>Images (PGM/PPM files named in <paramref name="inputColumnName"/>, relative to <paramref name="imageFolder"/>) as Vector&lt;Single, height, width, channels&gt;.</summary>
    public static NetpbmImageTransformer LoadNetpbmImages(this TransformsCatalog catalog, string outputColumnName, string imageFolder, string inputColumnName,
        int height, int width, int channels = 1)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(imageFolder);
        return new NetpbmImageTransformer(outputColumnName, inputColumnName, imageFolder, height, width, channels);
    }
}
