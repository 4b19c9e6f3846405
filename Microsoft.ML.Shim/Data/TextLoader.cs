using System.Globalization;
using System.Reflection;
using System.Text;

namespace Microsoft.ML.Data;

/// <summary>
/// Rows of a delimited text file, read line by line by each cursor (nothing kept in memory). A
/// member's <see cref="LoadColumnAttribute"/> says which fields it takes (several fields make a
/// vector). Values that do not parse are missing: NaN for floating point, 0 or false otherwise, as
/// ML.NET's loader treats them.
/// </summary>
internal sealed class TextFileDataView : IDataView
{
    private readonly string _path;
    private readonly char _separator;
    private readonly bool _hasHeader, _allowQuoting, _trimWhitespace;
    private readonly (MemberColumn Column, int[] Sources)[] _columns;
    private readonly Func<object[], object>?[] _vectorBuilders;

    internal TextFileDataView(Type rowType, string path, char separator, bool hasHeader, bool allowQuoting, bool trimWhitespace)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"LoadFromTextFile: the file '{path}' does not exist.", path);
        (_path, _separator, _hasHeader, _allowQuoting, _trimWhitespace) = (path, separator, hasHeader, allowQuoting, trimWhitespace);
        _columns = [.. TypeMapping.Columns(rowType, forWriting: false).Select(c => (c, c.Member.GetCustomAttribute<LoadColumnAttribute>()?.Sources
            ?? throw new InvalidOperationException($"{rowType.Name}.{c.Member.Name} needs [LoadColumn(index)] to be read from a text file.")))];
        foreach (var (column, sources) in _columns)
            if (sources.Length > 1 && column.ColumnType is not VectorDataViewType)
                throw new InvalidOperationException($"{rowType.Name}.{column.Member.Name} reads {sources.Length} fields; make it an array to hold them.");
        Schema = DataViewSchema.Create(_columns.Select(c => new DataViewSchema.DetachedColumn(c.Column.Name, c.Column.ColumnType)));
        _vectorBuilders = [.. _columns.Select(c => c.Column.ColumnType is VectorDataViewType v
            ? (Func<object[], object>)typeof(TextFileDataView).GetMethod(nameof(VectorBuilder), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(v.ItemType.RawType).Invoke(null, null)!
            : null)];
    }

    public bool CanShuffle => false;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => null;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(this, columnsNeeded);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [GetRowCursor(columnsNeeded, rand)];

    internal List<string> Split(string line)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char ch = line[i];
            if (_allowQuoting && ch == '"')
            {
                if (quoted && i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i++; }
                else quoted = !quoted;
            }
            else if (ch == _separator && !quoted)
            {
                fields.Add(_trimWhitespace ? field.ToString().Trim() : field.ToString());
                field.Clear();
            }
            else field.Append(ch);
        }
        fields.Add(_trimWhitespace ? field.ToString().Trim() : field.ToString());
        return fields;
    }

    /// <summary>Parsed fields → a VBuffer of their item type, resolved once per vector column.</summary>
    private static Func<object[], object> VectorBuilder<T>() => items => new VBuffer<T>(items.Length, [.. items.Cast<T>()]);

    private static object Parse(string text, PrimitiveDataViewType type)
    {
        var raw = type.RawType;
        if (type is TextDataViewType) return text.AsMemory();
        if (raw == typeof(float)) return float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float f) ? f : float.NaN;
        if (raw == typeof(double)) return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? d : double.NaN;
        if (raw == typeof(bool)) return text.Trim() is "1" or "true" or "True" or "TRUE";
        try { return Convert.ChangeType(text.Trim(), raw, CultureInfo.InvariantCulture); }
        catch (Exception e) when (e is FormatException or OverflowException) { return Activator.CreateInstance(raw)!; }
    }

    private sealed class Cursor : CursorBase
    {
        private readonly TextFileDataView _view;
        private readonly StreamReader _reader;
        private object?[] _values = [];

        internal Cursor(TextFileDataView view, IEnumerable<DataViewSchema.Column> active) : base(view.Schema, active)
        {
            _view = view;
            _reader = new StreamReader(view._path);
            if (view._hasHeader) _reader.ReadLine();
        }

        protected override Delegate MakeGetter(int index) => RowSnapshot.Serve(Schema[index].Type.RawType, () => _values, index);

        protected override bool Advance()
        {
            string? line;
            do line = _reader.ReadLine();
            while (line is not null && line.Length == 0);
            if (line is null) return false;
            var fields = _view.Split(line);
            _values = new object?[_view._columns.Length];
            for (int c = 0; c < _view._columns.Length; c++)
            {
                var (column, sources) = _view._columns[c];
                string Field(int i) => i < fields.Count ? fields[i] : "";
                if (column.ColumnType is VectorDataViewType vector)
                {
                    var items = sources.Select(i => Parse(Field(i), vector.ItemType)).ToArray();
                    _values[c] = _view._vectorBuilders[c]!(items);
                }
                else _values[c] = Parse(Field(sources[0]), (PrimitiveDataViewType)column.ColumnType);
            }
            return true;
        }


        protected override void Dispose(bool disposing)
        {
            if (disposing) _reader.Dispose();
            base.Dispose(disposing);
        }
    }
}
