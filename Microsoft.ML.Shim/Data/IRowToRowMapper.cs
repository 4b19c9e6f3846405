namespace Microsoft.ML.Data;

/// <summary>A row-by-row view of a transformer (ML.NET's IRowToRowMapper).</summary>
public interface IRowToRowMapper
{
    /// <summary>The schema rows come in with.</summary>
    DataViewSchema InputSchema { get; }

    /// <summary>The schema of the rows given out.</summary>
    DataViewSchema OutputSchema { get; }

    /// <summary>The input columns needed for <paramref name="dependingColumns"/>.</summary>
    IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns);

    /// <summary>The transformed row of <paramref name="input"/>.</summary>
    DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns);
}
