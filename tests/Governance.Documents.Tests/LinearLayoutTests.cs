using Governance.Documents.Benchmarks;
using Governance.Documents.EvidencePacks;
using Governance.Documents.Layout;

namespace Governance.Documents.Tests;

/// <summary>
/// Wrapping and fitting cost grows linearly with the text's length (issue 10, item 8: a 20,000-character unbroken metric
/// name took 11.6 s to render). Proven by counting the characters handed to the font, never by timing.
/// </summary>
public sealed class LinearLayoutTests
{
    private static long MeasuredCharacters(string unit, int length)
    {
        var count = new MeasureCount();
        Composer.Render(PackInputs.EveryBlock(string.Concat(Enumerable.Repeat(unit, length / unit.Length))), count);
        return count.Characters;
    }

    [Theory]
    [InlineData("x")]
    [InlineData("信用评分تقييم")] // Chinese and Arabic in turn: font fallback, bidi runs and shaping on every line
    public void Ten_times_the_unbroken_text_costs_about_ten_times_the_measuring(string unit)
    {
        var (small, large) = (MeasuredCharacters(unit, 1_800), MeasuredCharacters(unit, 18_000));
        var ratio = (double)large / small;
        // Linear: about 10; the quadratic wrapping and fitting this replaces gave about 100.
        Assert.InRange(ratio, 8, 12);
    }

    [Fact]
    public void Breaking_by_characters_never_splits_a_surrogate_pair_and_loses_nothing()
    {
        var text = string.Concat(Enumerable.Repeat("a😀", 400));
        var (pdf, _) = Composer.Render(PackInputs.EveryBlock(text));
        using var document = UglyToad.PdfPig.PdfDocument.Open(pdf);
        var all = string.Concat(document.GetPages().Select(p => p.Text));
        Assert.DoesNotContain('\uFFFD', all);
        Assert.Contains(text[..40], all);
    }

    [Fact]
    public void A_cancelled_render_stops_with_operation_cancelled()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => Composer.Render(PackInputs.EveryBlock(new string('x', 2_000)), cancelled.Token));
    }

    [Fact]
    public void The_worst_legal_versions_sr_pack_renders_every_section_and_its_whole_trail()
    {
        var input = PackInputs.Build(events: 1_000, worstLegal: true);
        var (pdf, pages) = EvidencePack.Render(EvidencePackKind.Sr117ValidationAndApproval, input);
        using var document = UglyToad.PdfPig.PdfDocument.Open(pdf);
        Assert.Equal(pages, document.NumberOfPages);
        Assert.True(document.TryGetBookmarks(out var bookmarks));
        var sections = bookmarks.GetNodes().Select(n => n.Title).ToArray();
        Assert.Contains("6. Deployment history, refusals and revocations", sections);
        Assert.Contains("Appendix B: attestation digests", sections);
        // The trail's last event ends Appendix A, on the last pages (extracting all of them would make this test slow).
        var end = string.Concat(Enumerable.Range(pages - 2, 3).Select(p => document.GetPage(p).Text));
        Assert.Contains($"Page {pages} of {pages}", end);
        Assert.Contains(input.Trail[^1].PayloadDigest[..40], end);
    }
}
