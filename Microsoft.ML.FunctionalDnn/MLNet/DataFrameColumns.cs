using System.Collections;
using System.Runtime.CompilerServices;
using Microsoft.Data.Analysis;
using Microsoft.ML.Data;
using Microsoft.ML.FunctionalDnn.Transforms;

namespace Microsoft.ML.FunctionalDnn.DataFrames;

/// <summary>
/// Which DataFrame columns feed each model input, or hold each model output's target: one column
/// name (a single input or output), names in model order (a collection expression), or a dictionary
/// by input/output name whose values are one column or several. Several columns for one input or
/// output are concatenated in the order given, as Keras users pass <c>df[["a", "b"]].values</c>;
/// so a list of several names for a single-input (or single-output) model feeds them all to it.
/// </summary>
[CollectionBuilder(typeof(ColumnSpec), nameof(Create))]
public sealed class ColumnSpec : IEnumerable<string>
{
    private readonly string[]? _list;
    private readonly Dictionary<string, string[]>? _byName;

    private ColumnSpec(string[]? list, Dictionary<string, string[]>? byName) => (_list, _byName) = (list, byName);

    /// <summary>Column names in model order, from a collection expression: <c>targets: ["Price", "Segment"]</c>.</summary>
    public static ColumnSpec Create(ReadOnlySpan<string> columns) => new(columns.ToArray(), null);

    /// <summary>One column (a model with one input, or one output).</summary>
    public static implicit operator ColumnSpec(string column) => new([column ?? throw new ArgumentNullException(nameof(column))], null);

    /// <summary>Column names in model order.</summary>
    public static implicit operator ColumnSpec(string[] columns) => new(columns ?? throw new ArgumentNullException(nameof(columns)), null);

    /// <summary>Model input or output name → its column.</summary>
    public static implicit operator ColumnSpec(Dictionary<string, string> byName) =>
        new(null, (byName ?? throw new ArgumentNullException(nameof(byName))).ToDictionary(p => p.Key, p => new[] { p.Value }));

    /// <summary>Model input or output name → its columns, concatenated in this order.</summary>
    public static implicit operator ColumnSpec(Dictionary<string, string[]> byName) => new(null, new(byName ?? throw new ArgumentNullException(nameof(byName))));

    /// <summary>The names given as a list (empty when given by name).</summary>
    public IEnumerator<string> GetEnumerator() => ((IEnumerable<string>)(_list ?? [])).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The columns of each of <paramref name="names"/>; a name left out of a dictionary reads its own column when <paramref name="ownName"/>.</summary>
    internal string[][] Resolve(Model model, IReadOnlyList<string> names, string role, bool ownName)
    {
        string expected = $"Model '{model.Name}' has {names.Count} {role}{(names.Count == 1 ? "" : "s")} [{string.Join(", ", names)}]";
        if (_list is not null)
        {
            if (_list.Length == names.Count) return [.. _list.Select(c => new[] { c })];
            if (names.Count == 1 && _list.Length > 0) return [_list];
            throw new ArgumentException($"{expected}; received {_list.Length} column name{(_list.Length == 1 ? "" : "s")} [{string.Join(", ", _list)}]. Give one per {role} in order, or a dictionary {role} name → column(s).");
        }
        var unknown = _byName!.Keys.Where(k => !names.Contains(k)).ToList();
        if (unknown.Count > 0) throw new ArgumentException($"{expected}; received columns for unknown {role} {string.Join(", ", unknown.Select(u => $"'{u}'"))}.");
        var missing = names.Where(n => !_byName.ContainsKey(n)).ToList();
        if (!ownName && missing.Count > 0) throw new ArgumentException($"{expected}; no column was named for {string.Join(", ", missing.Select(m => $"'{m}'"))}.");
        if (_byName.FirstOrDefault(p => p.Value is null || p.Value.Length == 0) is { Key: not null } empty)
            throw new ArgumentException($"No column was given for model {role} '{empty.Key}' of '{model.Name}'.");
        return [.. names.Select(n => _byName.TryGetValue(n, out var c) ? c : [n])];
    }
}

/// <summary>
/// A DataFrame made ready for a model through ML.NET's own transforms (concatenating several
/// columns of one input, mapping a text target to class keys in sorted order) and bound with
/// <see cref="ColumnBinding"/>, which checks types and sizes as the estimator does.
/// </summary>
internal sealed record DataFrameBinding(IDataView View, List<ColumnBinding> Inputs, List<ColumnBinding> Labels, Dictionary<string, string[]> Classes, int Count)
{
    /// <summary>Binds <paramref name="data"/>; text targets use <paramref name="knownClasses"/> for their output when given, else their sorted distinct values.</summary>
    /// <exception cref="ArgumentException">A column is missing, holds nulls or text where numbers are needed, or does not fit (the message names it).</exception>
    internal static DataFrameBinding Create(Model model, DataFrame data, ColumnSpec? inputs, ColumnSpec? targets, IReadOnlyDictionary<string, string[]>? knownClasses)
    {
        var ml = new MLContext();
        IDataView view = data;
        var inputColumns = inputs?.Resolve(model, model.InputNames, "input", ownName: true) ?? [.. model.InputNames.Select(n => new[] { n })];
        // Bound by name once every transform is applied: a transform writing a column in place inserts it after
        // the column it hides, which moves the columns after it (an index taken earlier would read another column).
        var inputSources = new List<string>();
        for (int i = 0; i < model.Inputs.Count; i++)
        {
            string name = model.InputNames[i];
            var t = model.Inputs[i];
            foreach (var c in inputColumns[i])
            {
                var column = Require(model, data, c, $"model input '{name}'");
                if (column.DataType == typeof(string))
                    throw new ArgumentException($"DataFrame column '{c}' for model input '{name}' of '{model.Name}' holds text, where numbers are expected: give the model numbers (an integer id per category for an Embedding, or one-hot columns), or use an ML.NET pipeline (MapValueToKey) with ml.FunctionalDnn().Trainer.");
                CheckMissing(model, column, $"model input '{name}'");
                // A DataFrame's vectors have no fixed size in its data view: check it here rather than let rows be padded.
                if (inputColumns[i].Length == 1 && t.Shape.IsFullyDefinedPerSample && column.DataType.IsGenericType && column.DataType.GetGenericTypeDefinition() == typeof(VBuffer<>))
                    CheckLengths(column, t.Shape.PerSample().Aggregate(1, (a, d) => a * d!.Value), $"model input '{name}' {t.Shape}");
            }
            inputSources.Add(Combine(ml, ref view, inputColumns[i]));
        }
        var labelSources = new List<string>();
        var classes = new Dictionary<string, string[]>();
        var setup = model.Trainer.Setup;
        if (targets is not null)
        {
            if (setup is null) throw new InvalidOperationException($"Model '{model.Name}' must be compiled before training or evaluation: call Compile(optimizer, loss, …) first.");
            var targetColumns = targets.Resolve(model, model.OutputNames, "output", ownName: false);
            var mappedText = new Dictionary<string, string[]>();
            for (int o = 0; o < model.Outputs.Count; o++)
            {
                string name = model.OutputNames[o], role = $"the target of model output '{name}'";
                foreach (var c in targetColumns[o]) CheckMissing(model, Require(model, data, c, role), role);
                var only = targetColumns[o].Length == 1 ? data.Columns[targetColumns[o][0]] : null;
                int units = model.Outputs[o].Shape.PerSample() is [.., int last] ? last : 1;
                if (only?.DataType == typeof(string))
                {
                    // Text: the classes in ordinal order; the key's values are the classes in this order (key 1 is class 0).
                    var mapped = mappedText.GetValueOrDefault(only.Name);
                    classes[name] = mapped ?? knownClasses?.GetValueOrDefault(name) ?? [.. Strings(only).Distinct().Order(StringComparer.Ordinal)];
                    CheckClasses(only, classes[name], name);
                    if (mapped is null)
                        view = ml.Transforms.Conversion.MapValueToKey(only.Name, only.Name, keyData: new DataFrame(new StringDataFrameColumn("Class", classes[name]))).Fit(view).Transform(view);
                    mappedText[only.Name] = classes[name];
                    labelSources.Add(only.Name);
                }
                else if (only is not null && units > 1 && setup.Losses[o].Name is "sparse_categorical_crossentropy" or "categorical_crossentropy"
                    && view.Schema[only.Name].Type is NumberDataViewType)
                {
                    // Keras's integer labels: class indices 0 … units - 1, as a key whose value i is key i + 1.
                    CheckIndices(only, units, name);
                    string keyed = $"{only.Name} as class index";
                    view = ml.Transforms.Conversion.ConvertType(keyed, only.Name, DataKind.Single).Fit(view).Transform(view);
                    var indices = new DataFrame(new SingleDataFrameColumn("Class", Enumerable.Range(0, units).Select(i => (float?)i)));
                    view = ml.Transforms.Conversion.MapValueToKey(keyed, keyed, keyData: indices).Fit(view).Transform(view);
                    labelSources.Add(keyed);
                }
                else labelSources.Add(Combine(ml, ref view, targetColumns[o]));
            }
        }
        var schema = view.Schema;
        var inputBindings = inputSources.Select((c, i) => ColumnBinding.ForInput(model.InputNames[i], schema[c], model.Inputs[i].Shape, model.Inputs[i].DType,
            FunctionalDnnEstimator.EmbeddingLimit(model, model.Inputs[i]), SequencePadding.Pre, SequencePadding.Pre)).ToList();
        var labels = labelSources.Select((c, o) => ColumnBinding.ForLabel(model.OutputNames[o], schema[c], model.Outputs[o].Shape, setup!.Losses[o].Name)).ToList();
        return new(view, inputBindings, labels, classes, checked((int)data.Rows.Count));
    }

    /// <summary>The one column, or a vector column concatenating several (converted to Double when their types differ).</summary>
    private static string Combine(MLContext ml, ref IDataView view, string[] columns)
    {
        if (columns.Length == 1) return columns[0];
        foreach (var c in columns)
            if (view.Schema[c].Type is not (NumberDataViewType or BooleanDataViewType))
                throw new ArgumentException($"DataFrame column '{c}' ({view.Schema[c].Type}) cannot be concatenated with [{string.Join(", ", columns)}]: each of several columns must hold one number per row.");
        string combined = $"[{string.Join(", ", columns)}]";
        var schema = view.Schema;
        if (columns.Select(c => schema[c].Type).Distinct().Count() > 1)
        {
            var converted = columns.Select(c => $"{combined}.{c}").ToArray();
            view = ml.Transforms.Conversion.ConvertType([.. columns.Zip(converted, (c, d) => new InputOutputColumnPair(d, c))], DataKind.Double).Fit(view).Transform(view);
            columns = converted;
        }
        view = ml.Transforms.Concatenate(combined, columns).Fit(view).Transform(view);
        return combined;
    }

    private static DataFrameColumn Require(Model model, DataFrame data, string name, string role)
    {
        int index = data.Columns.IndexOf(name);
        if (index >= 0) return data.Columns[index];
        var names = data.Columns.Select(c => c.Name).ToList();
        string? similar = names.FirstOrDefault(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));
        throw new ArgumentException($"The DataFrame has no column '{name}' for {role} of '{model.Name}'{(similar is null ? "" : $" (did you mean '{similar}'?)")}. Columns: [{string.Join(", ", names)}]."
            + (role.StartsWith("model input", StringComparison.Ordinal) ? " Name its column(s) with inputs: a dictionary input name → column or columns." : ""));
    }

    /// <summary>A DataFrame view gives 0, false or "" for a null: refuse nulls (and empty text) instead of training on them.</summary>
    private static void CheckMissing(Model model, DataFrameColumn column, string role)
    {
        bool text = column.DataType == typeof(string);
        if (column.NullCount == 0 && !text) return;
        for (long r = 0; r < column.Length; r++)
            if (column[r] is null or "")
                throw new ArgumentException($"DataFrame column '{column.Name}' for {role} of '{model.Name}' has a missing value ({(column[r] is null ? "null" : "empty text")}) in row {r}; models need a value in every row: fill them (column.FillNulls) or drop those rows (DataFrame.DropNulls).");
    }

    private static IEnumerable<string> Strings(DataFrameColumn column)
    {
        for (long r = 0; r < column.Length; r++) yield return (string)column[r];
    }

    private static void CheckLengths(DataFrameColumn column, int size, string role)
    {
        var length = column.DataType.GetField(nameof(VBuffer<float>.Length))!;
        for (long r = 0; r < column.Length; r++)
            if ((int)length.GetValue(column[r])! is var n && n != size)
                throw new ArgumentException($"Row {r}: DataFrame column '{column.Name}' for {role} holds a vector of {n} values; the input expects {size} per row.");
    }

    private static void CheckIndices(DataFrameColumn column, int classes, string output)
    {
        for (long r = 0; r < column.Length; r++)
        {
            double value = Convert.ToDouble(column[r], System.Globalization.CultureInfo.InvariantCulture);
            if (value != Math.Floor(value) || value < 0 || value >= classes)
                throw new ArgumentException($"Row {r}: the target column '{column.Name}' for model output '{output}' holds {value}, where a class index in [0, {classes}) is expected (the output has {classes} units).");
        }
    }

    private static void CheckClasses(DataFrameColumn column, string[] classes, string output)
    {
        var known = classes.ToHashSet(StringComparer.Ordinal);
        long r = 0;
        foreach (var value in Strings(column))
        {
            if (!known.Contains(value))
                throw new ArgumentException($"Row {r}: the target column '{column.Name}' for model output '{output}' holds '{value}', which is not one of the classes the output was trained on [{string.Join(", ", classes)}].");
            r++;
        }
    }
}
