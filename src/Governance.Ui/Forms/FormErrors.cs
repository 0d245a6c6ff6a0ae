using System.Globalization;
using System.Text.RegularExpressions;
using Governance.Ui.Desks;

namespace Governance.Ui.Forms;

/// <summary>
/// A refused command's field problems in the form's own words: the ledger names fields as the API does (camelCase paths such as
/// <c>businessPurpose</c> or <c>findings[2].title</c>); a form marks its fields and words its banner with the labels people see,
/// and each problem goes away as soon as its field is edited (the ledger re-checks everything when the form is sent again).
/// </summary>
public sealed partial class FormErrors
{
    private readonly Dictionary<string, string[]> _open = [];
    private DecisionOutcome? _outcome;
    private string _section = "";
    private IReadOnlyDictionary<string, string> _labels = new Dictionary<string, string>();

    /// <summary>Keeps a command's answer. <paramref name="section"/> names the part of the page the command came from (fields of
    /// the same name in other parts are not marked); <paramref name="labels"/> maps API field names to the form's labels, with
    /// <c>[]</c> for an index (<c>findings[].title</c> → "Finding {0}, title", {0} counting from 1).</summary>
    public DecisionOutcome Take(DecisionOutcome outcome, string section, IReadOnlyDictionary<string, string> labels)
    {
        _open.Clear();
        (_outcome, _section, _labels) = (outcome, section, labels);
        if (!outcome.Recorded && outcome.FieldErrors is { } fields)
            foreach (var (field, problems) in fields)
                _open[field] = problems;
        return outcome;
    }

    /// <summary>Forgets the last answer (a new command is starting).</summary>
    public void Clear()
    {
        _open.Clear();
        _outcome = null;
    }

    /// <summary>The answer to show: the ledger's, with field problems reworded in the form's labels; null once every field it
    /// named has been edited.</summary>
    public DecisionOutcome? Shown =>
        _outcome is { Recorded: false, FieldErrors.Count: > 0 }
            ? _open.Count == 0
                ? null
                : _outcome with
                {
                    Message =
                        "Check "
                        + string.Join("; ", _open.Select(e => $"{Label(e.Key)}: {string.Join(", ", e.Value)}"))
                        + ". Nothing was recorded.",
                }
            : _outcome;

    /// <summary>What is wrong with <paramref name="field"/> of <paramref name="section"/>, or null.</summary>
    public string? Of(string section, string field) =>
        section == _section && _open.TryGetValue(field, out var problems) ? string.Join(", ", problems) : null;

    /// <summary>The person edited <paramref name="field"/>: its problem is no longer shown.</summary>
    public void Edited(string section, string field)
    {
        if (section == _section)
            _open.Remove(field);
    }

    /// <summary>The form's label for an API field name: from the form's labels, else the name in words ("intendedUse" →
    /// "Intended use").</summary>
    public string Label(string field)
    {
        if (_labels.TryGetValue(field, out var label))
            return label;
        if (Indexed().Match(field) is { Success: true } m && _labels.TryGetValue($"{m.Groups[1].Value}[]{m.Groups[3].Value}", out var each))
            return string.Format(CultureInfo.InvariantCulture, each, int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) + 1);
        return Words.Of(field);
    }

    [GeneratedRegex(@"\A([A-Za-z]+)\[(\d+)\](.*)\z")]
    private static partial Regex Indexed();
}

/// <summary>Code names in words for people: <c>ApprovalRequested</c> → "Approval requested", <c>intendedUse</c> → "Intended
/// use".</summary>
public static partial class Words
{
    public static string Of(string name)
    {
        if (name.Length == 0)
            return name;
        var words = Capital().Replace(name, " $1").Trim().ToLowerInvariant();
        return char.ToUpperInvariant(words[0]) + words[1..];
    }

    public static string Of<TEnum>(TEnum value)
        where TEnum : struct, Enum => Of(value.ToString());

    [GeneratedRegex("([A-Z])")]
    private static partial Regex Capital();
}

/// <summary>One command at a time from a page: a second click while the first runs does nothing (its buttons show as disabled), so
/// a double-click records once and the person sees the first command's answer.</summary>
public sealed class CommandInFlight
{
    public bool Running { get; private set; }

    public async Task RunAsync(Func<Task> command)
    {
        if (Running)
            return;
        Running = true;
        try
        {
            await command();
        }
        finally
        {
            Running = false;
        }
    }
}
