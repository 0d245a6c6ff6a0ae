using System.Globalization;
using System.Security.Cryptography;

namespace Governance.Explainability.Data;

/// <summary>
/// A comma-separated file with a header row, read whole: each column's text, and its values as numbers rounded to float32
/// (how both XGBoost and ML.NET consume features, so that a value at a split threshold compares as it does there).
/// Empty, <c>NA</c> and <c>NaN</c> cells are missing (NaN); double quotes around a cell are removed (no embedded quotes or
/// commas). <see cref="Sha256"/> is the digest of the file's bytes (<c>sha256:</c> and 64 lower-case hex).
/// </summary>
public sealed class CsvTable
{
    private readonly Dictionary<string, int> _index;

    private CsvTable(IReadOnlyList<string> columns, string[][] cells, string sha256)
    {
        Columns = columns;
        Cells = cells;
        Sha256 = sha256;
        _index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < columns.Count; i++)
            if (!_index.TryAdd(columns[i], i))
                throw new InvalidDataException($"Column \"{columns[i]}\" appears twice in the header.");
    }

    public IReadOnlyList<string> Columns { get; }
    public string Sha256 { get; }

    /// <summary>Cells by row, then column.</summary>
    public string[][] Cells { get; }

    public int RowCount => Cells.Length;

    /// <summary>Reads <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">When the file has no header, or a row has another number of cells.</exception>
    public static CsvTable Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
        using var reader = new StreamReader(new MemoryStream(bytes));
        var header = reader.ReadLine() ?? throw new InvalidDataException($"{path} is empty: a header row is expected.");
        var columns = Split(header);
        var rows = new List<string[]>();
        string? line;
        while ((line = reader.ReadLine()) != null)
        {
            if (line.Length == 0)
                continue;
            var cells = Split(line);
            if (cells.Length != columns.Length)
                throw new InvalidDataException($"{path} row {rows.Count + 1} has {cells.Length} cells; the header has {columns.Length}.");
            rows.Add(cells);
        }
        return new CsvTable(columns, rows.ToArray(), digest);
    }

    /// <summary>The index of column <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">When there is no such column (the message names it).</exception>
    public int IndexOf(string name) =>
        _index.TryGetValue(name, out var i) ? i : throw new ArgumentException($"The dataset has no column \"{name}\".", nameof(name));

    public bool Has(string name) => _index.ContainsKey(name);

    /// <summary>The numeric value of a cell, rounded to float32; NaN for a missing cell.</summary>
    /// <exception cref="InvalidDataException">When the cell is neither a number nor missing.</exception>
    public double Number(int row, int column)
    {
        var text = Cells[row][column];
        if (text.Length == 0 || text is "NA" or "NaN" or "nan")
            return double.NaN;
        return float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new InvalidDataException($"Row {row + 1}, column \"{Columns[column]}\": \"{text}\" is not a number.");
    }

    /// <summary>The rows as feature vectors in the order of <paramref name="featureNames"/> (each a column of this table).</summary>
    public double[][] Features(IReadOnlyList<string> featureNames)
    {
        var idx = featureNames.Select(IndexOf).ToArray();
        var rows = new double[RowCount][];
        for (var r = 0; r < RowCount; r++)
        {
            var x = new double[idx.Length];
            for (var j = 0; j < idx.Length; j++)
                x[j] = Number(r, idx[j]);
            rows[r] = x;
        }
        return rows;
    }

    /// <summary>1 where column <paramref name="label"/> reads <paramref name="positive"/> (compared as text), else 0.</summary>
    /// <exception cref="ArgumentException">When the column is missing or the positive value never or always occurs.</exception>
    public int[] Labels(string label, string positive)
    {
        var c = IndexOf(label);
        var y = Cells.Select(r => r[c] == positive ? 1 : 0).ToArray();
        var positives = y.Sum();
        if (positives == 0 || positives == y.Length)
            throw new ArgumentException(
                $"Label column \"{label}\" has {positives} of {y.Length} rows equal to \"{positive}\": both classes are needed."
            );
        return y;
    }

    private static string[] Split(string line)
    {
        var cells = line.Split(',');
        for (var i = 0; i < cells.Length; i++)
        {
            var c = cells[i].Trim();
            cells[i] = c.Length >= 2 && c[0] == '"' && c[^1] == '"' ? c[1..^1] : c;
        }
        return cells;
    }
}
