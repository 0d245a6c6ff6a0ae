using System.Text;
using System.Text.Json;

namespace Governance.Attestations.Tests;

/// <summary>RFC 8785's own examples: §3.2.2 (serialisation), §3.2.3 (sorting), §3.2.4 (UTF-8) and Appendix B (numbers).</summary>
public class JcsTests
{
    private static string Canonical(string json)
    {
        using var document = JsonDocument.Parse(json);
        return Encoding.UTF8.GetString(Jcs.Canonicalize(document.RootElement));
    }

    [Fact]
    public void The_serialisation_example_of_section_3_2_2_gives_the_rfc_output()
    {
        const string input = """
            {
              "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
              "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
              "literals": [null, true, false]
            }
            """;

        Assert.Equal(
            """{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}""",
            Canonical(input)
        );
    }

    [Fact]
    public void Properties_are_sorted_by_utf16_code_units_as_in_section_3_2_3()
    {
        const string input = """
            {
              "\u20ac": "Euro Sign",
              "\r": "Carriage Return",
              "\ufb33": "Hebrew Letter Dalet With Dagesh",
              "1": "One",
              "\ud83d\ude00": "Emoji: Grinning Face",
              "\u0080": "Control",
              "\u00f6": "Latin Small Letter O With Diaeresis"
            }
            """;

        using var canonical = JsonDocument.Parse(Canonical(input));
        Assert.Equal(
            [
                "Carriage Return",
                "One",
                "Control",
                "Latin Small Letter O With Diaeresis",
                "Euro Sign",
                "Emoji: Grinning Face",
                "Hebrew Letter Dalet With Dagesh",
            ],
            canonical.RootElement.EnumerateObject().Select(p => p.Value.GetString())
        );
        Assert.StartsWith("{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\"", Canonical(input));
    }

    [Fact]
    public void Strings_are_written_as_utf8_without_normalisation_as_in_section_3_2_4()
    {
        using var document = JsonDocument.Parse("""{"Unnormalized Unicode":"A\u030a"}""");

        Assert.Equal(
            Convert.FromHexString("7b22556e6e6f726d616c697a656420556e69636f6465223a2241cc8a227d"),
            Jcs.Canonicalize(document.RootElement)
        );
    }

    [Theory]
    [InlineData("0000000000000000", "0")]
    [InlineData("8000000000000000", "0")]
    [InlineData("0000000000000001", "5e-324")]
    [InlineData("8000000000000001", "-5e-324")]
    [InlineData("7fefffffffffffff", "1.7976931348623157e+308")]
    [InlineData("ffefffffffffffff", "-1.7976931348623157e+308")]
    [InlineData("4340000000000000", "9007199254740992")]
    [InlineData("c340000000000000", "-9007199254740992")]
    [InlineData("4430000000000000", "295147905179352830000")]
    [InlineData("44b52d02c7e14af5", "9.999999999999997e+22")]
    [InlineData("44b52d02c7e14af6", "1e+23")]
    [InlineData("44b52d02c7e14af7", "1.0000000000000001e+23")]
    [InlineData("444b1ae4d6e2ef4e", "999999999999999700000")]
    [InlineData("444b1ae4d6e2ef4f", "999999999999999900000")]
    [InlineData("444b1ae4d6e2ef50", "1e+21")]
    [InlineData("3eb0c6f7a0b5ed8c", "9.999999999999997e-7")]
    [InlineData("3eb0c6f7a0b5ed8d", "0.000001")]
    [InlineData("41b3de4355555553", "333333333.3333332")]
    [InlineData("41b3de4355555554", "333333333.33333325")]
    [InlineData("41b3de4355555555", "333333333.3333333")]
    [InlineData("41b3de4355555556", "333333333.3333334")]
    [InlineData("41b3de4355555557", "333333333.33333343")]
    [InlineData("becbf647612f3696", "-0.0000033333333333333333")]
    [InlineData("43143ff3c1cb0959", "1424953923781206.2")]
    public void Numbers_are_written_as_in_appendix_b(string ieee754Hex, string expected)
    {
        var value = BitConverter.Int64BitsToDouble(Convert.ToInt64(ieee754Hex, 16));

        Assert.Equal(expected, Jcs.NumberToString(value));
    }

    [Theory]
    [InlineData("7fffffffffffffff")]
    [InlineData("7ff0000000000000")]
    [InlineData("fff0000000000000")]
    public void NaN_and_infinities_are_refused_as_appendix_b_says(string ieee754Hex)
    {
        Assert.Throws<ArgumentException>(() => Jcs.NumberToString(BitConverter.Int64BitsToDouble(Convert.ToInt64(ieee754Hex, 16))));
    }

    [Theory]
    [InlineData("""{"a":1e400}""", "$.a")]
    [InlineData("""{"a":{"b":1,"b":2}}""", "$.a")]
    [InlineData("""["x\ud800y"]""", "$[0]")]
    public void Input_that_is_not_i_json_is_refused_naming_the_json_path(string json, string path)
    {
        var e = Assert.Throws<ArgumentException>(() => Canonical(json));

        Assert.StartsWith(path + ":", e.Message);
    }

    [Fact]
    public void Control_characters_are_escaped_in_lower_case_hex_and_everything_else_is_written_as_is()
    {
        Assert.Equal(
            "[\"\\u0000\\u001f\\b\\t\\n\\f\\r\",\"<>&'\u007f\u2028\"]",
            Canonical("""["\u0000\u001F\b\t\n\f\r", "<>&'\u007f\u2028"]""")
        );
    }
}
