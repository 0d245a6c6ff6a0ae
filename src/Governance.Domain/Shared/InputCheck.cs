using System.Text.RegularExpressions;
using Governance.Attestations;

namespace Governance.Domain.Shared;

/// <summary>
/// Collects every problem with a command's fields, so a caller learns all of them at once; throws before anything is
/// decided. The one place that says what text the ledger stores: identifiers are ASCII patterns anchored with
/// <c>\A...\z</c>; free text is NFC, holds no control character (multi-line text, such as reasons and opinions, may
/// hold newline and tab), no bidirectional control (U+202A-202E, U+2066-2069: text that displays reversed next to a
/// digest is an approval-spoofing vector) and no zero-width character (U+200B-200D, U+FEFF), as
/// <see cref="TextRules"/> (shared with the CLI and file manifests) defines; file manifest paths follow
/// <see cref="FileManifest.PathProblems"/>.
/// </summary>
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

    /// <summary>Free text that must be given (not blank), at most <paramref name="maxLength"/> characters.</summary>
    /// <param name="multiline">True for prose (reasons, opinions, descriptions), which may hold newline and tab.</param>
    public InputCheck Required(string? value, string field, int maxLength = 2000, bool multiline = false)
    {
        if (string.IsNullOrWhiteSpace(value))
            Fail(field, "is required");
        else
            Text(value, field, maxLength, multiline);
        return this;
    }

    /// <summary>Free text that may be absent (null), at most <paramref name="maxLength"/> characters.</summary>
    /// <param name="multiline">True for prose (reasons, opinions, descriptions), which may hold newline and tab.</param>
    public InputCheck Optional(string? value, string field, int maxLength = 2000, bool multiline = false)
    {
        if (value is not null)
            Text(value, field, maxLength, multiline);
        return this;
    }

    /// <summary>Each item of a list of free text: not blank, at most <paramref name="maxLength"/> characters, named
    /// <c>field[i]</c>.</summary>
    public InputCheck RequiredItems(IReadOnlyList<string?>? values, string field, int maxLength = 2000)
    {
        for (var i = 0; values is not null && i < values.Count; i++)
            Required(values[i], $"{field}[{i}]", maxLength);
        return this;
    }

    private void Text(string value, string field, int maxLength, bool multiline)
    {
        if (value.Length > maxLength)
            Fail(field, $"must be at most {maxLength} characters");
        else if (TextRules.Problem(value, multiline) is { } problem)
            Fail(field, problem);
    }

    /// <summary>The largest integer every JSON reader holds exactly (2^53 - 1): RFC 8785 canonical JSON reads numbers as doubles.</summary>
    public const long MaxExactInteger = (1L << 53) - 1;

    /// <summary>A list of at most <paramref name="max"/> items (null is allowed here; say Required elsewhere when it is not).</summary>
    public InputCheck MaxItems<T>(IReadOnlyCollection<T>? items, string field, int max)
    {
        if (items is not null && items.Count > max)
            Fail(field, $"must list at most {max} items");
        return this;
    }

    /// <summary>A whole number, if given, from 0 to 2^53 - 1, so that it survives any JSON reader unchanged.</summary>
    public InputCheck NonNegativeWholeNumber(long? value, string field)
    {
        if (value is < 0 or > MaxExactInteger)
            Fail(field, $"must be between 0 and {MaxExactInteger}");
        return this;
    }

    /// <summary>
    /// The paths of a file manifest, by <see cref="FileManifest.PathProblems"/> (relative, '/'-separated, NFC, no '.' or
    /// '..' segment, no control or bidirectional character, none twice, none equal under case folding; a null path is
    /// "required"). Each problem is named <c>field[i].path</c>.
    /// </summary>
    public InputCheck ManifestPaths(IReadOnlyList<string?> paths, string field)
    {
        foreach (var (index, problem) in FileManifest.PathProblems(paths))
            Fail($"{field}[{index}].path", problem);
        return this;
    }

    /// <summary>
    /// A list of files by path, SHA-256 and size (a dataset's files, a model directory's files): at least one and at most
    /// <paramref name="maxItems"/>; each item given (<c>field[i]</c>), its <c>sha256</c> a digest, its <c>sizeBytes</c>
    /// from 0 to 2^53 - 1, and the paths as <see cref="ManifestPaths"/> says.
    /// </summary>
    public InputCheck ListedFiles(IReadOnlyList<IListedFile?>? files, string field, int maxItems)
    {
        MaxItems(files, field, maxItems);
        if (files is not { Count: > 0 })
            return Fail(field, "must list at least one file with its path, sha256 and sizeBytes");
        for (var i = 0; i < files.Count; i++)
        {
            if (files[i] is not { } file)
                Fail($"{field}[{i}]", "is required");
            else
                Sha256(file.Sha256, $"{field}[{i}].sha256").NonNegativeWholeNumber(file.SizeBytes, $"{field}[{i}].sizeBytes");
        }
        return ManifestPaths(files.Select(f => f?.Path).ToArray(), field);
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

    /// <summary>Machine-readable reason codes such as <c>digest_mismatch</c> or <c>approval.revoked</c>.</summary>
    public InputCheck Code(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
            Fail(field, "is required");
        else if (!CodePattern().IsMatch(value))
            Fail(field, "must be 1-100 characters of lower-case letters, digits, '_' and '.', starting with a letter");
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

    /// <summary>True when no problem has been found.</summary>
    public bool Passes => _errors.Count == 0;

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

    // \A and \z: in .NET, $ also matches before a final "\n", which would let "model\n" through.
    [GeneratedRegex(@"\A[a-z0-9][a-z0-9-]{0,63}\z")]
    private static partial Regex SlugPattern();

    [GeneratedRegex(@"\A[a-z][a-z0-9_.]{0,99}\z")]
    private static partial Regex CodePattern();

    [GeneratedRegex(@"\A[A-Za-z0-9][A-Za-z0-9._-]{0,63}\z")]
    private static partial Regex VersionPattern();
}
