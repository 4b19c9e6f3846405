using System.Text.Json;
using Microsoft.ML.FunctionalDnn.Initializers;
using Microsoft.ML.FunctionalDnn.Layers;

namespace Microsoft.ML.FunctionalDnn.Saving;

/// <summary>Typed access to one layer's saved config, with errors that name the layer, the key and the file.</summary>
internal sealed class ConfigReader(JsonElement config, string layer, string source)
{
    internal string Layer => layer;

    internal JsonElement Element => config;

    private JsonElement Get(string key) =>
        config.ValueKind == JsonValueKind.Object && config.TryGetProperty(key, out var v) ? v
        : throw Bad($"is missing '{key}'");

    internal bool Has(string key) => config.ValueKind == JsonValueKind.Object && config.TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null;

    internal int Int(string key) => AsInt(Get(key)) ?? throw Bad($"'{key}' must be an integer");

    internal float Float(string key) => Get(key) is { ValueKind: JsonValueKind.Number } v && float.IsFinite(v.GetSingle()) ? v.GetSingle() : throw Bad($"'{key}' must be a finite number");

    /// <summary>The element as an int, or null when it is not a 32-bit integer (a string, a float, an object …).</summary>
    internal static int? AsInt(JsonElement e) => e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int v) ? v : null;

    internal bool Bool(string key) => Get(key).ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw Bad($"'{key}' must be true or false"),
    };

    internal JsonElement Object(string key) => Get(key) is { ValueKind: JsonValueKind.Object } v ? v : throw Bad($"'{key}' must be an object");

    /// <summary>A reader of the object under <paramref name="key"/>, its errors naming <paramref name="what"/>.</summary>
    internal ConfigReader Sub(string key, string what) => new(Object(key), what, source);

    /// <summary>A list of finite numbers.</summary>
    internal float[] Floats(string key) => Get(key) is { ValueKind: JsonValueKind.Array } a && a.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Number && float.IsFinite(e.GetSingle()))
        ? [.. a.EnumerateArray().Select(e => e.GetSingle())]
        : throw Bad($"'{key}' must be a list of finite numbers");

    internal string String(string key) => Get(key).ValueKind == JsonValueKind.String ? Get(key).GetString()! : throw Bad($"'{key}' must be a string");

    internal string? OptionalString(string key) => Has(key) ? String(key) : null;

    internal int[] Ints(string key)
    {
        var v = Get(key);
        if (v.ValueKind != JsonValueKind.Array) throw Bad($"'{key}' must be an array of integers");
        return [.. v.EnumerateArray().Select(e => AsInt(e) ?? throw Bad($"'{key}' must hold integers"))];
    }

    internal int?[] NullableInts(string key)
    {
        var v = Get(key);
        if (v.ValueKind != JsonValueKind.Array) throw Bad($"'{key}' must be an array");
        return [.. v.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Null ? (int?)null : AsInt(e) ?? throw Bad($"'{key}' must hold integers or null"))];
    }

    internal int First(string key) => Ints(key) is { Length: > 0 } a ? a[0] : throw Bad($"'{key}' is empty");

    internal (int, int) Pair(string key) => Ints(key) is { Length: 2 } a ? (a[0], a[1]) : throw Bad($"'{key}' must hold 2 integers");

    internal Padding Padding() => String("padding") switch
    {
        "valid" => FunctionalDnn.Padding.Valid,
        "same" => FunctionalDnn.Padding.Same,
        "causal" => FunctionalDnn.Padding.Causal,
        var p => throw Bad($"has unknown padding '{p}'"),
    };

    internal ActivationFunction Activation(string key = "activation")
    {
        try
        {
            return Activations.FromName(String(key));
        }
        catch (ArgumentException e)
        {
            throw Bad(e.Message);
        }
    }

    internal Initializer Initializer(string key)
    {
        try
        {
            return Initializers.Initializer.FromName(String(key));
        }
        catch (ArgumentException e)
        {
            throw Bad(e.Message);
        }
    }

    internal InvalidDataException Bad(string what) => new($"'{source}': the config of layer '{layer}' {what}.");
}
