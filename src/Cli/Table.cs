// Plain-text tables for results: columns padded to their widest cell.
namespace Dtrain.Cli;

/// <summary>A table printed with aligned columns.</summary>
public sealed class Table(params string[] header)
{
    private readonly List<string[]> _rows = [];

    /// <summary>Adds a row (one cell per header column).</summary>
    public void Add(params string[] cells) => _rows.Add(cells);

    /// <summary>Writes the table.</summary>
    public void Print(TextWriter output)
    {
        var widths = header.Select((h, i) => _rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        string Line(string[] cells) => string.Join("  ", cells.Select((c, i) => c.PadRight(widths[i]))).TrimEnd();
        output.WriteLine(Line(header));
        output.WriteLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var row in _rows)
        {
            output.WriteLine(Line(row));
        }
    }
}
