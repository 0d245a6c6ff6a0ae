using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Governance.Attestations;

/// <summary>
/// The JSON Canonicalization Scheme of RFC 8785 (JCS): one byte sequence for a JSON value, so that its SHA-256 can be
/// recomputed by anyone. Objects are written with their properties sorted by the UTF-16 code units of their names
/// (§3.2.3), no whitespace, strings escaped as §3.2.2.2 says (only <c>"</c>, <c>\</c> and U+0000-U+001F are escaped;
/// everything else is written as UTF-8), numbers as ECMAScript's Number-to-String writes the IEEE 754 double they denote
/// (§3.2.2.3), and literals as <c>null</c>, <c>true</c>, <c>false</c>. The output is UTF-8 without a byte order mark.
/// </summary>
/// <remarks>
/// Input must be I-JSON (RFC 7493), as RFC 8785 §3.1 requires; what is not is refused with an
/// <see cref="ArgumentException"/> naming the JSON path: a property name given twice in one object, a string holding an
/// unpaired surrogate, or a number whose double is not finite (e.g. <c>1e400</c>). Numbers are read as doubles, as §3.2.2.3
/// says: an integer beyond ±2^53 loses precision, so callers that need exact integers keep them within that range.
/// The transparency log canonicalises every event it seals and verifies, so the common case is copied from the parsed
/// document's UTF-8 without decoding: a string or name without escapes (already its own canonical form once its UTF-8 is
/// valid) and an integer of at most 15 digits; everything else takes the general path.
/// </remarks>
public static class Jcs
{
    /// <summary>The canonical UTF-8 bytes of <paramref name="value"/> (RFC 8785).</summary>
    /// <exception cref="ArgumentException">The value is not I-JSON (see the class remarks); the message names the JSON path.</exception>
    public static byte[] Canonicalize(JsonElement value)
    {
        var output = new ArrayBufferWriter<byte>();
        Canonicalize(value, output);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Appends the canonical UTF-8 bytes of <paramref name="value"/> (RFC 8785) to <paramref name="output"/>.</summary>
    /// <exception cref="ArgumentException">As <see cref="Canonicalize(JsonElement)"/>; part of the value may have been written.</exception>
    public static void Canonicalize(JsonElement value, IBufferWriter<byte> output) => Write(value, output, []);

    /// <summary>Appends <paramref name="value"/> as a canonical JSON string (RFC 8785 §3.2.2.2).</summary>
    /// <exception cref="ArgumentException">The string holds an unpaired surrogate.</exception>
    public static void WriteString(string value, IBufferWriter<byte> output)
    {
        // Printable ASCII other than '"' and '\\' is its own canonical form (ids, stream keys, type aliases, timestamps).
        if (!value.AsSpan().ContainsAnyExceptInRange(' ', '~') && !value.AsSpan().ContainsAny('"', '\\'))
        {
            Append(output, "\""u8);
            Append(output, value);
            Append(output, "\""u8);
            return;
        }
        var escaped = new StringBuilder(value.Length + 2);
        Escape(value, escaped, () => "$");
        Append(output, escaped.ToString());
    }

    /// <summary>Appends an integer as RFC 8785 §3.2.2.3 writes it: its digits within ±2^53, the double it rounds to beyond.</summary>
    public static void WriteInteger(long value, IBufferWriter<byte> output) =>
        Append(output, Math.Abs(value) <= 1L << 53 ? value.ToString(CultureInfo.InvariantCulture) : NumberToString(value));

    /// <summary>
    /// A double as ECMAScript's Number::toString writes it (ECMA-262 §7.1.12.1, the serialisation RFC 8785 §3.2.2.3 uses):
    /// the shortest decimal that reads back as the same double, plain from 1e-6 up to 1e21, exponential (<c>1e+21</c>,
    /// <c>5e-324</c>) outside it; -0 is written <c>0</c>.
    /// </summary>
    /// <exception cref="ArgumentException">NaN or an infinity, which JSON cannot hold.</exception>
    public static string NumberToString(double value)
    {
        if (!double.IsFinite(value))
            throw new ArgumentException($"{value} cannot be written as JSON: RFC 8785 §3.2.2.3 refuses NaN and infinities", nameof(value));
        if (value == 0)
            return "0";
        if (value < 0)
            return "-" + NumberToString(-value);

        // .NET's "R" is the shortest round-tripping decimal, as ECMAScript requires; only the layout differs.
        var shortest = value.ToString("R", CultureInfo.InvariantCulture);
        var exponentAt = shortest.IndexOf('E');
        var mantissa = exponentAt < 0 ? shortest : shortest[..exponentAt];
        var exponent =
            exponentAt < 0 ? 0 : int.Parse(shortest[(exponentAt + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var point = mantissa.IndexOf('.');
        var digits = mantissa.Replace(".", "");
        // ECMAScript's n: the decimal point sits after n digits of the digit string.
        var n = (point < 0 ? mantissa.Length : point) + exponent;
        var significant = digits.TrimStart('0');
        n -= digits.Length - significant.Length;
        digits = significant.TrimEnd('0');
        var k = digits.Length;

        if (k <= n && n <= 21)
            return digits + new string('0', n - k);
        if (0 < n && n <= 21)
            return digits[..n] + "." + digits[n..];
        if (-6 < n && n <= 0)
            return "0." + new string('0', -n) + digits;
        var e = n - 1;
        var sign = e < 0 ? "-" : "+";
        return (k == 1 ? digits : digits[..1] + "." + digits[1..]) + "e" + sign + Math.Abs(e).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Where the writer is: the property or array index of each enclosing container, turned into a JSON path
    /// (<c>$.a[2].b</c>) only when an error is reported.</summary>
    private readonly record struct Step(JsonProperty? Property, int Index);

    private static string PathOf(List<Step> path)
    {
        var text = new StringBuilder("$");
        foreach (var step in path)
            if (step.Property is { } property)
                text.Append('.').Append(property.Name);
            else
                text.Append('[').Append(step.Index).Append(']');
        return text.ToString();
    }

    private static void Write(JsonElement value, IBufferWriter<byte> output, List<Step> path)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                WriteObject(value, output, path);
                break;
            case JsonValueKind.Array:
                Append(output, "["u8);
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    if (index > 0)
                        Append(output, ","u8);
                    path.Add(new Step(null, index++));
                    Write(item, output, path);
                    path.RemoveAt(path.Count - 1);
                }
                Append(output, "]"u8);
                break;
            case JsonValueKind.String:
                var raw = JsonMarshal.GetRawUtf8Value(value);
                if (IsCanonical(raw[1..^1]))
                    Append(output, raw);
                else
                    WriteEscaped(StringOf(value, path), output, path);
                break;
            case JsonValueKind.Number:
                var number = JsonMarshal.GetRawUtf8Value(value);
                if (IsPlainInteger(number))
                    Append(output, number);
                else if (value.TryGetDouble(out var parsed) && double.IsFinite(parsed))
                    Append(output, NumberToString(parsed));
                else
                    throw new ArgumentException($"{PathOf(path)}: the number {value.GetRawText()} is not a finite IEEE 754 double");
                break;
            case JsonValueKind.True:
                Append(output, "true"u8);
                break;
            case JsonValueKind.False:
                Append(output, "false"u8);
                break;
            case JsonValueKind.Null:
                Append(output, "null"u8);
                break;
            default:
                throw new ArgumentException($"{PathOf(path)}: no JSON value");
        }
    }

    private static void WriteObject(JsonElement value, IBufferWriter<byte> output, List<Step> path)
    {
        var properties = new List<JsonProperty>();
        foreach (var property in value.EnumerateObject())
        {
            // Decoded here, where the path is known, so that sorting can no longer fail.
            if (!IsCanonical(JsonMarshal.GetRawUtf8PropertyName(property)))
                NameOf(property, path);
            properties.Add(property);
        }
        properties.Sort(CompareNames);
        for (var i = 1; i < properties.Count; i++)
            if (CompareNames(properties[i - 1], properties[i]) == 0)
                throw new ArgumentException($"{PathOf(path)}: the property '{properties[i].Name}' is given twice (I-JSON, RFC 7493 §2.3)");
        Append(output, "{"u8);
        for (var i = 0; i < properties.Count; i++)
        {
            if (i > 0)
                Append(output, ","u8);
            path.Add(new Step(properties[i], 0));
            var name = JsonMarshal.GetRawUtf8PropertyName(properties[i]);
            if (IsCanonical(name))
            {
                Append(output, "\""u8);
                Append(output, name);
                Append(output, "\""u8);
            }
            else
                WriteEscaped(properties[i].Name, output, path);
            Append(output, ":"u8);
            Write(properties[i].Value, output, path);
            path.RemoveAt(path.Count - 1);
        }
        Append(output, "}"u8);
    }

    /// <summary>
    /// Orders names by their UTF-16 code units (RFC 8785 §3.2.3). Valid UTF-8 without escapes orders bytewise as code points do,
    /// which is the UTF-16 order unless a name holds a character beyond U+FFFF (a 4-byte sequence, whose surrogates sort below
    /// U+E000-U+FFFF): those and escaped names are compared decoded.
    /// </summary>
    private static int CompareNames(JsonProperty a, JsonProperty b)
    {
        var x = JsonMarshal.GetRawUtf8PropertyName(a);
        var y = JsonMarshal.GetRawUtf8PropertyName(b);
        return IsBytewiseOrdered(x) && IsBytewiseOrdered(y) ? x.SequenceCompareTo(y) : string.CompareOrdinal(a.Name, b.Name);
    }

    private static bool IsBytewiseOrdered(ReadOnlySpan<byte> name) =>
        IsCanonical(name) && name.IndexOfAnyInRange((byte)0xF0, (byte)0xFF) < 0;

    /// <summary>Whether the raw UTF-8 of a string's content is already canonical: valid UTF-8 (so no unpaired surrogate) with no
    /// escape. JSON allows no unescaped quote or control character in a string, so nothing else would be escaped.</summary>
    private static bool IsCanonical(ReadOnlySpan<byte> content) => content.IndexOf((byte)'\\') < 0 && Utf8.IsValid(content);

    /// <summary>An integer ECMAScript writes as it is: no sign but '-', no leading zero, no fraction or exponent, at most 15 digits
    /// (so well within the doubles' exact integers), and not -0.</summary>
    private static bool IsPlainInteger(ReadOnlySpan<byte> number)
    {
        var digits = number.Length > 0 && number[0] == '-' ? number[1..] : number;
        return digits.Length is > 0 and <= 15
            && !digits.ContainsAnyExceptInRange((byte)'0', (byte)'9')
            && (digits[0] != '0' || (digits.Length == 1 && digits.Length == number.Length));
    }

    private static string StringOf(JsonElement value, List<Step> path)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException e)
        {
            throw new ArgumentException($"{PathOf(path)}: the string is not valid Unicode ({e.Message})", e);
        }
    }

    private static string NameOf(JsonProperty property, List<Step> path)
    {
        try
        {
            return property.Name;
        }
        catch (InvalidOperationException e)
        {
            throw new ArgumentException($"{PathOf(path)}: a property name is not valid Unicode ({e.Message})", e);
        }
    }

    private static void WriteEscaped(string value, IBufferWriter<byte> output, List<Step> path)
    {
        var escaped = new StringBuilder(value.Length + 2);
        Escape(value, escaped, () => PathOf(path));
        Append(output, escaped.ToString());
    }

    private static void Escape(string value, StringBuilder output, Func<string> path)
    {
        output.Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '"':
                    output.Append("\\\"");
                    break;
                case '\\':
                    output.Append("\\\\");
                    break;
                case '\b':
                    output.Append("\\b");
                    break;
                case '\f':
                    output.Append("\\f");
                    break;
                case '\n':
                    output.Append("\\n");
                    break;
                case '\r':
                    output.Append("\\r");
                    break;
                case '\t':
                    output.Append("\\t");
                    break;
                case < ' ':
                    output.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                        output.Append(c).Append(value[++i]);
                    else if (char.IsSurrogate(c))
                        throw new ArgumentException(
                            $"{path()}: the string holds an unpaired surrogate U+{(int)c:X4} (I-JSON, RFC 7493 §2.1)"
                        );
                    else
                        output.Append(c);
                    break;
            }
        }
        output.Append('"');
    }

    private static void Append(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes) => output.Write(bytes);

    private static void Append(IBufferWriter<byte> output, string text)
    {
        var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        output.Advance(Encoding.UTF8.GetBytes(text, span));
    }
}
