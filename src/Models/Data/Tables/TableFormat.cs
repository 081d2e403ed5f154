// What every table format (CSV, TSV, Parquet) shares: learn by a survey, encode by a TableEncoder; a format only says
// how its files open as TableCursors.
namespace Dtrain.Models.Data.Tables;

/// <summary>A format whose files are tables of named (or numbered) columns.</summary>
public abstract class TableFormat : IDataFormat
{
    /// <inheritdoc/>
    public abstract string Name { get; }

    /// <inheritdoc/>
    public abstract IReadOnlyList<string> Extensions { get; }

    /// <summary>Opens a file's rows; <paramref name="header"/> forces or (null) detects a header row where the format has a choice.</summary>
    internal abstract TableCursor Open(string file, bool? header);

    /// <inheritdoc/>
    public DataSchema Learn(IReadOnlyList<string> files, DataSpec spec, Func<long, bool> inTraining)
    {
        var survey = TableSurvey.Run(files, f => Open(f, spec.Header), spec, inTraining, strict: true);
        return TableSchemaBuilder.Build(survey, spec, Name, files[0]);
    }

    /// <inheritdoc/>
    public void Encode(IReadOnlyList<string> files, DataSchema schema, ExampleSink sink)
    {
        var encoder = new TableEncoder(schema);
        foreach (var file in files)
        {
            using var cursor = Open(file, schema.Header);
            encoder.Encode(cursor, sink);
        }
    }

    /// <inheritdoc/>
    public DataInspection Inspect(IReadOnlyList<string> files, DataSpec spec)
    {
        var survey = TableSurvey.Run(files, f => Open(f, spec.Header), spec, _ => true, strict: false);
        var schema = TableSchemaBuilder.Build(survey, spec with { Missing = "zero" }, Name, files[0]);
        return TableSchemaBuilder.Inspect(survey, schema, Name, files);
    }
}
