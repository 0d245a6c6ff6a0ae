using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Governance.Attestations.Transparency;

namespace Governance.Attestations.Tests;

/// <summary>
/// The leaf input (<see cref="LedgerEntry.Canonical"/>) against docs/transparency-log-leaf.py, the standard-library Python script
/// auditors use, on 400 random payloads written in varied raw JSON (escaped and unescaped names and strings, characters beyond
/// U+FFFF whose UTF-16 order differs from their bytes', control characters, integers within and beyond 15 digits, -0, decimals
/// and exponents), so every shortcut the canonicaliser takes is checked against an implementation that takes none.
/// </summary>
public class LedgerEntryCanonicalTests
{
    private static readonly string[] Pieces =
    [
        "a",
        "Z",
        "0",
        " ",
        "\"",
        "\\",
        "/",
        "\n",
        "\t",
        "\u0001",
        "é",
        "€",
        "\uff61",
        "\ufb33",
        "😀",
        "𝄞",
        "中",
    ];

    [Fact]
    public async Task Random_payloads_canonicalise_as_the_auditors_python_script_does()
    {
        var random = new Random(20261130);
        var rows = new List<(LedgerEntry Entry, string Row)>();
        for (var i = 0; i < 400; i++)
        {
            var data = Value(random, depth: 0, forceObject: true);
            var entry = new LedgerEntry(
                i + 1,
                Guid.NewGuid(),
                $"stream-{i}:{Text(random)}",
                random.Next(1, 1000),
                "sign_in_failed",
                new DateTimeOffset(2026, 11, 30, 5, 0, 0, TimeSpan.FromHours(random.Next(-5, 6))).AddTicks(random.Next(0, 10_000_000)),
                random.Next(3) == 0 ? null : Text(random),
                data
            );
            rows.Add((entry, Row(entry)));
        }

        var expected = await PythonCanonicalAsync(rows.Select(r => r.Row));

        for (var i = 0; i < rows.Count; i++)
            Assert.True(expected[i] == rows[i].Entry.CanonicalText(), $"payload {i}: {rows[i].Entry.Data}");
    }

    [Fact]
    public void The_leaf_hash_is_sha256_of_a_zero_byte_and_the_canonical_entry()
    {
        var entry = new LedgerEntry(7, Guid.Empty, "s", 1, "t", DateTimeOffset.UnixEpoch, null, """{ "b" : 1, "a" : [2.50, -0] }""");

        Assert.Equal(
            """{"correlationId":null,"data":{"a":[2.5,0],"b":1},"id":"00000000-0000-0000-0000-000000000000","seq":7,"stream":"s","""
                + "\"timestamp\":\"1970-01-01T00:00:00.000000Z\",\"type\":\"t\",\"version\":1}",
            entry.CanonicalText()
        );
        Assert.Equal(Rfc6962.LeafHash(entry.Canonical()), entry.LeafHash());
    }

    /// <summary>A random JSON value as raw text, with random spacing and with some characters written as escapes.</summary>
    private static string Value(Random random, int depth, bool forceObject = false)
    {
        var kind = forceObject ? 0 : random.Next(depth > 3 ? 2 : 0, 8);
        string Space() => random.Next(4) == 0 ? " " : "";
        switch (kind)
        {
            case 0:
                var names = Enumerable.Range(0, random.Next(0, 6)).Select(_ => Text(random)).Distinct().ToArray();
                return "{"
                    + string.Join(",", names.Select(n => $"{Space()}{Quoted(random, n)}{Space()}:{Space()}{Value(random, depth + 1)}"))
                    + Space()
                    + "}";
            case 1:
                return "[" + string.Join(",", Enumerable.Range(0, random.Next(0, 5)).Select(_ => Space() + Value(random, depth + 1))) + "]";
            case 2:
            case 3:
                return Quoted(random, Text(random));
            case 4:
                return random.Next(5) switch
                {
                    0 => "0",
                    1 => "-0",
                    2 => random.NextInt64(-999_999_999_999_999, 999_999_999_999_999).ToString(CultureInfo.InvariantCulture),
                    3 => random.NextInt64(long.MinValue, long.MaxValue).ToString(CultureInfo.InvariantCulture),
                    _ => "9007199254740993",
                };
            case 5:
                return random.Next(4) switch
                {
                    0 => (random.NextDouble() * 1000 - 500).ToString("R", CultureInfo.InvariantCulture),
                    1 => $"{random.Next(1, 99)}.{random.Next(0, 99):D2}0",
                    2 => $"{random.Next(1, 9)}E{random.Next(-30, 30)}",
                    _ => $"-{random.Next(1, 9)}.5e-{random.Next(1, 9)}",
                };
            case 6:
                return random.Next(2) == 0 ? "true" : "false";
            default:
                return "null";
        }
    }

    private static string Text(Random random) =>
        string.Concat(Enumerable.Range(0, random.Next(0, 6)).Select(_ => Pieces[random.Next(Pieces.Length)]));

    /// <summary><paramref name="text"/> as a JSON string, each character written raw or as a \u escape at random (quotes,
    /// backslashes and control characters always escaped).</summary>
    private static string Quoted(Random random, string text)
    {
        var quoted = new StringBuilder("\"");
        for (var i = 0; i < text.Length; i++)
        {
            // A surrogate pair is escaped whole or written whole: half of it raw would be an unpaired surrogate in the text.
            var units = char.IsHighSurrogate(text[i]) ? text.Substring(i++, 2) : text[i].ToString();
            if (units[0] is '"' or '\\' or < ' ' || random.Next(6) == 0)
                foreach (var c in units)
                    quoted.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            else
                quoted.Append(units);
        }
        return quoted.Append('"').ToString();
    }

    /// <summary>The row as PostgreSQL's row_to_json writes it, which the script reads.</summary>
    private static string Row(LedgerEntry e) =>
        JsonSerializer.Serialize(
            new Dictionary<string, object?>
            {
                ["seq_id"] = e.Seq,
                ["id"] = e.Id.ToString("D"),
                ["stream_id"] = e.Stream,
                ["version"] = e.Version,
                ["type"] = e.Type,
                ["timestamp"] = e.Timestamp.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffffzzz", CultureInfo.InvariantCulture),
                ["correlation_id"] = e.CorrelationId,
                ["data"] = e.Data,
            }
        );

    /// <summary>Runs the script's own functions on each row (one process for all of them).</summary>
    private static async Task<string[]> PythonCanonicalAsync(IEnumerable<string> rows)
    {
        var script = Path.Combine(RepositoryRoot(), "docs", "transparency-log-leaf.py");
        const string driver = """
            import importlib.util, json, sys
            spec = importlib.util.spec_from_file_location("leaf", sys.argv[1])
            leaf = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(leaf)
            for line in sys.stdin:
                row = json.loads(line, object_pairs_hook=leaf.reject_duplicates)
                sys.stdout.write(json.dumps(leaf.jcs(leaf.entry_of(row))) + "\n")
            """;
        using var python = Process.Start(
            new ProcessStartInfo("/usr/bin/python3", ["-c", driver, script])
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                StandardInputEncoding = new UTF8Encoding(false),
                StandardOutputEncoding = Encoding.UTF8,
            }
        )!;
        var output = python.StandardOutput.ReadToEndAsync();
        var error = python.StandardError.ReadToEndAsync();
        try
        {
            foreach (var row in rows)
                await python.StandardInput.WriteLineAsync(row);
            python.StandardInput.Close();
        }
        catch (IOException)
        {
            // The script stopped reading: its error says why.
        }
        await python.WaitForExitAsync();
        Assert.True(python.ExitCode == 0, await error);
        // Each line is the canonical text as a JSON string, so line breaks inside it survive the pipe.
        return [.. (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonSerializer.Deserialize<string>(l)!)];
    }

    private static string RepositoryRoot()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "Governance.sln")))
            folder = folder.Parent;
        return folder!.FullName;
    }
}
