using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Governance.Documents.EvidencePacks;
using Governance.Documents.Layout;
using Governance.Domain.Models;
using Governance.Domain.Shared;
using UglyToad.PdfPig;

namespace Governance.Documents.Tests;

/// <summary>
/// Evidence packs print every script and keep text where it belongs (issue 18, defect 9): a model named in Latin, Chinese,
/// Arabic, Hindi and emoji is registered through the domain's own decision (as the forms do) and printed in the three packs;
/// the text is read back with poppler's <c>pdftotext</c> and PdfPig, and the composer's record of what it drew is checked
/// against the box each text was given.
/// </summary>
public sealed partial class PackTextTests
{
    internal const string EveryScript = "Kredit 信用评分 تقييم क्रेडिट 🚀";
    private const float PageWidth = 595.28f,
        Margin = 56;

    /// <summary>The demo credit model, renamed through <see cref="RegisterModelDecision"/> with a name and purpose in every
    /// script (the purpose also holds a tab, which multi-line fields accept).</summary>
    internal static EvidencePackInput EveryScriptInput()
    {
        var demo = GoldenPackTests.DemoCreditModel();
        var registered = RegisterModelDecision.Decide(
            new RegisterModel(
                demo.Model.Id,
                EveryScript,
                "Scores retail credit.\tتقييم الجدارة الائتمانية للأفراد؛ 信用评分用于零售贷款；क्रेडिट स्कोरिंग 🚀",
                RiskTier.High,
                demo.Model.EuAiActCategory,
                ["EU", "DE"],
                "Renamed for the scripts test"
            ),
            null,
            new CommandContext(new Actor(demo.Model.OwnerId, Roles.ModelOwner), demo.Model.RegisteredAt, "scripts")
        );
        return demo with { Model = Model.Evolve(null, registered)! };
    }

    internal static string Pdftotext(byte[] pdf, params string[] options)
    {
        var file = Path.Combine(Path.GetTempPath(), $"pack-{Guid.NewGuid():N}.pdf");
        File.WriteAllBytes(file, pdf);
        try
        {
            using var process = Process.Start(
                new ProcessStartInfo("pdftotext", [.. options, "-enc", "UTF-8", file, "-"])
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    StandardOutputEncoding = Encoding.UTF8,
                }
            )!;
            var text = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, $"pdftotext failed: {process.StandardError.ReadToEnd()}");
            return text;
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>NFKC, without whitespace, and without the bidi embedding marks (U+202A-202E) pdftotext adds around a
    /// right-to-left word in a left-to-right line: they say how the line is displayed, they are not the document's text.</summary>
    private static string Squeezed(string text) => Whitespace().Replace(text.Normalize(NormalizationForm.FormKC), "");

    [Theory]
    [InlineData(EvidencePackKind.ModelCard)]
    [InlineData(EvidencePackKind.EuAiActAnnexIV)]
    [InlineData(EvidencePackKind.Sr117ValidationAndApproval)]
    public void A_model_named_in_every_script_is_in_the_packs_extracted_text(EvidencePackKind kind)
    {
        var (pdf, _) = EvidencePack.Render(kind, EveryScriptInput());
        // To look at the pages (pdftoppm -png): PACK_PDF_DIR=/some/folder with the same command.
        if (Environment.GetEnvironmentVariable("PACK_PDF_DIR") is { Length: > 0 } folder)
            File.WriteAllBytes(Path.Combine(folder, $"every-script.{EvidencePack.Slug(kind)}.pdf"), pdf);
        var text = Squeezed(Pdftotext(pdf));
        Assert.Contains(Squeezed(EveryScript), text);
        // Words without the lam-alef ligature: pdftotext (poppler 22.12) reverses the two letters of a ligature glyph in a
        // right-to-left word ("الائتمانية" extracts as "االئتمانية"), whatever the PDF maps the glyph to.
        Assert.Contains(Squeezed("تقييم الجدارة"), text);
        Assert.Contains(Squeezed("信用评分用于零售贷款"), text);
        Assert.Contains(Squeezed("स्कोरिंग"), text);
    }

    [Theory]
    [InlineData(EvidencePackKind.ModelCard)]
    [InlineData(EvidencePackKind.EuAiActAnnexIV)]
    [InlineData(EvidencePackKind.Sr117ValidationAndApproval)]
    public void No_letter_of_a_pack_is_outside_the_page_margins_or_a_control_character(EvidencePackKind kind)
    {
        var (pdf, _) = EvidencePack.Render(kind, EveryScriptInput());
        using var document = PdfDocument.Open(pdf);
        foreach (var page in document.GetPages())
        foreach (var letter in page.Letters)
        {
            // A tab drawn as a glyph (a box) extracts as a control character. (A .notdef glyph cannot be told from the second
            // glyph of a cluster here, both have no text of their own: the composer's record below counts them.)
            Assert.False(
                letter.Value.Any(c => char.IsControl(c) && c != '\0' || c == '\uFFFD'),
                $"page {page.Number}: a control character ({Escaped(letter.Value)}) drawn in font {letter.FontName}"
            );
            Assert.True(
                letter.StartBaseLine.X >= Margin - 1 && letter.EndBaseLine.X <= PageWidth - Margin + 1,
                $"page {page.Number}: '{letter.Value}' drawn at x {letter.StartBaseLine.X:0.#}-{letter.EndBaseLine.X:0.#}"
            );
        }
    }

    private static string Escaped(string s) => string.Concat(s.Select(c => $"U+{(int)c:X4}"));

    [Theory]
    [InlineData(EvidencePackKind.ModelCard)]
    [InlineData(EvidencePackKind.EuAiActAnnexIV)]
    [InlineData(EvidencePackKind.Sr117ValidationAndApproval)]
    public void Every_text_is_drawn_inside_the_box_it_was_given_with_no_missing_glyph(EvidencePackKind kind)
    {
        var probe = new MeasureCount { Drawn = [] };
        Composer.Render(EvidencePack.Define(kind, EveryScriptInput()), probe);
        Assert.NotEmpty(probe.Drawn);
        Assert.Contains(probe.Drawn, d => d.Text.Contains(EveryScript, StringComparison.Ordinal));
        foreach (var d in probe.Drawn)
        {
            Assert.True(d.MissingGlyphs == 0, $"page {d.Page}: '{d.Text}' drew {d.MissingGlyphs} .notdef glyph(s)");
            Assert.True(
                d.Left >= d.BoxLeft - 0.01 && d.Right <= d.BoxRight + 0.01,
                $"page {d.Page}: '{d.Text}' drawn at {d.Left:0.##}-{d.Right:0.##}, its box is {d.BoxLeft:0.##}-{d.BoxRight:0.##}"
            );
            Assert.True(d.BoxLeft >= Margin - 0.01 && d.BoxRight <= PageWidth - Margin + 0.01, $"'{d.Text}': box outside the margins");
        }
    }

    [Theory]
    [InlineData(EvidencePackKind.EuAiActAnnexIV)]
    [InlineData(EvidencePackKind.Sr117ValidationAndApproval)]
    public void The_cover_subtitle_is_printed_whole(EvidencePackKind kind)
    {
        var input = GoldenPackTests.DemoCreditModel();
        var (pdf, _) = EvidencePack.Render(kind, input);
        using var document = PdfDocument.Open(pdf);
        Assert.Contains(Squeezed(EvidencePack.Define(kind, input).Subtitle), Squeezed(document.GetPage(1).Text));
    }

    [Fact]
    public void Table_cells_break_between_words_never_inside_a_word_that_fits_its_column()
    {
        var input = GoldenPackTests.DemoCreditModel();
        var spec = EvidencePack.Define(EvidencePackKind.Sr117ValidationAndApproval, input);
        var words = Pdftotext(EvidencePack.Render(EvidencePackKind.Sr117ValidationAndApproval, input).Pdf)
            .Split((char[])[' ', '\n', '\f'], StringSplitOptions.RemoveEmptyEntries)
            .ToHashSet();
        var cellWords = spec
            .Blocks.OfType<Table>()
            .SelectMany(t => t.Rows.SelectMany(r => r).Concat(t.Header))
            .SelectMany(cell => cell.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(w => w.Length <= 16)
            .Distinct()
            .ToArray();
        Assert.Contains("owner)", cellWords);
        Assert.All(cellWords, w => Assert.True(words.Contains(w), $"'{w}' is broken across lines"));
    }

    [Fact]
    public void Lower_is_better_metrics_are_not_drawn_as_bars_beside_higher_is_better_ones()
    {
        var spec = EvidencePack.Define(EvidencePackKind.ModelCard, GoldenPackTests.DemoCreditModel());
        var charts = spec.Blocks.OfType<BarChart>().Where(c => c.Bars.Any(b => b.Key == "auc")).ToArray();
        Assert.NotEmpty(charts);
        Assert.All(charts, c => Assert.DoesNotContain(c.Bars, b => b.Key is "brier" or "logLoss" or "log_loss"));
        var lower = spec.Blocks.OfType<BarChart>().Single(c => c.Bars.Any(b => b.Key == "brier"));
        Assert.Contains("lower is better", lower.Title);
    }

    [Theory]
    [InlineData(EvidencePackKind.ModelCard)]
    [InlineData(EvidencePackKind.EuAiActAnnexIV)]
    [InlineData(EvidencePackKind.Sr117ValidationAndApproval)]
    public void Every_digest_is_printed_on_one_line_so_that_copying_it_keeps_it_whole(EvidencePackKind kind)
    {
        var input = GoldenPackTests.DemoCreditModel();
        var spec = EvidencePack.Define(kind, input);
        var printed = string.Join(
            "\n",
            spec.Blocks.SelectMany(b =>
                b switch
                {
                    Table t => t.Rows.SelectMany(r => r),
                    Monospace m => [m.Text],
                    Paragraph p => [p.Text],
                    KeyValues kv => kv.Rows.Select(r => r.Value),
                    _ => [],
                }
            )
        );
        var digests = Sha256().Matches(printed).Select(m => m.Value).Distinct().ToArray();
        Assert.True(digests.Length >= 10, $"only {digests.Length} digests");
        var lines = Pdftotext(EvidencePack.Render(kind, input).Pdf).Split('\n');
        var split = digests.Where(d => !lines.Any(l => l.Contains(d, StringComparison.Ordinal))).ToArray();
        Assert.True(split.Length == 0, $"split across lines: {string.Join(", ", split)}");
    }

    [Fact]
    public void A_table_header_is_never_left_alone_at_the_bottom_of_a_page()
    {
        // Filler lines leave room at the bottom of page 3 for the header and a one-line row, but not for a three-line first row.
        var filler = Enumerable.Range(0, 100).Select(i => (Block)new Paragraph($"Filler line {i}")).ToArray();
        var tall = string.Join(" ", Enumerable.Repeat("wrapped", 60));
        for (var fill = 20; fill < 40; fill++)
        {
            var spec = new DocumentSpec(
                "Header test",
                "Subtitle",
                [],
                "Header",
                "Footer",
                [
                    .. filler.Take(fill),
                    new Table(
                        ["Orphan header", "Value"],
                        [1, 3],
                        [
                            ["first row", tall],
                            ["second row", "x"],
                        ]
                    ),
                ],
                "a",
                "s",
                "k",
                new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero)
            );
            var pdf = Composer.Render(spec).Pdf;
            if (Environment.GetEnvironmentVariable("PACK_PDF_DIR") is { Length: > 0 } folder)
                File.WriteAllBytes(Path.Combine(folder, $"header-{fill}.pdf"), pdf);
            var pages = Pdftotext(pdf).Split('\f');
            var headerPage = pages.First(p => p.Contains("Orphan header", StringComparison.Ordinal));
            Assert.True(headerPage.Contains("first row", StringComparison.Ordinal), $"{fill} filler lines: header alone on its page");
        }
    }

    [GeneratedRegex(@"[\s\u202A-\u202E]+")]
    private static partial Regex Whitespace();

    [GeneratedRegex("sha256:[0-9a-f]{64}")]
    private static partial Regex Sha256();
}
