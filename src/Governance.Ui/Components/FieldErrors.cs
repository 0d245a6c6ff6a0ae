namespace Governance.Ui.Components;

/// <summary>A refused form's field errors as plain words next to each field: the field's label and what the ledger said is wrong
/// with it (e.g. "Statement is required"), from the API field names of <see cref="Desks.DecisionOutcome.FieldErrors"/>.</summary>
public static class FieldErrors
{
    /// <summary>The messages for <paramref name="field"/> and its items (<c>field[0]</c>, <c>field[0].sha256</c>...), each after
    /// <paramref name="label"/>; null when there are none.</summary>
    public static string? Of(Desks.DecisionOutcome? outcome, string field, string label)
    {
        if (outcome?.FieldErrors is not { Count: > 0 } errors)
            return null;
        var messages = errors
            .Where(e =>
                e.Key == field
                || e.Key.StartsWith(field + "[", StringComparison.Ordinal)
                || e.Key.StartsWith(field + ".", StringComparison.Ordinal)
            )
            .SelectMany(e => e.Value.Select(m => $"{label}{Item(e.Key, field)} {m}"))
            .ToArray();
        return messages.Length == 0 ? null : string.Join(" ", messages.Select(m => m.EndsWith('.') ? m : m + "."));
    }

    // "references[1]" is the second line of the field: say so, counting from 1 as people do.
    private static string Item(string key, string field) =>
        key.Length > field.Length && key[field.Length] == '[' && int.TryParse(key[(field.Length + 1)..key.IndexOf(']')], out var i)
            ? $" (line {i + 1})"
            : "";

    /// <summary>The non-blank lines of a multi-line field, trimmed: one reference, test or standard per line.</summary>
    public static IReadOnlyList<string?> Lines(string? text) =>
        (text ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Cast<string?>().ToArray();
}
