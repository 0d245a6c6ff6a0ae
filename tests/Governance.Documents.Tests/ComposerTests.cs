using System.Text;
using Governance.Documents.Layout;
using UglyToad.PdfPig;

namespace Governance.Documents.Tests;

public sealed partial class ComposerTests
{
    private static readonly DateTimeOffset Date = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static DocumentSpec Spec(params Block[] blocks) =>
        new(
            "Test document",
            "A subtitle",
            [new("Model", "credit-scoring-de")],
            "Running header",
            "Footer note",
            blocks,
            "Author",
            "Subject",
            "kw",
            Date
        );

    private static Table LongTable(int rows) =>
        new(
            ["Column A", "Column B"],
            [1, 3],
            Enumerable
                .Range(0, rows)
                .Select(i => (IReadOnlyList<string>)[$"row-{i}", "sha256:" + new string((char)('a' + i % 6), 64)])
                .ToArray(),
            Monospace: true
        );

    [Fact]
    public void Every_page_after_the_title_says_page_x_of_y()
    {
        var (pdf, pages) = Composer.Render(Spec(new Heading(1, "One"), LongTable(150)));
        using var document = PdfDocument.Open(pdf);
        Assert.Equal(pages, document.NumberOfPages);
        Assert.True(pages >= 4);
        for (var p = 2; p <= pages; p++)
            Assert.Contains($"Page {p} of {pages}", document.GetPage(p).Text);
    }

    [Fact]
    public void A_table_that_breaks_across_pages_repeats_its_header_row_and_loses_no_row()
    {
        var (pdf, pages) = Composer.Render(Spec(new Heading(1, "Table"), LongTable(150)));
        using var document = PdfDocument.Open(pdf);
        var tablePages = Enumerable.Range(3, pages - 2).Select(p => document.GetPage(p).Text).ToArray();
        Assert.All(tablePages, text => Assert.Contains("Column A", text));
        var all = string.Concat(tablePages);
        Assert.All(Enumerable.Range(0, 150), i => Assert.Contains($"row-{i}", all));
    }

    [Fact]
    public void Headings_are_listed_in_the_contents_and_as_pdf_bookmarks()
    {
        var (pdf, _) = Composer.Render(
            Spec(
                new Heading(1, "First section"),
                new Paragraph("Text."),
                new Heading(2, "A subsection"),
                new PageBreak(),
                new Heading(1, "Second section")
            )
        );
        using var document = PdfDocument.Open(pdf);
        Assert.Contains("Contents", document.GetPage(2).Text);
        Assert.Contains("First section", document.GetPage(2).Text);
        Assert.True(document.TryGetBookmarks(out var bookmarks));
        var titles = bookmarks.GetNodes().Select(n => n.Title).ToArray();
        Assert.Equal(["First section", "A subsection", "Second section"], titles);
    }

    [Fact]
    public void The_same_spec_renders_the_same_bytes_and_carries_its_metadata()
    {
        var spec = Spec(
            new Heading(1, "One"),
            new BarChart("Metrics", [new("auc", 0.8)], 1),
            new LineChart("Events", [new(0, 1), new(1, 3)], "day", "events"),
            new Monospace("sha256:" + new string('f', 64)),
            new Notice("Not recorded in the ledger.")
        );
        var (first, _) = Composer.Render(spec);
        var (second, _) = Composer.Render(spec);
        Assert.Equal(first, second);
        using var document = PdfDocument.Open(first);
        Assert.Equal("Test document", document.Information.Title);
        Assert.Contains("sha256:" + new string('f', 64), string.Concat(document.GetPages().Select(p => p.Text)));
    }

    [Fact]
    public void Long_unbreakable_text_wraps_without_losing_characters()
    {
        var digest = "sha256:" + string.Concat(Enumerable.Repeat("0123456789abcdef", 12));
        var (pdf, _) = Composer.Render(Spec(new Paragraph($"Digest {digest} ends here.")));
        using var document = PdfDocument.Open(pdf);
        var text = new StringBuilder();
        foreach (var page in document.GetPages())
            text.Append(page.Text);
        Assert.Contains(digest[..40], text.ToString());
        Assert.Contains("ends here.", text.ToString());
    }

    [Fact]
    public void Each_font_is_embedded_as_a_subset_of_the_glyphs_the_document_draws()
    {
        const string name = "Kredit 信用评分 تقييم क्रेडिट 🚀";
        var (pdf, _) = Composer.Render(Spec(new Heading(1, name), new Paragraph($"The model {name} is registered.")));
        // Skia writes each embedded TrueType program's length uncompressed as /Length1. Whole, WenQuanYi Micro Hei alone was
        // 5,177,387 bytes and Symbola 3,165,808 (renderer version 2 embedded every face whole).
        var lengths = LengthOneRegex().Matches(Encoding.Latin1.GetString(pdf)).Select(m => int.Parse(m.Groups[1].Value)).ToArray();
        Assert.True(lengths.Length >= 5, $"{lengths.Length} embedded fonts");
        Assert.All(lengths, length => Assert.True(length < 600_000, $"an embedded font of {length} bytes"));
        using var document = PdfDocument.Open(pdf);
        Assert.Contains("registered", document.GetPage(3).Text);
    }

    [Fact]
    public void Bold_chinese_is_drawn_as_text_in_its_one_weight_not_as_outlines()
    {
        const string heading = "信用评分模型的独立验证与批准";
        var (pdf, _) = Composer.Render(Spec(new Heading(1, heading), new Paragraph("模型风险管理")));
        using var document = PdfDocument.Open(pdf);
        var page = document.GetPage(3);
        // WenQuanYi Micro Hei has no bold; emboldened, Skia drew every glyph as a filled outline (curves) under an invisible
        // copy of the text, which made packs of Chinese text several times larger.
        Assert.Equal(0, page.Operations.Count(o => o.Operator == "c"));
        Assert.Contains(heading, page.Text.Replace(" ", ""));
    }

    [Fact]
    public void A_line_of_text_is_written_as_strings_of_glyphs_not_one_text_position_per_glyph()
    {
        // At 7.8 points (a monospace block) an advance is not a short binary fraction, so float rounding shows; at 9.5 it is.
        var text = string.Join(' ', Enumerable.Repeat("governance evidence for the model risk function", 20));
        var (pdf, _) = Composer.Render(Spec(new Monospace(text)));
        using var document = PdfDocument.Open(pdf);
        var operators = document.GetPage(3).Operations.Select(o => o.Operator).ToArray();
        var (positions, glyphs) = (operators.Count(o => o == "Td"), text.Count(c => c != ' '));
        // Before, Skia wrote a Td before every glyph (positions = glyphs); now one per line and per kerned pair at most.
        Assert.True(positions * 5 < glyphs, $"{positions} text positions for {glyphs} glyphs");
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"/Length1 (\d+)")]
    private static partial System.Text.RegularExpressions.Regex LengthOneRegex();
}
