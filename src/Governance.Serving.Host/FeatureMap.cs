using System.Text.Json;
using Microsoft.ML;

namespace Governance.Serving.Host;

/// <summary>
/// A model directory's feature map (<c>Serving:FeatureMapFile</c>): which field of a scoring request feeds each input
/// column of the model. The file is a JSON object of request field name to input column name, such as
/// <c>{"duration_months": "Duration", "amount_eur": "Amount"}</c>; a column it does not name is read from the field of its
/// own name. Part of the approved directory, so a change to it needs a new approval like a change to the model.
/// </summary>
public sealed class FeatureMap
{
    /// <summary>No renaming: every column is read from the field of its own name (a one-file model, or no map configured).</summary>
    public static readonly FeatureMap Identity = new(new Dictionary<string, string>());

    private readonly IReadOnlyDictionary<string, string> _fieldByColumn;

    private FeatureMap(IReadOnlyDictionary<string, string> fieldByColumn) => _fieldByColumn = fieldByColumn;

    /// <summary>The request field that feeds <paramref name="column"/>.</summary>
    public string FieldFor(string column) => _fieldByColumn.TryGetValue(column, out var field) ? field : column;

    /// <summary>Reads a feature map and checks it against the model's input columns.</summary>
    /// <param name="json">The file's bytes (UTF-8 JSON).</param>
    /// <param name="path">The file's path in the model directory, for messages.</param>
    /// <param name="inputs">The model's input schema.</param>
    /// <exception cref="InvalidDataException">
    /// Not a JSON object of non-empty string values; a value that is not an input column of the model; a column named twice.
    /// </exception>
    public static FeatureMap Read(Stream json, string path, DataViewSchema inputs)
    {
        Dictionary<string, string>? fields;
        try
        {
            fields = JsonSerializer.Deserialize<Dictionary<string, string>>(
                json,
                new JsonSerializerOptions { AllowDuplicateProperties = false }
            );
        }
        catch (JsonException e)
        {
            throw new InvalidDataException(
                $"The feature map '{path}' is not a JSON object of request field to input column names: {e.Message}"
            );
        }
        if (fields is null || fields.Any(f => string.IsNullOrEmpty(f.Key) || string.IsNullOrEmpty(f.Value)))
            throw new InvalidDataException($"The feature map '{path}' must map each request field name to an input column name.");
        var columns = inputs.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        if (fields.Values.FirstOrDefault(c => !columns.Contains(c)) is { } unknown)
            throw new InvalidDataException(
                $"The feature map '{path}' names '{unknown}', which is not an input column of the model ({string.Join(", ", columns)})."
            );
        if (fields.GroupBy(f => f.Value).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new InvalidDataException(
                $"The feature map '{path}' feeds column '{twice.Key}' from more than one field "
                    + $"({string.Join(", ", twice.Select(f => f.Key))})."
            );
        return new FeatureMap(fields.ToDictionary(f => f.Value, f => f.Key, StringComparer.Ordinal));
    }
}
