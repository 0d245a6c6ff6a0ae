using System.Text.RegularExpressions;

namespace Governance.Domain.Shared;

/// <summary>Collects every problem with a command's fields, so a caller learns all of them at once; throws before anything is
/// decided.</summary>
public sealed partial class InputCheck
{
    private readonly Dictionary<string, List<string>> _errors = new();

    public InputCheck Fail(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
            _errors[field] = list = [];
        list.Add(message);
        return this;
    }

    public InputCheck Required(string? value, string field, int maxLength = 2000)
    {
        if (string.IsNullOrWhiteSpace(value))
            Fail(field, "is required");
        else if (value.Length > maxLength)
            Fail(field, $"must be at most {maxLength} characters");
        return this;
    }

    public InputCheck Optional(string? value, string field, int maxLength = 2000)
    {
        if (value is not null && value.Length > maxLength)
            Fail(field, $"must be at most {maxLength} characters");
        return this;
    }

    /// <summary>Lower-case identifiers used in URLs and stream keys: models, environments.</summary>
    public InputCheck Slug(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
            Fail(field, "is required");
        else if (!SlugPattern().IsMatch(value))
            Fail(field, "must be 1-64 characters of lower-case letters, digits and hyphens, starting with a letter or digit");
        return this;
    }

    /// <summary>Version labels such as 1.2.0 or 2024-06.</summary>
    public InputCheck VersionLabel(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
            Fail(field, "is required");
        else if (!VersionPattern().IsMatch(value))
            Fail(field, "must be 1-64 characters of letters, digits, '.', '_' or '-', starting with a letter or digit");
        return this;
    }

    public InputCheck Sha256(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
            Fail(field, "is required");
        else if (!Digest.IsSha256(value))
            Fail(field, "must be 'sha256:' followed by 64 hexadecimal characters");
        return this;
    }

    public InputCheck Defined<TEnum>(TEnum? value, string field)
        where TEnum : struct, Enum
    {
        if (value is null)
            Fail(field, $"is required (one of: {string.Join(", ", Enum.GetNames<TEnum>())})");
        else if (!Enum.IsDefined(value.Value))
            Fail(field, $"must be one of: {string.Join(", ", Enum.GetNames<TEnum>())}");
        return this;
    }

    public void ThrowIfAny()
    {
        if (_errors.Count == 0)
            return;
        var summary = string.Join("; ", _errors.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}"));
        throw new GovernanceRuleException(
            RuleKind.InvalidInput,
            "invalid_input",
            summary,
            _errors.ToDictionary(e => e.Key, e => e.Value.ToArray())
        );
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,63}$")]
    private static partial Regex SlugPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex VersionPattern();
}
