using System.Text;

namespace Governance.Attestations;

/// <summary>
/// What text the ledger stores and what a manifest path may hold, in one place for the domain's input checks, the CLI and
/// <see cref="FileManifest"/>: NFC; no control character (prose may hold newline and tab); no bidirectional control
/// (U+202A-202E, U+2066-2069: text that displays reversed next to a digest is an approval-spoofing vector); no zero-width
/// character (U+200B-200D, U+FEFF); no unpaired surrogate.
/// </summary>
public static class TextRules
{
    /// <summary>What is wrong with <paramref name="value"/>, as a sentence to show after its field name, or null.</summary>
    /// <param name="multiline">True for prose (reasons, opinions, descriptions), which may hold newline and tab.</param>
    public static string? Problem(string value, bool multiline)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c is '\n' or '\t' && multiline)
                continue;
            if (char.IsControl(c))
                return multiline
                    ? $"must not contain control characters other than newline and tab (found U+{(int)c:X4})"
                    : $"must be a single line without control characters (found U+{(int)c:X4})";
            if (c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069')
                return $"must not contain bidirectional control characters (found U+{(int)c:X4})";
            if (c is >= '\u200B' and <= '\u200D' or '\uFEFF')
                return $"must not contain zero-width characters (found U+{(int)c:X4})";
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                i++;
            else if (char.IsSurrogate(c))
                return "must be valid Unicode text (an unpaired surrogate was found)";
        }
        return value.IsNormalized(NormalizationForm.FormC) ? null : "must be Unicode NFC-normalised text";
    }

    /// <summary>Text as it may be printed to a terminal or a log: control and format characters (bidi overrides,
    /// zero-width characters) written as <c>\uXXXX</c>, so a hostile name cannot reorder or hide the rest of a message.</summary>
    public static string Printable(string text) =>
        string.Concat(
            text.Select(c =>
                char.GetUnicodeCategory(c) is System.Globalization.UnicodeCategory.Control or System.Globalization.UnicodeCategory.Format
                    ? $"\\u{(int)c:X4}"
                    : c.ToString()
            )
        );
}
