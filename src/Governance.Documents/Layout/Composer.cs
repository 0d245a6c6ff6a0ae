using System.Globalization;
using SkiaSharp;

namespace Governance.Documents.Layout;

/// <summary>
/// Lays out a <see cref="DocumentSpec"/> on A4 pages and draws it as a PDF with SkiaSharp: title page, table of contents
/// with links, running header, "page X of Y" footer, headings as named destinations and PDF bookmarks, wrapped text,
/// key-value blocks, tables that break and repeat their header, vector charts, monospace digests. Text in any script is
/// shaped and drawn by <see cref="ShapedText"/> with the faces of <see cref="Fonts"/> (embedded as subsets); every text is
/// drawn inside the box the layout gave it. Metadata dates come from the spec, so the same spec always gives the same bytes.
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

    private static readonly SKColor Ink = SKColor.Parse("#1b1f24"),
        Muted = SKColor.Parse("#5a6570"),
        Accent = SKColor.Parse("#0b4f8a"),
        HeaderFill = SKColor.Parse("#e3ebf4"),
        Zebra = SKColor.Parse("#f6f8fa"),
        Rule = SKColor.Parse("#c3ceda"),
        NoticeFill = SKColor.Parse("#fff4e0"),
        NoticeEdge = SKColor.Parse("#d08a1c"),
        Bar = SKColor.Parse("#2f6fa8");

    /// <summary>Fonts, paints and shaped texts for one render: created once per face, size, colour or text instead of per call
    /// (native objects, and shaping). The typefaces are the font files cut down to the glyphs this render draws (see
    /// <see cref="GlyphUsage"/>), collected by a first pass over the pages before the PDF is written.</summary>
    private sealed class Tools(MeasureCount count, CancellationToken ct) : IDisposable
    {
        private readonly Dictionary<(FontFace, float), SKFont> _fonts = new();
        private readonly Dictionary<SKColor, SKPaint> _paints = new();
        private readonly Dictionary<(string, FontStyle, float), ShapedText> _shaped = new();
        private Dictionary<FontFile, SKTypeface> _typefaces = new();

        public MeasureCount Count => count;

        /// <summary>Builds every text blob of the render (Skia empties it with each blob built).</summary>
        public SKTextBlobBuilder Blobs { get; } = new();

        /// <summary>The page being drawn (1-based), for the layout record.</summary>
        public int Page;

        /// <summary>Set during the first pass over the pages: texts are recorded here instead of being drawn.</summary>
        public GlyphUsage? Collecting;

        /// <summary>Stops the render between texts, lines, table rows and pages once the caller gives up (or its budget is
        /// spent), so an abandoned render stops using the CPU.</summary>
        public void Checkpoint() => ct.ThrowIfCancellationRequested();

        /// <summary>Ends the first pass: from now on texts are drawn with the subsets of what it recorded.</summary>
        public void UseSubsets(GlyphUsage usage)
        {
            _typefaces = usage.Typefaces();
            Collecting = null;
        }

        public SKFont Font(FontFace face, float size) =>
            _fonts.TryGetValue((face, size), out var font)
                ? font
                : _fonts[(face, size)] = new SKFont(
                    _typefaces.TryGetValue(face.File, out var typeface)
                        ? typeface
                        : throw new InvalidOperationException($"The font {face.File.Path} was not recorded by the first pass."),
                    size
                )
                {
                    Subpixel = true,
                    Edging = SKFontEdging.SubpixelAntialias,
                };

        /// <summary>The text shaped once per render: labels drawn on every page (running header, footer) and texts shaped by
        /// both passes are not shaped again.</summary>
        public ShapedText Shaped(string text, FontStyle style, float size)
        {
            if (_shaped.TryGetValue((text, style, size), out var shaped))
                return shaped;
            Count.Characters += text.Length;
            return _shaped[(text, style, size)] = new ShapedText(text, style, size);
        }

        public SKPaint Paint(SKColor color) =>
            _paints.TryGetValue(color, out var paint) ? paint : _paints[color] = new SKPaint { Color = color, IsAntialias = true };

        public void Dispose()
        {
            foreach (var f in _fonts.Values)
                f.Dispose();
            foreach (var p in _paints.Values)
                p.Dispose();
            foreach (var t in _typefaces.Values)
                t.Dispose();
            Blobs.Dispose();
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

        // First pass: every page's texts recorded (and shaped, for labels shaped while drawing), nothing drawn, so that each font
        // is embedded as a subset of the glyphs the pages use.
        T.Collecting = new GlyphUsage();
        using (var nothing = new SKNoDrawCanvas((int)PageWidth, (int)PageHeight))
            DrawPages(nothing, spec, layout);
        T.UseSubsets(T.Collecting);

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
            DrawPages(null, spec, layout, document);
            document.Close();
        }
        return (PdfOutline.Add(stream.ToArray(), layout.Outline), layout.Pages.Count);
    }

    /// <summary>Draws every page of <paramref name="layout"/> as a page of <paramref name="document"/>, or all of them on
    /// <paramref name="canvas"/> (the first pass).</summary>
    private static void DrawPages(SKCanvas? canvas, DocumentSpec spec, Layout layout, SKDocument? document = null)
    {
        for (var p = 0; p < layout.Pages.Count; p++)
        {
            T.Checkpoint();
            T.Page = p + 1;
            var page = document?.BeginPage(PageWidth, PageHeight) ?? canvas!;
            if (p > 0)
                Furniture(page, spec, p + 1, layout.Pages.Count);
            foreach (var draw in layout.Pages[p])
                draw(page, layout.Pages.Count);
            document?.EndPage();
        }
    }

    private static void Furniture(SKCanvas canvas, DocumentSpec spec, int page, int pages)
    {
        const float pageNumberWidth = 80;
        Label(canvas, spec.RunningHeader, FontStyle.Regular, 7.5f, Left, 44, Muted, ContentWidth);
        Line(canvas, Left, 52, PageWidth - Right, 52, Rule, 0.6f);
        Line(canvas, Left, PageHeight - 50, PageWidth - Right, PageHeight - 50, Rule, 0.6f);
        Label(canvas, spec.FooterNote, FontStyle.Regular, 7.5f, Left, PageHeight - 38, Muted, ContentWidth - pageNumberWidth);
        Label(
            canvas,
            $"Page {page} of {pages}",
            FontStyle.Regular,
            7.5f,
            PageWidth - Right,
            PageHeight - 38,
            Muted,
            pageNumberWidth,
            SKTextAlign.Right
        );
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
        foreach (var line in Wrap(spec.Title, FontStyle.Bold, 24, ContentWidth))
        {
            var y = layout.Y;
            layout.Page.Add((c, _) => Draw(c, line, Left, y, Ink, ContentWidth));
            layout.Y += 31;
        }
        layout.Y += 6;
        foreach (var line in Wrap(spec.Subtitle, FontStyle.Regular, 13, ContentWidth))
        {
            var y = layout.Y;
            layout.Page.Add((c, _) => Draw(c, line, Left, y, Accent, ContentWidth));
            layout.Y += 17;
        }
        var ruleY = layout.Y + 1;
        layout.Page.Add((c, _) => Line(c, Left, ruleY, PageWidth - Right, ruleY, Rule, 0.8f));
        layout.Y += 23;
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
                    var style = heading.Level == 1 ? FontStyle.Bold : FontStyle.Regular;
                    Label(c, heading.Text, style, 9.5f, Left + indent, y, Ink, ContentWidth - indent - 40);
                    var number = layout.HeadingPages[name].ToString(CultureInfo.InvariantCulture);
                    Label(c, number, style, 9.5f, PageWidth - Right, y, Ink, 36, SKTextAlign.Right);
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
                foreach (var line in Wrap(h.Text, FontStyle.Bold, size, ContentWidth))
                {
                    var y = layout.Y + size;
                    layout.Page.Add((c, _) => Draw(c, line, Left, y, h.Level == 1 ? Accent : Ink, ContentWidth));
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
                    Wrap(p.Text, p.Emphasis ? FontStyle.Italic : FontStyle.Regular, 9.5f, ContentWidth),
                    9.5f,
                    13.5f,
                    p.Emphasis ? Muted : Ink
                );
                layout.Y += 6;
                break;

            case Monospace m:
                Lines(layout, Wrap(m.Text, FontStyle.Mono, 7.8f, ContentWidth - 12), 7.8f, 11f, Ink, indent: 6);
                layout.Y += 6;
                break;

            case Notice n:
                var noticeLines = Wrap(n.Text, FontStyle.Bold, 9, ContentWidth - 24);
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
                Lines(layout, noticeLines, 9, 13, SKColor.Parse("#6b4a10"), indent: 12);
                layout.Y += 12;
                break;

            case KeyValues kv:
                foreach (var (key, value) in kv.Rows)
                {
                    // A value with a word wider than its column (a digest, a URI) goes under its key at full width rather
                    // than being broken inside the word.
                    var (valueX, valueWidth) = (Left + ContentWidth * 0.32f, ContentWidth * 0.68f);
                    var values = Wrap(value, FontStyle.Regular, 9, valueWidth, out var brokeWord);
                    if (brokeWord)
                        (valueX, valueWidth, values) = (Left, ContentWidth, Wrap(value, FontStyle.Regular, 9, ContentWidth));
                    // A short value stays with its key on one page; a long one starts with its first lines and continues.
                    layout.Ensure(Math.Min((values.Count + (brokeWord ? 1 : 0)) * 12.5f + 4, 10 * 12.5f));
                    var y = layout.Y + 9;
                    layout.Page.Add((c, _) => Label(c, key, FontStyle.Bold, 8.5f, Left, y, Muted, ContentWidth * 0.3f));
                    if (brokeWord)
                        layout.Y += 12.5f;
                    foreach (var line in values)
                    {
                        layout.Ensure(12.5f);
                        var ly = layout.Y + 9;
                        layout.Page.Add((c, _) => Draw(c, line, valueX, ly, Ink, valueWidth));
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

    private static void Lines(Layout layout, IReadOnlyList<TextLine> lines, float size, float leading, SKColor color, float indent = 0)
    {
        foreach (var line in lines)
        {
            T.Checkpoint();
            layout.Ensure(leading);
            var y = layout.Y + size;
            layout.Page.Add((c, _) => Draw(c, line, Left + indent, y, color, ContentWidth - indent));
            layout.Y += leading;
        }
    }

    private static void PlaceTable(Layout layout, Table table)
    {
        var style = table.Monospace ? FontStyle.Mono : FontStyle.Regular;
        var size = table.Monospace ? 7.2f : 8.3f;
        const float pad = 4,
            leading = 10.5f,
            headerSize = 8;
        // With SpanLastColumn the last column is a full-width line under the others, in the header and in every row.
        var columns = table.SpanLastColumn ? table.Header.Count - 1 : table.Header.Count;
        var header = table.Header.Select(h => Paragraphs(h, FontStyle.Bold, headerSize)).ToArray();
        var rows = table.Rows.Select(r => r.Select(v => Paragraphs(v, style, size)).ToArray()).ToArray();
        var widths = ColumnWidths(table.Widths.Take(columns).ToArray(), rows.Prepend(header), columns, pad);
        var x0 = widths.Select((_, i) => Left + widths.Take(i).Sum()).ToArray();

        (TextLine[][] Cells, float Height) Lay(ShapedText[][] cells)
        {
            var lines = cells
                .Select((cell, i) => WrapAll(cell, i < columns ? widths[i] - 2 * pad : ContentWidth - 2 * pad, out _).ToArray())
                .ToArray();
            var spanned = table.SpanLastColumn ? lines[^1].Length : 0;
            return (lines, (lines.Take(columns).Max(c => c.Length) + spanned) * leading + 2 * pad);
        }

        void Draw(Layout at, TextLine[][] cells, float height, float top, float baseline)
        {
            var spanTop = top + pad + baseline + cells.Take(columns).Max(c => c.Length) * leading;
            at.Page.Add(
                (c, _) =>
                {
                    for (var i = 0; i < cells.Length; i++)
                    for (var l = 0; l < cells[i].Length; l++)
                        if (i < columns)
                            Composer.Draw(c, cells[i][l], x0[i] + pad, top + pad + baseline + l * leading, Ink, widths[i] - 2 * pad);
                        else
                            Composer.Draw(c, cells[i][l], Left + pad, spanTop + l * leading, Ink, ContentWidth - 2 * pad);
                }
            );
        }

        var (headerCells, headerHeight) = Lay(header);
        void Header()
        {
            var top = layout.Y;
            layout.Page.Add((c, _) => c.DrawRect(Left, top, ContentWidth, headerHeight, T.Paint(HeaderFill)));
            Draw(layout, headerCells, headerHeight, top, headerSize);
            layout.Y += headerHeight;
        }

        var laid = rows.Select(Lay).ToArray();
        // Keep the header with the first row, unless the two are taller than a page.
        var first = laid.Length > 0 ? laid[0].Height : 0;
        layout.Ensure(Math.Min(headerHeight + first, PageHeight - Bottom - Top));
        Header();
        for (var r = 0; r < laid.Length; r++)
        {
            T.Checkpoint();
            var (cells, height) = laid[r];
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
                }
            );
            Draw(layout, cells, height, top, size);
            layout.Y += height;
        }
        layout.Y += 12;
    }

    /// <summary>
    /// The columns' widths in points: proportional to <paramref name="weights"/>, but each at least as wide as its widest word
    /// (the CSS automatic table layout's minimum content width) when all minimums fit the page, taking the difference from
    /// the columns with room to spare; a word wider than a third of the page (a digest) does not count, it is broken by
    /// characters instead.
    /// </summary>
    private static float[] ColumnWidths(IReadOnlyList<float> weights, IEnumerable<ShapedText[][]> rows, int columns, float pad)
    {
        var total = weights.Sum();
        var widths = weights.Select(w => w / total * ContentWidth).ToArray();
        var minimum = new float[columns];
        foreach (var row in rows)
            for (var i = 0; i < columns && i < row.Length; i++)
                foreach (var paragraph in row[i])
                    minimum[i] = Math.Max(minimum[i], WidestWord(paragraph, ContentWidth / 3) + 2 * pad);
        if (minimum.Sum() > ContentWidth)
            return widths;
        var deficit = widths.Select((w, i) => Math.Max(0, minimum[i] - w)).Sum();
        var slack = widths.Select((w, i) => Math.Max(0, w - minimum[i])).Sum();
        if (deficit == 0)
            return widths;
        // Each column with room gives up a share of the deficit proportional to its room; slack >= deficit as the minimums fit.
        return widths.Select((w, i) => w < minimum[i] ? minimum[i] : w - (w - minimum[i]) / slack * deficit).ToArray();
    }

    /// <summary>The width of the widest word (between spaces) of <paramref name="text"/> that is at most
    /// <paramref name="limit"/> points wide; 0 when none is.</summary>
    private static float WidestWord(ShapedText text, float limit)
    {
        var widest = 0f;
        for (var start = 0; start < text.Text.Length; )
        {
            var end = text.Text.IndexOf(' ', start) is var space and >= 0 ? space : text.Text.Length;
            var width = text.Width(start, end);
            if (width <= limit)
                widest = Math.Max(widest, width);
            start = end + 1;
        }
        return widest;
    }

    private static void PlaceBarChart(Layout layout, BarChart chart)
    {
        const float barHeight = 13,
            gap = 6,
            labelWidth = 130,
            valueWidth = 46;
        var height = 22 + chart.Bars.Count * (barHeight + gap) + 16;
        layout.Ensure(height);
        var top = layout.Y;
        layout.Page.Add(
            (c, _) =>
            {
                Label(c, chart.Title, FontStyle.Bold, 9, Left, top + 10, Ink, ContentWidth);
                var x0 = Left + labelWidth;
                var width = ContentWidth - labelWidth - valueWidth - 4;
                var y = top + 22;
                using var bar = new SKPaint { Color = Bar, IsAntialias = true };
                foreach (var (name, value) in chart.Bars)
                {
                    Label(c, name, FontStyle.Regular, 8, x0 - 6, y + 10, Ink, labelWidth - 8, SKTextAlign.Right);
                    var w = (float)(Math.Clamp(value / chart.Max, 0, 1) * width);
                    c.DrawRect(x0, y, w, barHeight, bar);
                    var number = value.ToString(chart.Format, CultureInfo.InvariantCulture);
                    Label(c, number, FontStyle.Regular, 8, x0 + w + 4, y + 10, Ink, valueWidth);
                    y += barHeight + gap;
                }
                Line(c, x0, top + 18, x0, y, Muted, 0.6f);
                Label(c, "0", FontStyle.Regular, 8, x0, y + 10, Muted, 20, SKTextAlign.Center);
                var max = chart.Max.ToString(chart.Format, CultureInfo.InvariantCulture);
                Label(c, max, FontStyle.Regular, 8, x0 + width, y + 10, Muted, 2 * valueWidth, SKTextAlign.Center);
            }
        );
        layout.Y += height + 8;
    }

    private static void PlaceLineChart(Layout layout, LineChart chart)
    {
        const float height = 170,
            size = 7.5f;
        layout.Ensure(height + 20);
        var top = layout.Y;
        layout.Page.Add(
            (c, _) =>
            {
                Label(c, chart.Title, FontStyle.Bold, 9, Left, top + 10, Ink, ContentWidth);
                var (x0, y0, w, h) = (Left + 40, top + height - 25, ContentWidth - 60, height - 50);
                Line(c, x0, y0, x0 + w, y0, Muted, 0.6f);
                Line(c, x0, y0, x0, y0 - h, Muted, 0.6f);
                // The y axis's name above the axis, horizontal (a rotated label would leave its box).
                Label(c, chart.YLabel, FontStyle.Regular, size, Left, y0 - h - 7, Muted, ContentWidth / 2);
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
                string N(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
                Label(c, N(minX), FontStyle.Regular, size, x0, y0 + 11, Muted, 40, SKTextAlign.Center);
                Label(c, N(maxX), FontStyle.Regular, size, x0 + w, y0 + 11, Muted, 40, SKTextAlign.Center);
                Label(c, N(maxY), FontStyle.Regular, size, x0 - 4, y0 - h + 3, Muted, 36, SKTextAlign.Right);
                Label(c, N(minY), FontStyle.Regular, size, x0 - 4, y0 + 3, Muted, 36, SKTextAlign.Right);
                Label(c, chart.XLabel, FontStyle.Regular, size, x0 + w / 2, y0 + 21, Muted, w, SKTextAlign.Center);
            }
        );
        layout.Y += height + 12;
    }

    /// <summary>
    /// Draws <paramref name="line"/> at baseline <paramref name="y"/> in the box of <paramref name="box"/> points that starts at
    /// <paramref name="x"/> (left aligned), ends there (right aligned) or is centred on it, and records it when the render is
    /// observed (<see cref="MeasureCount.Drawn"/>).
    /// </summary>
    private static void Draw(
        SKCanvas canvas,
        TextLine line,
        float x,
        float y,
        SKColor color,
        float box,
        SKTextAlign align = SKTextAlign.Left
    )
    {
        var width = line.Width;
        var (left, boxLeft) = align switch
        {
            SKTextAlign.Right => (x - width, x - box),
            SKTextAlign.Center => (x - width / 2, x - box / 2),
            _ => (x, x),
        };
        if (T.Collecting is { } usage)
        {
            usage.Record(line.Source);
            return;
        }
        var missing = line.Source.Draw(canvas, line.Start, line.End, left, y, T.Paint(color), T.Font, T.Blobs);
        T.Count.Drawn?.Add(new DrawnText(T.Page, line.Text, left, left + width, boxLeft, boxLeft + box, missing));
    }

    /// <summary>A one-line label in a box of <paramref name="box"/> points (see <see cref="Draw"/>), cut with "…" when it is
    /// wider.</summary>
    private static void Label(
        SKCanvas canvas,
        string text,
        FontStyle style,
        float size,
        float x,
        float y,
        SKColor color,
        float box,
        SKTextAlign align = SKTextAlign.Left
    ) => Draw(canvas, Fit(text.Replace('\n', ' '), style, size, box), x, y, color, box, align);

    private static void Line(SKCanvas canvas, float x0, float y0, float x1, float y1, SKColor color, float width)
    {
        var paint = T.Paint(color);
        paint.StrokeWidth = width;
        canvas.DrawLine(x0, y0, x1, y1, paint);
    }

    /// <summary>
    /// Greedy line breaking of <paramref name="text"/> (newlines start new lines) at <paramref name="width"/> points in
    /// <paramref name="style"/> at <paramref name="size"/> points: between words, and before and after CJK ideographs (which
    /// separate words without spaces, UAX #14 class ID); a word longer than the line (a digest) is broken between clusters.
    /// Each paragraph is shaped once, so the cost is linear in the text's length.
    /// </summary>
    internal static IReadOnlyList<TextLine> Wrap(string text, FontStyle style, float size, float width) =>
        Wrap(text, style, size, width, out _);

    /// <summary>As <see cref="Wrap(string, FontStyle, float, float)"/>; <paramref name="brokeWord"/> tells whether a word had
    /// to be broken inside.</summary>
    private static IReadOnlyList<TextLine> Wrap(string text, FontStyle style, float size, float width, out bool brokeWord) =>
        WrapAll(Paragraphs(text, style, size), width, out brokeWord);

    /// <summary>The paragraphs of <paramref name="text"/> (split at newlines), each shaped once.</summary>
    private static ShapedText[] Paragraphs(string text, FontStyle style, float size) =>
        (text ?? "").Replace("\r", "").Split('\n').Select(p => Shape(p, style, size)).ToArray();

    private static List<TextLine> WrapAll(IEnumerable<ShapedText> paragraphs, float width, out bool brokeWord)
    {
        var lines = new List<TextLine>();
        brokeWord = false;
        foreach (var paragraph in paragraphs)
            brokeWord |= WrapInto(lines, paragraph, width);
        return lines;
    }

    /// <summary>Adds the lines of one shaped paragraph to <paramref name="lines"/>; true when a word was broken inside.</summary>
    private static bool WrapInto(List<TextLine> lines, ShapedText shaped, float width)
    {
        var (text, broke) = (shaped.Text, false);
        var (start, end) = (0, 0); // the line being filled, text[start..end]
        for (var wordStart = 0; ; )
        {
            var wordEnd = WordEnd(shaped, wordStart);
            var lineStart = end > start ? start : wordStart;
            if (shaped.Width(lineStart, wordEnd) <= width)
                (start, end) = (lineStart, wordEnd);
            else
            {
                if (end > start)
                    lines.Add(new TextLine(shaped, start, end));
                if (shaped.Width(wordStart, wordEnd) <= width)
                    start = wordStart;
                else
                {
                    start = BreakClusters(shaped, wordStart, wordEnd, width, lines);
                    broke = true;
                }
                end = wordEnd;
            }
            if (wordEnd >= text.Length)
                break;
            wordStart = text[wordEnd] == ' ' ? wordEnd + 1 : wordEnd;
        }
        lines.Add(new TextLine(shaped, start, end));
        return broke;
    }

    /// <summary>Where the word starting at <paramref name="start"/> ends: at the next space, before the next ideograph, or
    /// after this one when it is an ideograph (with the closing punctuation that must stay with it).</summary>
    private static int WordEnd(ShapedText shaped, int start)
    {
        var text = shaped.Text;
        if (start >= text.Length || text[start] == ' ')
            return start;
        var i = start;
        if (IsIdeograph(text, start))
        {
            i++;
            while (
                i < text.Length
                && (
                    !shaped.IsBoundary(i)
                    || char.GetUnicodeCategory(text, i)
                        is UnicodeCategory.ClosePunctuation
                            or UnicodeCategory.OtherPunctuation
                            or UnicodeCategory.FinalQuotePunctuation
                )
            )
                i++;
            return i;
        }
        while (i < text.Length && text[i] != ' ' && !(shaped.IsBoundary(i) && IsIdeograph(text, i)))
            i++;
        return i;
    }

    /// <summary>CJK radicals, kana, CJK ideographs (with extensions and compatibility forms) and Hangul syllables.</summary>
    private static bool IsIdeograph(string text, int index) =>
        (char.IsSurrogatePair(text, index) ? char.ConvertToUtf32(text, index) : text[index])
            is >= 0x2E80
                and <= 0x2FDF
                or >= 0x3040
                and <= 0x30FF
                or >= 0x3400
                and <= 0x4DBF
                or >= 0x4E00
                and <= 0x9FFF
                or >= 0xAC00
                and <= 0xD7AF
                or >= 0xF900
                and <= 0xFAFF
                or >= 0x20000
                and <= 0x3FFFF;

    /// <summary>
    /// Breaks <c>shaped.Text[start..end]</c> into slices of at most <paramref name="width"/> points (one cluster at least),
    /// between clusters: adds every slice but the last to <paramref name="lines"/> and returns where the last one starts.
    /// </summary>
    private static int BreakClusters(ShapedText shaped, int start, int end, float width, List<TextLine> lines)
    {
        for (var next = shaped.FitEnd(start, end, width); next < end; next = shaped.FitEnd(start, end, width))
        {
            T.Checkpoint();
            lines.Add(new TextLine(shaped, start, next));
            start = next;
        }
        return start;
    }

    /// <summary>The text on one line, or its longest prefix (one cluster at least) followed by "…" that fits
    /// <paramref name="width"/> points.</summary>
    private static TextLine Fit(string text, FontStyle style, float size, float width)
    {
        var shaped = Shape(text, style, size);
        if (shaped.Width(0, shaped.Text.Length) <= width)
            return new TextLine(shaped, 0, shaped.Text.Length);
        var ellipsis = Shape("…", style, size);
        var cut = Shape(shaped.Text[..shaped.FitEnd(0, shaped.Text.Length, width - ellipsis.Width(0, 1))] + "…", style, size);
        return new TextLine(cut, 0, cut.Text.Length);
    }

    /// <summary>Shapes <paramref name="text"/> for wrapping, fitting or drawing; the only place the layout asks for widths, and
    /// what <see cref="MeasureCount"/> counts.</summary>
    private static ShapedText Shape(string text, FontStyle style, float size)
    {
        T.Checkpoint();
        return T.Shaped(text, style, size);
    }
}

/// <summary>A line of text: a slice of a shaped paragraph, drawn from its glyphs without shaping again.</summary>
internal readonly record struct TextLine(ShapedText Source, int Start, int End)
{
    public string Text => Source.Text[Start..End];

    public float Width => Source.Width(Start, End);
}

/// <summary>Characters handed to the font for measuring during a render (see <see cref="Composer"/>).</summary>
internal sealed class MeasureCount
{
    public long Characters;

    /// <summary>When set, every text drawn is added here with the box it was given (the layout tests' record).</summary>
    public List<DrawnText>? Drawn;
}

/// <summary>One text as drawn: its page (1-based), the horizontal extent of its advances and of the box it was given, in points,
/// and how many glyphs were .notdef (no font had one).</summary>
internal sealed record DrawnText(int Page, string Text, float Left, float Right, float BoxLeft, float BoxRight, int MissingGlyphs);
