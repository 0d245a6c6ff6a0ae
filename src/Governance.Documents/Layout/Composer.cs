using System.Globalization;
using SkiaSharp;

namespace Governance.Documents.Layout;

/// <summary>
/// Lays out a <see cref="DocumentSpec"/> on A4 pages and draws it as a PDF with SkiaSharp: title page, table of contents
/// with links, running header, "page X of Y" footer, headings as named destinations and PDF bookmarks, wrapped text,
/// key-value blocks, tables that break and repeat their header, vector charts, monospace digests. DejaVu fonts are
/// embedded; metadata dates come from the spec, so the same spec always gives the same bytes.
/// </summary>
public static class Composer
{
    private const float PageWidth = 595.28f,
        PageHeight = 841.89f,
        Left = 56,
        Right = 56,
        Top = 80,
        Bottom = 72;
    private const float ContentWidth = PageWidth - Left - Right;
    private const string FontFolder = "/usr/share/fonts/truetype/dejavu";

    private static readonly Lazy<(SKTypeface Regular, SKTypeface Bold, SKTypeface Italic, SKTypeface Mono)> Faces = new(() =>
    {
        SKTypeface Load(string file) =>
            SKTypeface.FromFile(Path.Combine(FontFolder, file))
            ?? throw new FileNotFoundException(
                $"The DejaVu fonts are needed to draw evidence packs (Debian package fonts-dejavu-core): {file} is missing."
            );
        return (Load("DejaVuSans.ttf"), Load("DejaVuSans-Bold.ttf"), Load("DejaVuSans-Oblique.ttf"), Load("DejaVuSansMono.ttf"));
    });

    private static readonly SKColor Ink = SKColor.Parse("#1b1f24"),
        Muted = SKColor.Parse("#5a6570"),
        Accent = SKColor.Parse("#0b4f8a"),
        HeaderFill = SKColor.Parse("#e3ebf4"),
        Zebra = SKColor.Parse("#f6f8fa"),
        Rule = SKColor.Parse("#c3ceda"),
        NoticeFill = SKColor.Parse("#fff4e0"),
        NoticeEdge = SKColor.Parse("#d08a1c"),
        Bar = SKColor.Parse("#2f6fa8");

    /// <summary>Fonts and paints for one render: created once per face, size and colour instead of per call (native objects).</summary>
    private sealed class Tools(MeasureCount count, CancellationToken ct) : IDisposable
    {
        private readonly Dictionary<(SKTypeface, float), SKFont> _fonts = new();
        private readonly Dictionary<SKColor, SKPaint> _paints = new();

        public MeasureCount Count => count;

        /// <summary>Stops the render between texts, lines, table rows and pages once the caller gives up (or its budget is
        /// spent), so an abandoned render stops using the CPU.</summary>
        public void Checkpoint() => ct.ThrowIfCancellationRequested();

        public SKFont Font(SKTypeface face, float size) =>
            _fonts.TryGetValue((face, size), out var font)
                ? font
                : _fonts[(face, size)] = new SKFont(face, size) { Subpixel = true, Edging = SKFontEdging.SubpixelAntialias };

        public SKPaint Paint(SKColor color) =>
            _paints.TryGetValue(color, out var paint) ? paint : _paints[color] = new SKPaint { Color = color, IsAntialias = true };

        public void Dispose()
        {
            foreach (var f in _fonts.Values)
                f.Dispose();
            foreach (var p in _paints.Values)
                p.Dispose();
        }
    }

    [ThreadStatic]
    private static Tools? _tools;
    private static Tools T => _tools ?? throw new InvalidOperationException("Drawing tools are only available while rendering.");

    private sealed class Layout(DocumentSpec spec)
    {
        public readonly List<List<Action<SKCanvas, int>>> Pages = [];
        public readonly Dictionary<string, int> HeadingPages = new();
        public readonly List<(int Level, string Title, string Destination)> Outline = [];
        public float Y;

        public List<Action<SKCanvas, int>> Page => Pages[^1];

        public void NewPage()
        {
            Pages.Add([]);
            Y = Top;
        }

        public void Ensure(float height)
        {
            if (Y + height > PageHeight - Bottom)
                NewPage();
        }

        public DocumentSpec Spec => spec;
    }

    /// <summary>Lays out and draws <paramref name="spec"/>: the PDF's bytes and its number of pages. Time is linear in the
    /// length of the spec's text.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled; checked between texts, lines, table
    /// rows and pages.</exception>
    /// <exception cref="FileNotFoundException">The DejaVu fonts are not installed.</exception>
    public static (byte[] Pdf, int Pages) Render(DocumentSpec spec, CancellationToken ct = default) => Render(spec, new MeasureCount(), ct);

    /// <summary>As <see cref="Render(DocumentSpec, CancellationToken)"/>, adding to <paramref name="count"/> every character
    /// handed to the font for measuring: the cost of wrapping, which tests compare across input sizes without timing anything.</summary>
    internal static (byte[] Pdf, int Pages) Render(DocumentSpec spec, MeasureCount count, CancellationToken ct = default)
    {
        using var tools = _tools = new Tools(count, ct);
        try
        {
            return RenderWith(spec);
        }
        finally
        {
            _tools = null;
        }
    }

    private static (byte[] Pdf, int Pages) RenderWith(DocumentSpec spec)
    {
        var layout = new Layout(spec);
        TitlePage(layout);
        Contents(layout);
        layout.NewPage();
        for (var i = 0; i < spec.Blocks.Count; i++)
            Place(layout, spec.Blocks[i], i);

        using var stream = new MemoryStream();
        var metadata = SKDocumentPdfMetadata.Default;
        metadata.Title = spec.Title;
        metadata.Author = spec.Author;
        metadata.Subject = spec.Subject;
        metadata.Keywords = spec.Keywords;
        metadata.Creator = "Governance evidence packs";
        metadata.Producer = "Governance (SkiaSharp)";
        metadata.Creation = spec.Date.UtcDateTime;
        metadata.Modified = spec.Date.UtcDateTime;
        metadata.PdfA = false;
        using (var document = SKDocument.CreatePdf(stream, metadata))
        {
            for (var p = 0; p < layout.Pages.Count; p++)
            {
                T.Checkpoint();
                var canvas = document.BeginPage(PageWidth, PageHeight);
                if (p > 0)
                    Furniture(canvas, spec, p + 1, layout.Pages.Count);
                foreach (var draw in layout.Pages[p])
                    draw(canvas, layout.Pages.Count);
                document.EndPage();
            }
            document.Close();
        }
        return (PdfOutline.Add(stream.ToArray(), layout.Outline), layout.Pages.Count);
    }

    private static void Furniture(SKCanvas canvas, DocumentSpec spec, int page, int pages)
    {
        var small = Font(Faces.Value.Regular, 7.5f);
        Text(canvas, spec.RunningHeader, Left, 44, small, Muted);
        Line(canvas, Left, 52, PageWidth - Right, 52, Rule, 0.6f);
        Line(canvas, Left, PageHeight - 50, PageWidth - Right, PageHeight - 50, Rule, 0.6f);
        Text(canvas, spec.FooterNote, Left, PageHeight - 38, small, Muted);
        Text(canvas, $"Page {page} of {pages}", PageWidth - Right, PageHeight - 38, small, Muted, SKTextAlign.Right);
    }

    private static void TitlePage(Layout layout)
    {
        var spec = layout.Spec;
        layout.NewPage();
        layout.Page.Add(
            (c, _) =>
            {
                using var paint = new SKPaint { Color = Accent };
                c.DrawRect(0, 0, PageWidth, 10, paint);
            }
        );
        layout.Y = 190;
        foreach (var line in Wrap(spec.Title, Faces.Value.Bold, 24, ContentWidth))
        {
            var y = layout.Y;
            layout.Page.Add(
                (c, _) =>
                {
                    var f = Font(Faces.Value.Bold, 24);
                    Text(c, line, Left, y, f, Ink);
                }
            );
            layout.Y += 31;
        }
        var subtitleY = layout.Y + 6;
        layout.Page.Add(
            (c, _) =>
            {
                var f = Font(Faces.Value.Regular, 13);
                Text(c, spec.Subtitle, Left, subtitleY, f, Accent);
            }
        );
        layout.Y += 40;
        layout.Page.Add((c, _) => Line(c, Left, subtitleY + 18, PageWidth - Right, subtitleY + 18, Rule, 0.8f));
        layout.Y += 6;
        Place(layout, new KeyValues(spec.TitleFacts), -1);
    }

    private static void Contents(Layout layout)
    {
        var headings = layout.Spec.Blocks.Select((b, i) => (Block: b as Heading, Index: i)).Where(h => h.Block is not null).ToArray();
        layout.NewPage();
        Place(layout, new Heading(1, "Contents"), -1);
        foreach (var (heading, index) in headings)
        {
            layout.Ensure(16);
            var (y, indent, name) = (layout.Y + 10, heading!.Level == 1 ? 0f : 16f, Destination(index));
            layout.Page.Add(
                (c, _) =>
                {
                    var f = Font(heading.Level == 1 ? Faces.Value.Bold : Faces.Value.Regular, 9.5f);
                    var title = Fit(heading.Text, f, ContentWidth - indent - 40);
                    Text(c, title, Left + indent, y, f, Ink);
                    Text(
                        c,
                        layout.HeadingPages[name].ToString(CultureInfo.InvariantCulture),
                        PageWidth - Right,
                        y,
                        f,
                        Ink,
                        SKTextAlign.Right
                    );
                    c.DrawLinkDestinationAnnotation(new SKRect(Left, y - 10, PageWidth - Right, y + 4), name);
                }
            );
            layout.Y += heading.Level == 1 ? 17 : 15;
        }
    }

    private static string Destination(int blockIndex) => $"section-{blockIndex}";

    private static void Place(Layout layout, Block block, int index)
    {
        switch (block)
        {
            case Heading h:
                var size = h.Level == 1 ? 15f : 11.5f;
                layout.Ensure(h.Level == 1 ? 60 : 40); // keep a heading with what follows
                layout.Y += h.Level == 1 ? 10 : 6;
                foreach (var line in Wrap(h.Text, Faces.Value.Bold, size, ContentWidth))
                {
                    var y = layout.Y + size;
                    layout.Page.Add(
                        (c, _) =>
                        {
                            var f = Font(Faces.Value.Bold, size);
                            Text(c, line, Left, y, f, h.Level == 1 ? Accent : Ink);
                        }
                    );
                    layout.Y += size * 1.35f;
                }
                if (index >= 0)
                {
                    var (name, top) = (Destination(index), layout.Y - size * 1.35f);
                    layout.HeadingPages[name] = layout.Pages.Count;
                    layout.Outline.Add((h.Level, h.Text, name));
                    layout.Page.Add((c, _) => c.DrawNamedDestinationAnnotation(new SKPoint(Left, top), name));
                }
                if (h.Level == 1)
                {
                    var y = layout.Y + 1;
                    layout.Page.Add((c, _) => Line(c, Left, y, PageWidth - Right, y, Rule, 0.6f));
                }
                layout.Y += 8;
                break;

            case Paragraph p:
                Lines(
                    layout,
                    Wrap(p.Text, p.Emphasis ? Faces.Value.Italic : Faces.Value.Regular, 9.5f, ContentWidth),
                    p.Emphasis ? Faces.Value.Italic : Faces.Value.Regular,
                    9.5f,
                    13.5f,
                    p.Emphasis ? Muted : Ink
                );
                layout.Y += 6;
                break;

            case Monospace m:
                Lines(
                    layout,
                    m.Text.Split('\n').SelectMany(l => WrapChars(l, Faces.Value.Mono, 7.8f, ContentWidth - 12)).ToArray(),
                    Faces.Value.Mono,
                    7.8f,
                    11f,
                    Ink,
                    indent: 6
                );
                layout.Y += 6;
                break;

            case Notice n:
                var noticeLines = Wrap(n.Text, Faces.Value.Bold, 9, ContentWidth - 24);
                var height = noticeLines.Count * 13 + 12;
                layout.Ensure(height);
                var top0 = layout.Y;
                layout.Page.Add(
                    (c, _) =>
                    {
                        using var fill = new SKPaint { Color = NoticeFill };
                        using var edge = new SKPaint { Color = NoticeEdge };
                        c.DrawRect(Left, top0, ContentWidth, height, fill);
                        c.DrawRect(Left, top0, 3, height, edge);
                    }
                );
                layout.Y += 6;
                Lines(layout, noticeLines, Faces.Value.Bold, 9, 13, SKColor.Parse("#6b4a10"), indent: 12);
                layout.Y += 12;
                break;

            case KeyValues kv:
                foreach (var (key, value) in kv.Rows)
                {
                    var values = Wrap(value, Faces.Value.Regular, 9, ContentWidth * 0.68f);
                    layout.Ensure(values.Count * 12.5f + 4);
                    var y = layout.Y + 9;
                    layout.Page.Add(
                        (c, _) =>
                        {
                            var f = Font(Faces.Value.Bold, 8.5f);
                            Text(c, Fit(key, f, ContentWidth * 0.3f), Left, y, f, Muted);
                        }
                    );
                    foreach (var line in values)
                    {
                        var ly = layout.Y + 9;
                        layout.Page.Add(
                            (c, _) =>
                            {
                                var f = Font(Faces.Value.Regular, 9);
                                Text(c, line, Left + ContentWidth * 0.32f, ly, f, Ink);
                            }
                        );
                        layout.Y += 12.5f;
                    }
                    layout.Y += 3;
                }
                layout.Y += 8;
                break;

            case Table t:
                PlaceTable(layout, t);
                break;

            case BarChart b:
                PlaceBarChart(layout, b);
                break;

            case LineChart l:
                PlaceLineChart(layout, l);
                break;

            case PageBreak:
                layout.NewPage();
                break;
        }
    }

    private static void Lines(
        Layout layout,
        IReadOnlyList<string> lines,
        SKTypeface face,
        float size,
        float leading,
        SKColor color,
        float indent = 0
    )
    {
        foreach (var line in lines)
        {
            T.Checkpoint();
            layout.Ensure(leading);
            var y = layout.Y + size;
            layout.Page.Add(
                (c, _) =>
                {
                    var f = Font(face, size);
                    Text(c, line, Left + indent, y, f, color);
                }
            );
            layout.Y += leading;
        }
    }

    private static void PlaceTable(Layout layout, Table table)
    {
        var total = table.Widths.Sum();
        var widths = table.Widths.Select(w => w / total * ContentWidth).ToArray();
        var face = table.Monospace ? Faces.Value.Mono : Faces.Value.Regular;
        var size = table.Monospace ? 7.2f : 8.3f;
        const float pad = 4,
            leading = 10.5f;

        float Header()
        {
            var cells = table.Header.Select((h, i) => Wrap(h, Faces.Value.Bold, 8, widths[i] - 2 * pad)).ToArray();
            var height = cells.Max(c => c.Count) * leading + 2 * pad;
            var top = layout.Y;
            layout.Page.Add(
                (c, _) =>
                {
                    c.DrawRect(Left, top, ContentWidth, height, T.Paint(HeaderFill));
                    var f = Font(Faces.Value.Bold, 8);
                    var x = Left;
                    for (var i = 0; i < cells.Length; i++)
                    {
                        for (var l = 0; l < cells[i].Count; l++)
                            Text(c, cells[i][l], x + pad, top + pad + 8 + l * leading, f, Ink);
                        x += widths[i];
                    }
                }
            );
            layout.Y += height;
            return height;
        }

        var headerHeight = table.Header.Select((h, i) => Wrap(h, Faces.Value.Bold, 8, widths[i] - 2 * pad).Count).Max() * leading + 2 * pad;
        layout.Ensure(headerHeight + leading + 2 * pad);
        Header();
        for (var r = 0; r < table.Rows.Count; r++)
        {
            T.Checkpoint();
            var cells = table
                .Rows[r]
                .Select(
                    (v, i) => table.Monospace ? WrapChars(v, face, size, widths[i] - 2 * pad) : Wrap(v, face, size, widths[i] - 2 * pad)
                )
                .ToArray();
            var height = cells.Max(c => c.Count) * leading + 2 * pad;
            if (layout.Y + height > PageHeight - Bottom)
            {
                layout.NewPage();
                Header(); // the header row repeats on every page the table spans
            }
            var (top, zebra) = (layout.Y, r % 2 == 1);
            layout.Page.Add(
                (c, _) =>
                {
                    if (zebra)
                        c.DrawRect(Left, top, ContentWidth, height, T.Paint(Zebra));
                    Line(c, Left, top + height, PageWidth - Right, top + height, Rule, 0.4f);
                    var f = Font(face, size);
                    var x = Left;
                    for (var i = 0; i < cells.Length; i++)
                    {
                        for (var l = 0; l < cells[i].Count; l++)
                            Text(c, cells[i][l], x + pad, top + pad + size + l * leading, f, Ink);
                        x += widths[i];
                    }
                }
            );
            layout.Y += height;
        }
        layout.Y += 12;
    }

    private static void PlaceBarChart(Layout layout, BarChart chart)
    {
        const float barHeight = 13,
            gap = 6,
            labelWidth = 130;
        var height = 22 + chart.Bars.Count * (barHeight + gap) + 16;
        layout.Ensure(height);
        var top = layout.Y;
        layout.Page.Add(
            (c, _) =>
            {
                var title = Font(Faces.Value.Bold, 9);
                var label = Font(Faces.Value.Regular, 8);
                Text(c, chart.Title, Left, top + 10, title, Ink);
                var x0 = Left + labelWidth;
                var width = ContentWidth - labelWidth - 50;
                var y = top + 22;
                using var bar = new SKPaint { Color = Bar, IsAntialias = true };
                foreach (var (name, value) in chart.Bars)
                {
                    Text(c, Fit(name, label, labelWidth - 8), x0 - 6, y + 10, label, Ink, SKTextAlign.Right);
                    var w = (float)(Math.Clamp(value / chart.Max, 0, 1) * width);
                    c.DrawRect(x0, y, w, barHeight, bar);
                    Text(c, value.ToString(chart.Format, CultureInfo.InvariantCulture), x0 + w + 4, y + 10, label, Ink);
                    y += barHeight + gap;
                }
                Line(c, x0, top + 18, x0, y, Muted, 0.6f);
                Text(c, "0", x0, y + 10, label, Muted, SKTextAlign.Center);
                Text(
                    c,
                    chart.Max.ToString(chart.Format, CultureInfo.InvariantCulture),
                    x0 + width,
                    y + 10,
                    label,
                    Muted,
                    SKTextAlign.Center
                );
            }
        );
        layout.Y += height + 8;
    }

    private static void PlaceLineChart(Layout layout, LineChart chart)
    {
        const float height = 170;
        layout.Ensure(height + 20);
        var top = layout.Y;
        layout.Page.Add(
            (c, _) =>
            {
                var title = Font(Faces.Value.Bold, 9);
                var label = Font(Faces.Value.Regular, 7.5f);
                Text(c, chart.Title, Left, top + 10, title, Ink);
                var (x0, y0, w, h) = (Left + 40, top + height - 25, ContentWidth - 60, height - 50);
                Line(c, x0, y0, x0 + w, y0, Muted, 0.6f);
                Line(c, x0, y0, x0, y0 - h, Muted, 0.6f);
                if (chart.Points.Count == 0)
                    return;
                var (minX, maxX) = (chart.Points.Min(p => p.Key), chart.Points.Max(p => p.Key));
                var (minY, maxY) = (Math.Min(0, chart.Points.Min(p => p.Value)), chart.Points.Max(p => p.Value));
                if (maxX == minX)
                    maxX = minX + 1;
                if (maxY == minY)
                    maxY = minY + 1;
                SKPoint At(KeyValuePair<double, double> p) =>
                    new(x0 + (float)((p.Key - minX) / (maxX - minX)) * w, y0 - (float)((p.Value - minY) / (maxY - minY)) * h);
                using var path = new SKPath();
                path.MoveTo(At(chart.Points[0]));
                foreach (var p in chart.Points.Skip(1))
                    path.LineTo(At(p));
                using var stroke = new SKPaint
                {
                    Color = Bar,
                    IsAntialias = true,
                    Style = SKPaintStyle.Stroke,
                    StrokeWidth = 1.4f,
                };
                c.DrawPath(path, stroke);
                Text(c, minX.ToString("0.##", CultureInfo.InvariantCulture), x0, y0 + 11, label, Muted, SKTextAlign.Center);
                Text(c, maxX.ToString("0.##", CultureInfo.InvariantCulture), x0 + w, y0 + 11, label, Muted, SKTextAlign.Center);
                Text(c, maxY.ToString("0.##", CultureInfo.InvariantCulture), x0 - 4, y0 - h + 3, label, Muted, SKTextAlign.Right);
                Text(c, minY.ToString("0.##", CultureInfo.InvariantCulture), x0 - 4, y0 + 3, label, Muted, SKTextAlign.Right);
                Text(c, chart.XLabel, x0 + w / 2, y0 + 21, label, Muted, SKTextAlign.Center);
                c.Save();
                c.RotateDegrees(-90, Left + 8, y0 - h / 2);
                Text(c, chart.YLabel, Left + 8, y0 - h / 2, label, Muted, SKTextAlign.Center);
                c.Restore();
            }
        );
        layout.Y += height + 12;
    }

    private static SKFont Font(SKTypeface face, float size) => T.Font(face, size);

    private static void Text(
        SKCanvas canvas,
        string text,
        float x,
        float y,
        SKFont font,
        SKColor color,
        SKTextAlign align = SKTextAlign.Left
    )
    {
        canvas.DrawText(text, x, y, align, font, T.Paint(color));
    }

    private static void Line(SKCanvas canvas, float x0, float y0, float x1, float y1, SKColor color, float width)
    {
        var paint = T.Paint(color);
        paint.StrokeWidth = width;
        canvas.DrawLine(x0, y0, x1, y1, paint);
    }

    /// <summary>
    /// Greedy word wrap of <paramref name="text"/> (newlines start new lines) at <paramref name="width"/> points with the face at
    /// <paramref name="size"/> points; a word longer than the line (a digest) is broken by characters. Each paragraph is measured
    /// once, so the cost is linear in the text's length.
    /// </summary>
    internal static IReadOnlyList<string> Wrap(string text, SKTypeface face, float size, float width)
    {
        var font = Font(face, size);
        var lines = new List<string>();
        foreach (var paragraph in (text ?? "").Replace("\r", "").Split('\n'))
        {
            var measured = Measure(font, paragraph);
            var (start, end) = (0, 0); // the line being filled, paragraph[start..end]; words are separated by one space
            for (var wordStart = 0; wordStart <= paragraph.Length; wordStart++)
            {
                var wordEnd = paragraph.IndexOf(' ', wordStart) is var space and >= 0 ? space : paragraph.Length;
                var lineStart = end > start ? start : wordStart;
                if (measured.Width(lineStart, wordEnd) <= width)
                    (start, end) = (lineStart, wordEnd);
                else
                {
                    if (end > start)
                        lines.Add(paragraph[start..end]);
                    start =
                        measured.Width(wordStart, wordEnd) <= width ? wordStart : BreakChars(measured, wordStart, wordEnd, width, lines);
                    end = wordEnd;
                }
                wordStart = wordEnd;
            }
            lines.Add(paragraph[start..end]);
        }
        return lines;
    }

    /// <summary>
    /// Breaks <paramref name="text"/> anywhere (between code points) into lines of at most <paramref name="width"/> points with
    /// the face at <paramref name="size"/> points; one empty line for empty text. Linear in the text's length.
    /// </summary>
    internal static IReadOnlyList<string> WrapChars(string text, SKTypeface face, float size, float width)
    {
        var lines = new List<string>();
        if (text.Length > 0)
            lines.Add(text[BreakChars(Measure(Font(face, size), text), 0, text.Length, width, lines)..]);
        else
            lines.Add("");
        return lines;
    }

    /// <summary>
    /// Breaks <c>measured.Text[start..end]</c> into slices of at most <paramref name="width"/> points (one code point at least):
    /// adds every slice but the last to <paramref name="lines"/> and returns where the last one starts.
    /// </summary>
    private static int BreakChars(MeasuredText measured, int start, int end, float width, List<string> lines)
    {
        for (var next = measured.FitEnd(start, end, width); next < end; next = measured.FitEnd(start, end, width))
        {
            T.Checkpoint();
            lines.Add(measured.Text[start..next]);
            start = next;
        }
        return start;
    }

    /// <summary>The text, or its longest prefix (one code point at least) followed by "…" that fits <paramref name="width"/>
    /// points.</summary>
    private static string Fit(string text, SKFont font, float width)
    {
        var measured = Measure(font, text);
        if (measured.Width(0, text.Length) <= width)
            return text;
        var ellipsis = Measure(font, "…");
        return text[..measured.FitEnd(0, text.Length, width - ellipsis.Width(0, 1))] + "…";
    }

    /// <summary>Measures <paramref name="text"/> once for wrapping or fitting; the only place the layout asks the font for
    /// widths, and what <see cref="MeasureCount"/> counts.</summary>
    private static MeasuredText Measure(SKFont font, string text)
    {
        T.Checkpoint();
        T.Count.Characters += text.Length;
        return new MeasuredText(text, font);
    }
}

/// <summary>Characters handed to the font for measuring during a render (see <see cref="Composer"/>).</summary>
internal sealed class MeasureCount
{
    public long Characters;
}
