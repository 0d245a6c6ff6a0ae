using System.Globalization;
using System.Text;
using System.Text.Json;

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
/// </remarks>
public static class Jcs
{
    /// <summary>The canonical UTF-8 bytes of <paramref name="value"/> (RFC 8785).</summary>
    /// <exception cref="ArgumentException">The value is not I-JSON (see the class remarks); the message names the JSON path.</exception>
    public static byte[] Canonicalize(JsonElement value)
    {
        var output = new StringBuilder();
        Write(value, output, "$");
        return Encoding.UTF8.GetBytes(output.ToString());
    }

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

    private static void Write(JsonElement value, StringBuilder output, string path)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                WriteObject(value, output, path);
                break;
            case JsonValueKind.Array:
                output.Append('[');
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    if (index > 0)
                        output.Append(',');
                    Write(item, output, $"{path}[{index++}]");
                }
                output.Append(']');
                break;
            case JsonValueKind.String:
                WriteString(StringOf(value, path), output, path);
                break;
            case JsonValueKind.Number:
                if (!value.TryGetDouble(out var number) || !double.IsFinite(number))
                    throw new ArgumentException($"{path}: the number {value.GetRawText()} is not a finite IEEE 754 double");
                output.Append(NumberToString(number));
                break;
            case JsonValueKind.True:
                output.Append("true");
                break;
            case JsonValueKind.False:
                output.Append("false");
                break;
            case JsonValueKind.Null:
                output.Append("null");
                break;
            default:
                throw new ArgumentException($"{path}: no JSON value");
        }
    }

    private static void WriteObject(JsonElement value, StringBuilder output, string path)
    {
        var properties = new List<(string Name, JsonElement Value)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in value.EnumerateObject())
        {
            var name = NameOf(property, path);
            if (!seen.Add(name))
                throw new ArgumentException($"{path}: the property '{name}' is given twice (I-JSON, RFC 7493 §2.3)");
            properties.Add((name, property.Value));
        }
        // string.CompareOrdinal compares UTF-16 code units, the order RFC 8785 §3.2.3 prescribes.
        properties.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        output.Append('{');
        for (var i = 0; i < properties.Count; i++)
        {
            if (i > 0)
                output.Append(',');
            var childPath = $"{path}.{properties[i].Name}";
            WriteString(properties[i].Name, output, childPath);
            output.Append(':');
            Write(properties[i].Value, output, childPath);
        }
        output.Append('}');
    }

    private static string StringOf(JsonElement value, string path)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException e)
        {
            throw new ArgumentException($"{path}: the string is not valid Unicode ({e.Message})", e);
        }
    }

    private static string NameOf(JsonProperty property, string path)
    {
        try
        {
            return property.Name;
        }
        catch (InvalidOperationException e)
        {
            throw new ArgumentException($"{path}: a property name is not valid Unicode ({e.Message})", e);
        }
    }

    private static void WriteString(string value, StringBuilder output, string path)
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
                            $"{path}: the string holds an unpaired surrogate U+{(int)c:X4} (I-JSON, RFC 7493 §2.1)"
                        );
                    else
                        output.Append(c);
                    break;
            }
        }
        output.Append('"');
    }
}
