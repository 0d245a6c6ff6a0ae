using System.Globalization;

namespace Governance.Monitoring;

/// <summary>
/// A reference or a production sample as read from a CSV file (e.g. Governance.Explainability's <c>CsvTable</c>): its header,
/// its rows' cells as text and the digest of the file's bytes. Numbers are read as doubles (invariant culture); an empty
/// cell, <c>NA</c> or <c>NaN</c> is missing and left out of the tests (counted in the report).
/// </summary>
/// <param name="label">What the table is, for messages: <c>reference</c> or <c>sample</c>.</param>
/// <param name="digest"><c>sha256:</c> of the file's bytes.</param>
public sealed class MonitoringTable(string label, IReadOnlyList<string> columns, IReadOnlyList<string[]> rows, string digest)
{
    public string Label => label;
    public string Digest => digest;
    public int RowCount => rows.Count;
    public IReadOnlyList<string> Columns => columns;

    /// <summary>Whether the cell text means "missing".</summary>
    public static bool IsMissing(string text) => text.Length == 0 || text is "NA" or "NaN" or "nan";

    /// <summary>A numeric column's non-missing values, in row order, and how many rows miss it.</summary>
    /// <exception cref="InvalidDataException">No such column, or a cell that is neither a number nor missing (the message names the
    /// table, the row and the column).</exception>
    public (double[] Values, long Missing) Numbers(string column)
    {
        var c = IndexOf(column);
        var values = new List<double>(rows.Count);
        for (var r = 0; r < rows.Count; r++)
        {
            var text = rows[r][c];
            if (IsMissing(text))
                continue;
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
                throw new InvalidDataException(
                    $"The {label}'s row {r + 1}, column \"{column}\": \"{Shorten(text)}\" is not a finite number (a numeric feature)."
                );
            values.Add(v);
        }
        return ([.. values], rows.Count - values.Count);
    }

    /// <summary>A categorical column's non-missing values, in row order, and how many rows miss it.</summary>
    /// <exception cref="InvalidDataException">No such column.</exception>
    public (string[] Values, long Missing) Categories(string column)
    {
        var c = IndexOf(column);
        var values = rows.Select(r => r[c]).Where(t => !IsMissing(t)).ToArray();
        return (values, rows.Count - values.Length);
    }

    private int IndexOf(string column)
    {
        for (var i = 0; i < columns.Count; i++)
            if (columns[i] == column)
                return i;
        throw new InvalidDataException(
            $"The {label} has no column \"{column}\" (the plan monitors it); its columns: {string.Join(", ", columns)}."
        );
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";
}
