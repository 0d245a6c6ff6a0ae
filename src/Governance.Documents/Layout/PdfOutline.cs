using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Governance.Documents.Layout;

/// <summary>
/// Adds PDF bookmarks (an /Outlines tree) to a PDF written by Skia, whose PDF backend has no outline API. It appends an
/// incremental update (PDF 1.7, 7.5.6): outline objects pointing at the named destinations the composer drew, a new
/// catalog that references them, and an xref section chained to the original. The original bytes are left untouched.
/// </summary>
public static partial class PdfOutline
{
    public static byte[] Add(byte[] pdf, IReadOnlyList<(int Level, string Title, string Destination)> entries)
    {
        if (entries.Count == 0)
            return pdf;
        var text = Encoding.Latin1.GetString(pdf);
        var trailerAt = text.LastIndexOf("trailer", StringComparison.Ordinal);
        var trailer = text[trailerAt..];
        var size = int.Parse(SizePattern().Match(trailer).Groups[1].Value, CultureInfo.InvariantCulture);
        var root = int.Parse(RootPattern().Match(trailer).Groups[1].Value, CultureInfo.InvariantCulture);
        var info = InfoPattern().Match(trailer) is { Success: true } i ? $"\n/Info {i.Groups[1].Value} 0 R" : "";
        var previousXref = long.Parse(StartXrefPattern().Match(text[trailerAt..]).Groups[1].Value, CultureInfo.InvariantCulture);
        var catalogStart = text.IndexOf($"\n{root} 0 obj\n", StringComparison.Ordinal) + 1;
        var catalog = text[catalogStart..text.IndexOf("endobj", catalogStart, StringComparison.Ordinal)];
        var catalogBody = catalog[catalog.IndexOf("<<", StringComparison.Ordinal)..catalog.LastIndexOf(">>", StringComparison.Ordinal)];

        // Object numbers: the outline root, then one per entry.
        var outlineRoot = size;
        var number = Enumerable.Range(0, entries.Count).Select(e => size + 1 + e).ToArray();
        var parent = new int[entries.Count];
        var lastTop = -1;
        for (var e = 0; e < entries.Count; e++)
        {
            if (entries[e].Level <= 1 || lastTop < 0)
            {
                parent[e] = -1;
                lastTop = e;
            }
            else
                parent[e] = lastTop;
        }
        int[] Children(int p) => Enumerable.Range(0, entries.Count).Where(e => parent[e] == p).ToArray();

        var objects = new List<(int Number, string Body)>();
        var top = Children(-1);
        objects.Add((outlineRoot, $"<</Type /Outlines\n/First {number[top[0]]} 0 R\n/Last {number[top[^1]]} 0 R\n/Count {top.Length}>>"));
        for (var e = 0; e < entries.Count; e++)
        {
            var siblings = Children(parent[e]);
            var at = Array.IndexOf(siblings, e);
            var kids = Children(e);
            var item = new StringBuilder(
                $"<</Title {TextString(entries[e].Title)}\n/Parent {(parent[e] < 0 ? outlineRoot : number[parent[e]])} 0 R\n/Dest "
                    + $"/{entries[e].Destination}"
            );
            if (at > 0)
                item.Append($"\n/Prev {number[siblings[at - 1]]} 0 R");
            if (at < siblings.Length - 1)
                item.Append($"\n/Next {number[siblings[at + 1]]} 0 R");
            if (kids.Length > 0)
                item.Append($"\n/First {number[kids[0]]} 0 R\n/Last {number[kids[^1]]} 0 R\n/Count -{kids.Length}");
            objects.Add((number[e], item.Append(">>").ToString()));
        }
        objects.Add((root, $"{catalogBody}\n/Outlines {outlineRoot} 0 R\n/PageMode /UseOutlines>>"));

        var update = new StringBuilder("\n");
        var offsets = new Dictionary<int, long>();
        foreach (var (n, body) in objects)
        {
            offsets[n] = pdf.Length + Encoding.Latin1.GetByteCount(update.ToString());
            update.Append($"{n} 0 obj\n{body}\nendobj\n");
        }
        var xref = pdf.Length + Encoding.Latin1.GetByteCount(update.ToString());
        update.Append("xref\n");
        foreach (var group in offsets.OrderBy(o => o.Key).GroupBy(o => o.Key == root ? 0 : 1))
        {
            var entriesInGroup = group.ToArray();
            update.Append($"{entriesInGroup[0].Key} {entriesInGroup.Length}\n");
            foreach (var (_, offset) in entriesInGroup)
                update.Append($"{offset:D10} 00000 n \n");
        }
        update.Append(
            $"trailer\n<</Size {size + 1 + entries.Count}\n/Root {root} 0 R{info}\n/Prev {previousXref}>>\nstartxref\n{xref}\n%%EOF\n"
        );
        return [.. pdf, .. Encoding.Latin1.GetBytes(update.ToString())];
    }

    /// <summary>A PDF text string in UTF-16BE with a byte order mark, so any title survives.</summary>
    private static string TextString(string text) => "<FEFF" + Convert.ToHexString(Encoding.BigEndianUnicode.GetBytes(text)) + ">";

    [GeneratedRegex(@"/Size (\d+)")]
    private static partial Regex SizePattern();

    [GeneratedRegex(@"/Root (\d+) 0 R")]
    private static partial Regex RootPattern();

    [GeneratedRegex(@"/Info (\d+) 0 R")]
    private static partial Regex InfoPattern();

    [GeneratedRegex(@"startxref\s+(\d+)")]
    private static partial Regex StartXrefPattern();
}
