using System.Globalization;
using Microsoft.ML.Data;

namespace Microsoft.ML.FunctionalDnn.Transforms;

/// <summary>
/// The values behind a key column (ML.NET's "KeyValues" annotation: the original labels, in key
/// order), captured from the label column when the estimator is fitted, so that the predicted-label
/// column carries them and MapKeyToValue works after it, also after the pipeline is saved and loaded.
/// Held as invariant strings with the item type (text, numbers or booleans, as MapValueToKey makes them).
/// </summary>
internal sealed class KeyValues
{
    private const string Kind = "KeyValues";

    private KeyValues(PrimitiveDataViewType itemType, IReadOnlyList<string> values) => (ItemType, Values) = (itemType, values);

    internal PrimitiveDataViewType ItemType { get; }

    internal IReadOnlyList<string> Values { get; }

    /// <summary>The key values of <paramref name="column"/>, or null when it has none.</summary>
    internal static KeyValues? Read(DataViewSchema.Column column)
    {
        if (column.Annotations.Schema.GetColumnOrNull(Kind) is not { Type: VectorDataViewType { ItemType: PrimitiveDataViewType item } }) return null;
        return item.RawType switch
        {
            var t when t == typeof(ReadOnlyMemory<char>) => Read<ReadOnlyMemory<char>>(column, item, v => v.ToString()),
            var t when t == typeof(float) => Read<float>(column, item, v => v.ToString("R", CultureInfo.InvariantCulture)),
            var t when t == typeof(double) => Read<double>(column, item, v => v.ToString("R", CultureInfo.InvariantCulture)),
            var t when t == typeof(int) => Read<int>(column, item, v => v.ToString(CultureInfo.InvariantCulture)),
            var t when t == typeof(uint) => Read<uint>(column, item, v => v.ToString(CultureInfo.InvariantCulture)),
            var t when t == typeof(long) => Read<long>(column, item, v => v.ToString(CultureInfo.InvariantCulture)),
            var t when t == typeof(ulong) => Read<ulong>(column, item, v => v.ToString(CultureInfo.InvariantCulture)),
            var t when t == typeof(short) => Read<short>(column, item, v => v.ToString(CultureInfo.InvariantCulture)),
            var t when t == typeof(ushort) => Read<ushort>(column, item, v => v.ToString(CultureInfo.InvariantCulture)),
            var t when t == typeof(byte) => Read<byte>(column, item, v => v.ToString(CultureInfo.InvariantCulture)),
            var t when t == typeof(sbyte) => Read<sbyte>(column, item, v => v.ToString(CultureInfo.InvariantCulture)),
            var t when t == typeof(bool) => Read<bool>(column, item, v => v ? "true" : "false"),
            _ => null,
        };
    }

    private static KeyValues Read<T>(DataViewSchema.Column column, PrimitiveDataViewType item, Func<T, string> format)
    {
        VBuffer<T> values = default;
        column.Annotations.GetValue(Kind, ref values);
        return new KeyValues(item, [.. values.DenseValues().Select(format)]);
    }

    /// <summary>The annotations of a predicted-label column: these key values.</summary>
    internal DataViewSchema.Annotations ToAnnotations()
    {
        var builder = new DataViewSchema.Annotations.Builder();
        Add(builder, Kind);
        return builder.ToAnnotations();
    }

    /// <summary>Slot names for a score column (ML.NET's scorers name the classes when the labels are text).</summary>
    internal DataViewSchema.Annotations? ToSlotNames()
    {
        if (ItemType is not TextDataViewType) return null;
        var builder = new DataViewSchema.Annotations.Builder();
        Add(builder, "SlotNames");
        return builder.ToAnnotations();
    }

    private void Add(DataViewSchema.Annotations.Builder builder, string kind)
    {
        var type = new VectorDataViewType(ItemType, Values.Count);
        switch (ItemType.RawType)
        {
            case var t when t == typeof(ReadOnlyMemory<char>): Add<ReadOnlyMemory<char>>(builder, kind, type, s => s.AsMemory()); break;
            case var t when t == typeof(float): Add(builder, kind, type, s => float.Parse(s, CultureInfo.InvariantCulture)); break;
            case var t when t == typeof(double): Add(builder, kind, type, s => double.Parse(s, CultureInfo.InvariantCulture)); break;
            case var t when t == typeof(int): Add(builder, kind, type, s => int.Parse(s, CultureInfo.InvariantCulture)); break;
            case var t when t == typeof(uint): Add(builder, kind, type, s => uint.Parse(s, CultureInfo.InvariantCulture)); break;
            case var t when t == typeof(long): Add(builder, kind, type, s => long.Parse(s, CultureInfo.InvariantCulture)); break;
            case var t when t == typeof(ulong): Add(builder, kind, type, s => ulong.Parse(s, CultureInfo.InvariantCulture)); break;
            case var t when t == typeof(short): Add(builder, kind, type, s => short.Parse(s, CultureInfo.InvariantCulture)); break;
            case var t when t == typeof(ushort): Add(builder, kind, type, s => ushort.Parse(s, CultureInfo.InvariantCulture)); break;
            case var t when t == typeof(byte): Add(builder, kind, type, s => byte.Parse(s, CultureInfo.InvariantCulture)); break;
            case var t when t == typeof(sbyte): Add(builder, kind, type, s => sbyte.Parse(s, CultureInfo.InvariantCulture)); break;
            case var t when t == typeof(bool): Add(builder, kind, type, s => s == "true"); break;
            default: throw new InvalidOperationException($"Key values of type {ItemType} are not supported.");
        }
    }

    private void Add<T>(DataViewSchema.Annotations.Builder builder, string kind, VectorDataViewType type, Func<string, T> parse)
    {
        var values = Values.Select(parse).ToArray();
        builder.Add(kind, type, (ref VBuffer<T> value) => value = new VBuffer<T>(values.Length, (T[])values.Clone()));
    }

    /// <summary>The item type's name as saved (ML.NET's own type names: String, Single, UInt32 …).</summary>
    internal string TypeName => ItemType.RawType == typeof(ReadOnlyMemory<char>) ? "String" : ItemType.RawType.Name;

    /// <summary>Key values read back from a saved item type name and values.</summary>
    /// <exception cref="InvalidDataException">The type name is not one key values can have.</exception>
    internal static KeyValues FromSaved(string typeName, IReadOnlyList<string> values, string source)
    {
        PrimitiveDataViewType type = typeName switch
        {
            "String" => TextDataViewType.Instance,
            "Boolean" => BooleanDataViewType.Instance,
            "Single" => NumberDataViewType.Single,
            "Double" => NumberDataViewType.Double,
            "Int32" => NumberDataViewType.Int32,
            "UInt32" => NumberDataViewType.UInt32,
            "Int64" => NumberDataViewType.Int64,
            "UInt64" => NumberDataViewType.UInt64,
            "Int16" => NumberDataViewType.Int16,
            "UInt16" => NumberDataViewType.UInt16,
            "Byte" => NumberDataViewType.Byte,
            "SByte" => NumberDataViewType.SByte,
            _ => throw new InvalidDataException($"{source}: key values of type '{typeName}' are not supported (expected String, Boolean or a number type)."),
        };
        return new KeyValues(type, values);
    }
}
