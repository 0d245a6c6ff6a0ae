using Governance.Documents.Layout;

namespace Governance.Documents.Tests;

/// <summary>
/// Wrapping and fitting cost grows linearly with the text's length (issue 10, item 8: a 20,000-character unbroken metric
/// name took 11.6 s to render). Proven by counting the characters handed to the font, never by timing.
/// </summary>
public sealed class LinearLayoutTests
{
    private static DocumentSpec Spec(string text) =>
        new(
            "Linear layout",
            "Unbroken text in every block that wraps or fits it",
            [new("Model", text)],
            "Running header",
            "Footer note",
            [
                new Heading(1, text),
                new Paragraph(text),
                new Monospace(text),
                new KeyValues([new(text, text)]),
                new Table(
                    ["Metric", "Value"],
                    [1, 1],
                    [
                        [text, "0.5"],
                    ]
                ),
                new Table(
                    ["Digest"],
                    [1],
                    [
                        [text],
                    ],
                    Monospace: true
                ),
                new BarChart("Metrics", [new(text, 0.5)], 1),
                new Notice(text),
            ],
            "Author",
            "Subject",
            "kw",
            new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero)
        );

    private static long MeasuredCharacters(int length)
    {
        var count = new MeasureCount();
        Composer.Render(Spec(new string('x', length)), count);
        return count.Characters;
    }

    [Fact]
    public void Ten_times_the_unbroken_text_costs_about_ten_times_the_measuring()
    {
        var (small, large) = (MeasuredCharacters(2_000), MeasuredCharacters(20_000));
        var ratio = (double)large / small;
        // Linear: about 10; the quadratic wrapping and fitting this replaces gave about 100.
        Assert.InRange(ratio, 8, 12);
    }

    [Fact]
    public void Breaking_by_characters_never_splits_a_surrogate_pair_and_loses_nothing()
    {
        var text = string.Concat(Enumerable.Repeat("a😀", 400));
        var (pdf, _) = Composer.Render(Spec(text));
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
        Assert.ThrowsAny<OperationCanceledException>(() => Composer.Render(Spec(new string('x', 2_000)), cancelled.Token));
    }
}
