using System.Reflection;

namespace Microsoft.ML.Data;

/// <summary>A class member seen as a column (what ML.NET's SchemaDefinition describes).</summary>
internal sealed class MemberColumn(string name, MemberInfo member, Type memberType, DataViewType columnType)
{
    internal string Name { get; } = name;

    internal MemberInfo Member { get; } = member;

    internal Type MemberType { get; } = memberType;

    internal DataViewType ColumnType { get; } = columnType;

    internal object? Read(object row) => Member is FieldInfo f ? f.GetValue(row) : ((PropertyInfo)Member).GetValue(row);

    internal void Write(object row, object? value)
    {
        if (Member is FieldInfo f) f.SetValue(row, value);
        else ((PropertyInfo)Member).SetValue(row, value);
    }
}

/// <summary>
/// How classes map to schemas, as in ML.NET: public fields and properties (readable ones to read
/// rows, writable ones to fill them), named by <see cref="ColumnNameAttribute"/> or the member;
/// <c>string</c> is text, <c>T[]</c> a vector (of known size with <see cref="VectorTypeAttribute"/>),
/// unsigned integers with <see cref="KeyTypeAttribute"/> keys; <see cref="NoColumnAttribute"/> skips.
/// </summary>
internal static class TypeMapping
{
    internal static List<MemberColumn> Columns(Type type, bool forWriting)
    {
        var members = new List<(MemberInfo Member, Type Type)>();
        foreach (var f in type.GetFields(BindingFlags.Public | BindingFlags.Instance))
            if (!f.IsLiteral && (!forWriting || !f.IsInitOnly)) members.Add((f, f.FieldType));
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            if (p.GetIndexParameters().Length == 0 && (forWriting ? p.SetMethod?.IsPublic == true : p.GetMethod?.IsPublic == true)) members.Add((p, p.PropertyType));
        var columns = new List<MemberColumn>();
        foreach (var (member, memberType) in members)
        {
            if (member.GetCustomAttribute<NoColumnAttribute>() is not null) continue;
            string name = member.GetCustomAttribute<ColumnNameAttribute>()?.Name ?? member.Name;
            if (columns.Any(c => c.Name == name))
                throw new InvalidOperationException($"{type.Name}: two members map to the column '{name}'.");
            columns.Add(new MemberColumn(name, member, memberType, ColumnType(type, member, memberType)));
        }
        return columns;
    }

    private static DataViewType ColumnType(Type owner, MemberInfo member, Type memberType)
    {
        var vector = member.GetCustomAttribute<VectorTypeAttribute>();
        var key = member.GetCustomAttribute<KeyTypeAttribute>();
        Type? itemType = memberType.IsArray ? memberType.GetElementType()
            : memberType.IsGenericType && memberType.GetGenericTypeDefinition() == typeof(VBuffer<>) ? memberType.GetGenericArguments()[0] : null;
        if (itemType is null)
        {
            if (vector is not null) throw new InvalidOperationException($"{owner.Name}.{member.Name}: [VectorType] needs an array member; it is {memberType.Name}.");
            return Primitive(owner, member, memberType, key);
        }
        var item = Primitive(owner, member, itemType, key);
        return vector is null || vector.Dims.Length == 0 ? new VectorDataViewType(item, 0) : new VectorDataViewType(item, vector.Dims);
    }

    private static PrimitiveDataViewType Primitive(Type owner, MemberInfo member, Type t, KeyTypeAttribute? key)
    {
        if (key is not null)
        {
            if (!KeyDataViewType.IsValidDataType(t)) throw new InvalidOperationException($"{owner.Name}.{member.Name}: [KeyType] needs a byte, ushort, uint or ulong member; it is {t.Name}.");
            return new KeyDataViewType(t, key.Count);
        }
        if (t == typeof(string) || t == typeof(ReadOnlyMemory<char>)) return TextDataViewType.Instance;
        if (t == typeof(bool)) return BooleanDataViewType.Instance;
        return NumberDataViewType.ForRawType(t)
            ?? throw new InvalidOperationException($"{owner.Name}.{member.Name}: a column cannot be of type {t.Name} (use numbers, bool, string, or arrays of them).");
    }

    /// <summary>A getter of the column's raw type reading <paramref name="column"/> from the current object.</summary>
    internal static Delegate Getter(MemberColumn column, Func<object> current) =>
        (Delegate)typeof(TypeMapping).GetMethod(nameof(TypedGetter), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(column.ColumnType.RawType).Invoke(null, [column, current])!;

    private static ValueGetter<TRaw> TypedGetter<TRaw>(MemberColumn column, Func<object> current)
    {
        var convert = RawConverter(column);
        return (ref TRaw value) => value = (TRaw)convert(column.Read(current()), value)!;
    }

    /// <summary>
    /// Member value (and the previous raw value) → the column's raw value, resolved once per column:
    /// text as ReadOnlyMemory, arrays as VBuffers, other values as they are (null as the default).
    /// </summary>
    private static Func<object?, object?, object?> RawConverter(MemberColumn column)
    {
        var type = column.ColumnType;
        if (type is TextDataViewType)
            return (member, _) => member switch { string s => s.AsMemory(), ReadOnlyMemory<char> m => m, _ => ReadOnlyMemory<char>.Empty };
        if (type is VectorDataViewType vector)
            return (Func<object?, object?, object?>)typeof(TypeMapping).GetMethod(nameof(VectorConverter), BindingFlags.NonPublic | BindingFlags.Static)!
                .MakeGenericMethod(vector.ItemType.RawType).Invoke(null, [column])!;
        object? missing = type.RawType.IsValueType ? Activator.CreateInstance(type.RawType) : null;
        return (member, _) => member ?? missing;
    }

    private static Func<object?, object?, object?> VectorConverter<T>(MemberColumn column) => (member, previous) => ToVBuffer<T>(member, column, previous);

    private static VBuffer<T> ToVBuffer<T>(object? memberValue, MemberColumn column, object? previous)
    {
        var vector = (VectorDataViewType)column.ColumnType;
        if (memberValue is VBuffer<T> buffer)
        {
            var copy = previous is VBuffer<T> p ? p : default;
            buffer.CopyTo(ref copy);
            Check(copy.Length);
            return copy;
        }
        var items = memberValue as T[] ?? [];
        if (typeof(T) == typeof(ReadOnlyMemory<char>) && memberValue is string[] texts) items = (T[])(object)texts.Select(s => (s ?? "").AsMemory()).ToArray();
        var values = new T[items.Length];
        items.CopyTo(values, 0);
        return new VBuffer<T>(Check(items.Length), values);

        int Check(int length) => vector.IsKnownSize && length != vector.Size
            ? throw new InvalidOperationException($"Column '{column.Name}' is a vector of {vector.Size} values ({vector}); a row has {length}.")
            : length;
    }

    /// <summary>Reads a column value of raw type into the member's type (text to string, vectors to arrays).</summary>
    internal static object? FromRaw(object? raw, Type memberType, string column)
    {
        if (raw is null) return null;
        if (memberType.IsInstanceOfType(raw)) return raw;
        if (raw is ReadOnlyMemory<char> text && memberType == typeof(string)) return text.ToString();
        if (memberType.IsArray && raw.GetType().IsGenericType && raw.GetType().GetGenericTypeDefinition() == typeof(VBuffer<>))
        {
            var item = memberType.GetElementType()!;
            var dense = ((System.Collections.IEnumerable)raw.GetType().GetMethod("DenseValues")!.Invoke(raw, null)!).Cast<object?>()
                .Select(v => FromRaw(v, item, column)).ToArray();
            var array = Array.CreateInstance(item, dense.Length);
            for (int i = 0; i < dense.Length; i++) array.SetValue(dense[i], i);
            return array;
        }
        throw new InvalidOperationException($"Column '{column}' holds {raw.GetType().Name}; it cannot fill a member of type {memberType.Name}.");
    }
}
