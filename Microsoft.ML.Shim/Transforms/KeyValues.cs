using System.Globalization;
using System.Text.Json;
using Microsoft.ML.Data;

namespace Microsoft.ML.Transforms;

/// <summary>The <c>KeyValues</c> annotation of key columns: the value each key stands for.</summary>
internal static class KeyValues
{
    internal const string Kind = "KeyValues";

    /// <summary>Text as string (so it can be a dictionary key); other values as they are.</summary>
    internal static object? Normalize(object? raw) => raw is ReadOnlyMemory<char> text ? text.ToString() : raw;

    /// <summary>The raw column value of a normalized value.</summary>
    internal static object? ToRaw(object value) => value is string s ? s.AsMemory() : value;

    internal static object? Missing(PrimitiveDataViewType type) =>
        type is TextDataViewType ? ReadOnlyMemory<char>.Empty : type.RawType == typeof(float) ? float.NaN : type.RawType == typeof(double) ? double.NaN : Activator.CreateInstance(type.RawType);

    /// <summary>The annotation holding <paramref name="values"/> as a vector of <paramref name="itemType"/>.</summary>
    internal static DataViewSchema.Annotations Annotation(PrimitiveDataViewType itemType, IReadOnlyList<object> values)
    {
        var builder = new DataViewSchema.Annotations.Builder();
        var vectorType = new VectorDataViewType(itemType, Math.Max(1, values.Count));
        var getter = typeof(KeyValues).GetMethod(nameof(Getter), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(itemType.RawType).Invoke(null, [values])!;
        builder.Add(Kind, vectorType, (Delegate)getter);
        return builder.ToAnnotations();
    }

    private static ValueGetter<VBuffer<T>> Getter<T>(IReadOnlyList<object> values) => (ref VBuffer<T> v) =>
    {
        var items = values.Select(x => (T)ToRaw(x)!).ToArray();
        if (items.Length == 0) items = [default!];
        v = new VBuffer<T>(items.Length, items);
    };

    /// <summary>The item type and values of a key column's annotation.</summary>
    internal static (PrimitiveDataViewType ItemType, List<object> Values) Read(DataViewSchema.Column column)
    {
        var annotation = column.Annotations.Schema.GetColumnOrNull(Kind)
            ?? throw new ArgumentException($"Key column '{column.Name}' has no KeyValues annotation to map back to.");
        var vector = (VectorDataViewType)annotation.Type;
        var values = (List<object>)typeof(KeyValues).GetMethod(nameof(ReadTyped), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(vector.ItemType.RawType).Invoke(null, [column.Annotations, annotation])!;
        return (vector.ItemType, values);
    }

    private static List<object> ReadTyped<T>(DataViewSchema.Annotations annotations, DataViewSchema.Column annotation)
    {
        VBuffer<T> buffer = default;
        annotations.GetGetter<VBuffer<T>>(annotation)(ref buffer);
        return [.. buffer.DenseValues().Select(v => Normalize(v)!)];
    }

    internal static PrimitiveDataViewType ParseItemType(string name, string path) => name switch
    {
        "String" => TextDataViewType.Instance,
        "Boolean" => BooleanDataViewType.Instance,
        _ => (PrimitiveDataViewType?)new[] { NumberDataViewType.Single, NumberDataViewType.Double, NumberDataViewType.Int32, NumberDataViewType.Int64, NumberDataViewType.UInt32, NumberDataViewType.UInt64, NumberDataViewType.Int16, NumberDataViewType.UInt16, NumberDataViewType.Byte, NumberDataViewType.SByte }
            .FirstOrDefault(n => n.ToString() == name) ?? throw new InvalidDataException($"{path}: unknown key value type '{name}'."),
    };

    internal static object FromJson(JsonElement e, PrimitiveDataViewType type) =>
        type is TextDataViewType ? e.GetString() ?? "" : type is BooleanDataViewType ? e.GetBoolean() : Convert.ChangeType(e.GetDouble(), type.RawType, CultureInfo.InvariantCulture);
}
