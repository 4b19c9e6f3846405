using Microsoft.ML.Data;

namespace Microsoft.ML.FunctionalDnn.Transforms;

/// <summary>
/// Builds the <see cref="SchemaShape"/> an estimator promises, on ML.NET's public API only.
/// <c>SchemaShape.Column</c>'s constructor is internal to ML.NET, so the columns are made by public
/// estimators: a custom mapping declares one template column of each kind we add (a Single, a
/// vector of Single of known size with and without slot names, or of variable size, a Boolean), and a column copy renames templates —
/// and the label columns, for predicted labels that must carry the label's key values — into the
/// output columns. The shapes are exactly those of the columns the transformer then adds.
/// </summary>
internal static class SchemaShapes
{
    private const string Prefix = "\u0001FunctionalDnn.Template.";

    /// <summary>The kind of column to add.</summary>
    internal enum Kind { Single, Vector, NamedVector, VariableVector, Boolean }

    /// <summary>The input columns plus <paramref name="added"/>: each a template kind, or a copy of an input column (a key label's shape and key values).</summary>
    internal static SchemaShape Add(SchemaShape input, IEnumerable<(string Name, Kind Kind, string? CopyOf)> added)
    {
        var ml = new MLContext();
        var templates = ml.Transforms.CustomMapping<NoColumns, Templates>((_, _) => { }, contractName: null, inputSchemaDefinition: null, outputSchemaDefinition: TemplateDefinition());
        var withTemplates = templates.GetOutputSchema(input);
        var copied = withTemplates;
        foreach (var (name, kind, copyOf) in added) copied = ml.Transforms.CopyColumns(name, copyOf ?? Prefix + kind).GetOutputSchema(copied);
        return new SchemaShape(copied.Where(c => !c.Name.StartsWith(Prefix, StringComparison.Ordinal)));
    }

    private static SchemaDefinition TemplateDefinition()
    {
        var definition = SchemaDefinition.Create(typeof(Templates));
        foreach (var column in definition) column.ColumnName = Prefix + column.MemberName;
        definition.First(c => c.MemberName == nameof(Templates.Vector)).ColumnType = new VectorDataViewType(NumberDataViewType.Single, 2);
        definition.First(c => c.MemberName == nameof(Templates.VariableVector)).ColumnType = new VectorDataViewType(NumberDataViewType.Single);
        var named = definition.First(c => c.MemberName == nameof(Templates.NamedVector));
        named.ColumnType = new VectorDataViewType(NumberDataViewType.Single, 2);
        named.AddAnnotation("SlotNames", new VBuffer<ReadOnlyMemory<char>>(2, ["a".AsMemory(), "b".AsMemory()]), new VectorDataViewType(TextDataViewType.Instance, 2));
        return definition;
    }

    /// <summary>A custom mapping's input that reads no column.</summary>
    public sealed class NoColumns;

    /// <summary>One member per template kind (see <see cref="Kind"/>).</summary>
    public sealed class Templates
    {
        /// <summary>A Single.</summary>
        public float Single { get; set; }

        /// <summary>A vector of Single.</summary>
        public float[] Vector { get; set; } = [];

        /// <summary>A vector of Single of variable size.</summary>
        public float[] VariableVector { get; set; } = [];

        /// <summary>A vector of Single with slot names.</summary>
        public float[] NamedVector { get; set; } = [];

        /// <summary>A Boolean.</summary>
        public bool Boolean { get; set; }
    }
}
