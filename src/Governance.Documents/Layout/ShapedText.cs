using System.Text;
using HarfBuzzSharp;
using SkiaSharp;

namespace Governance.Documents.Layout;

/// <summary>
/// One paragraph (or label) shaped once: split into runs of one face and one bidi level (itemized by script coverage, see
/// <see cref="Fonts"/>, and by ICU's bidi levels), each run shaped by HarfBuzz. The shaped advances are summed per character
/// into prefix widths, so the width of any slice is one subtraction and the longest slice that fits is a binary search: wrapping
/// costs time linear in the text's length and never reshapes (issue 10, item 8). Lines are slices that start and end on
/// cluster boundaries; a line is drawn from the glyphs already shaped, as positioned Skia text runs that carry the run's UTF-8
/// text and HarfBuzz's clusters, so the PDF's text layer holds the characters in logical order (issue 18).
/// Positions are UTF-16 indexes into <see cref="Text"/>.
/// </summary>
internal sealed class ShapedText
{
    private const int TabWidth = 4;

    /// <summary>How far (in points) a glyph may be moved to where Skia's PDF writer expects it (see <see cref="Segments"/>): a
    /// thousandth of a point, far below what a reader can see and far above float rounding on an A4 page.</summary>
    private const float Tolerance = 0.001f;

    /// <summary>Latin ligatures (fi, ffi) off: PDF readers extract a ligature glyph as U+FB01 and the like, so "specifications"
    /// would not be found by a search. Required ligatures (Arabic lam-alef, <c>rlig</c>) and Indic conjuncts stay on.</summary>
    private static readonly Feature[] NoStandardLigatures =
    [
        Feature.TryParse("-liga", out var liga) ? liga : throw new InvalidOperationException(),
    ];

    private sealed record Run(
        int Start,
        int End,
        byte Level,
        FontFace Face,
        ushort[] Glyphs,
        int[] Clusters,
        float[] Advances,
        SKPoint[] Offsets
    );

    private readonly float[] _prefix; // _prefix[i]: the width in points of Text[..i]
    private readonly bool[] _boundary; // _boundary[i]: a line may start or end at i (a cluster starts there)
    private readonly int[] _byteAt; // _byteAt[i]: the UTF-8 offset of Text[i]
    private readonly byte[] _utf8;
    private readonly Run[] _runs;

    /// <summary>Shapes <paramref name="text"/> in <paramref name="style"/> at <paramref name="size"/> points. Tabs become spaces
    /// (<see cref="TabWidth"/> each) and other control characters U+FFFD, so that nothing is drawn as a .notdef box.</summary>
    public ShapedText(string text, FontStyle style, float size)
    {
        Text = Clean(text);
        Size = size;
        var n = Text.Length;
        _utf8 = Encoding.UTF8.GetBytes(Text);
        _byteAt = new int[n + 1];
        // A surrogate pair's two halves share the offset of its four bytes; an unpaired surrogate is encoded as U+FFFD.
        for (int i = 0, b = 0; i <= n; i++)
        {
            _byteAt[i] = b;
            if (i == n)
                break;
            var c = Text[i];
            b +=
                c < 0x80 ? 1
                : c < 0x800 ? 2
                : char.IsHighSurrogate(c) && i + 1 < n && char.IsLowSurrogate(Text[i + 1]) ? 0
                : char.IsLowSurrogate(c) && i > 0 && char.IsHighSurrogate(Text[i - 1]) ? 4
                : 3;
        }
        var levels = Bidi.HasRightToLeft(Text) ? Bidi.Levels(Text) : null;
        _runs = Itemize(Fonts.Chain(style), levels).Select(Shape).ToArray();
        _boundary = new bool[n + 1];
        _boundary[n] = true;
        var advance = new float[n];
        foreach (var run in _runs)
            for (var g = 0; g < run.Glyphs.Length; g++)
            {
                advance[run.Clusters[g]] += run.Advances[g];
                _boundary[run.Clusters[g]] = true;
            }
        _prefix = new float[n + 1];
        for (var i = 0; i < n; i++)
            _prefix[i + 1] = _prefix[i] + advance[i];
    }

    /// <summary>The text shaped (after <see cref="Clean"/>).</summary>
    public string Text { get; }

    public float Size { get; }

    /// <summary>The width in points of <c>Text[start..end]</c>.</summary>
    public float Width(int start, int end) => _prefix[end] - _prefix[start];

    /// <summary>Whether a line may start or end at <paramref name="index"/>: not inside a cluster (a grapheme, a ligature, a
    /// conjunct).</summary>
    public bool IsBoundary(int index) => _boundary[index];

    /// <summary>
    /// The end of the longest slice <c>Text[start..end]</c>, on a cluster boundary with <c>end</c> at most
    /// <paramref name="limit"/>, whose width is at most <paramref name="width"/> points; at least one cluster when none fits,
    /// so that a caller breaking a line always advances. <paramref name="start"/> must be less than <paramref name="limit"/>.
    /// </summary>
    public int FitEnd(int start, int limit, float width)
    {
        var (low, high) = (start, limit); // Width(start, low) fits; every end above high does not
        while (low < high)
        {
            var middle = low + (high - low + 1) / 2;
            if (Width(start, middle) <= width)
                low = middle;
            else
                high = middle - 1;
        }
        while (low > start && !_boundary[low])
            low--;
        if (low > start)
            return low;
        var first = start + 1;
        while (first < limit && !_boundary[first])
            first++;
        return first;
    }

    /// <summary>The code point at <paramref name="index"/> and its length in UTF-16 units; an unpaired surrogate reads as
    /// U+FFFD.</summary>
    private static int CodePointAt(string text, int index, out int units)
    {
        if (Rune.DecodeFromUtf16(text.AsSpan(index), out var rune, out units) == System.Buffers.OperationStatus.Done)
            return rune.Value;
        units = Math.Max(units, 1);
        return Rune.ReplacementChar.Value;
    }

    private static string Clean(string text)
    {
        if (!text.Any(c => char.IsControl(c)))
            return text;
        var clean = new StringBuilder(text.Length + 8);
        foreach (var c in text)
            if (c == '\t')
                clean.Append(' ', TabWidth);
            else
                clean.Append(char.IsControl(c) ? '\uFFFD' : c);
        return clean.ToString();
    }

    /// <summary>Splits the text where the face or the bidi level changes.</summary>
    private IEnumerable<(int Start, int End, byte Level, FontFace Face)> Itemize(FontFace[] chain, byte[]? levels)
    {
        var (start, face, level) = (0, (FontFace?)null, (byte)0);
        for (var i = 0; i < Text.Length; )
        {
            var codePoint = CodePointAt(Text, i, out var units);
            var next = Fonts.Choose(chain, codePoint, face);
            var nextLevel = levels?[i] ?? 0;
            if (face is not null && (next != face || nextLevel != level))
            {
                yield return (start, i, level, face);
                start = i;
            }
            (face, level) = (next, nextLevel);
            i += units;
        }
        if (face is not null)
            yield return (start, Text.Length, level, face);
    }

    private Run Shape((int Start, int End, byte Level, FontFace Face) item)
    {
        using var buffer = new HarfBuzzSharp.Buffer();
        buffer.AddUtf8(_utf8, _byteAt[item.Start], _byteAt[item.End] - _byteAt[item.Start]);
        buffer.Direction = item.Level % 2 == 1 ? Direction.RightToLeft : Direction.LeftToRight;
        buffer.GuessSegmentProperties();
        item.Face.Shaper.Shape(buffer, NoStandardLigatures);
        var infos = buffer.GetGlyphInfoSpan();
        var positions = buffer.GetGlyphPositionSpan();
        var scale = Size / item.Face.UnitsPerEm;
        var (glyphs, clusters, advances, offsets) = (
            new ushort[infos.Length],
            new int[infos.Length],
            new float[infos.Length],
            new SKPoint[infos.Length]
        );
        for (var g = 0; g < infos.Length; g++)
        {
            glyphs[g] = infos[g].Codepoint == 0 ? item.Face.Replacement : (ushort)infos[g].Codepoint;
            clusters[g] = CharIndexOfByte((int)infos[g].Cluster);
            advances[g] = positions[g].XAdvance * scale;
            offsets[g] = new SKPoint(positions[g].XOffset * scale, -positions[g].YOffset * scale);
        }
        return new Run(item.Start, item.End, item.Level, item.Face, glyphs, clusters, advances, offsets);
    }

    /// <summary>The character at UTF-8 offset <paramref name="b"/> (HarfBuzz's cluster values are offsets into the UTF-8 text).</summary>
    private int CharIndexOfByte(int b)
    {
        var i = Array.BinarySearch(_byteAt, b);
        return i >= 0 ? FirstOf(i) : ~i - 1;
    }

    /// <summary>The first character at a UTF-8 offset (the low half of a surrogate pair shares its high half's offset).</summary>
    private int FirstOf(int i)
    {
        while (i > 0 && _byteAt[i - 1] == _byteAt[i])
            i--;
        return i;
    }

    /// <summary>
    /// Draws <c>Text[start..end]</c> with its left edge at <paramref name="x"/> and its baseline at <paramref name="y"/>: the
    /// runs it spans, cut to the slice, in visual order (UAX #9 rule L2), each as positioned text runs with their UTF-8 text and
    /// clusters (see <see cref="Segments"/>), built with <paramref name="builder"/> (which each blob built empties, so one
    /// serves a whole render). Returns the number of .notdef glyphs drawn (always 0 once every face is
    /// installed).
    /// </summary>
    public int Draw(
        SKCanvas canvas,
        int start,
        int end,
        float x,
        float y,
        SKPaint paint,
        Func<FontFace, float, SKFont> font,
        SKTextBlobBuilder builder
    )
    {
        var missing = 0;
        foreach (var (run, from, to) in Pieces(start, end))
        {
            var (byteStart, byteEnd) = (_byteAt[Math.Max(start, run.Start)], _byteAt[Math.Min(end, run.End)]);
            var skFont = font(run.Face, Size);
            foreach (var (first, last, origin, points) in Segments(run, from, to, x, y))
            {
                var rtl = run.Level % 2 == 1;
                // The segment's text: from its first cluster to the next segment's (the order is reversed in a right-to-left run).
                var (textStart, textEnd) = rtl
                    ? (last == to ? byteStart : _byteAt[run.Clusters[last - 1]], first == from ? byteEnd : _byteAt[run.Clusters[first - 1]])
                    : (first == from ? byteStart : _byteAt[run.Clusters[first]], last == to ? byteEnd : _byteAt[run.Clusters[last]]);
                var count = last - first;
                var glyphs = run.Glyphs.AsSpan(first, count);
                var clusters = new uint[count];
                for (var g = 0; g < count; g++)
                {
                    missing += glyphs[g] == 0 ? 1 : 0;
                    clusters[g] = (uint)(_byteAt[run.Clusters[first + g]] - textStart);
                }
                var buffer = builder.AllocatePositionedTextRun(skFont, count, textEnd - textStart);
                buffer.SetGlyphs(glyphs);
                buffer.SetPositions(points);
                buffer.SetText(_utf8.AsSpan(textStart, textEnd - textStart));
                buffer.SetClusters(clusters);
                using var blob = builder.Build();
                canvas.DrawText(blob, origin.X, origin.Y, paint);
            }
            for (var g = from; g < to; g++)
                x += run.Advances[g];
        }
        return missing;
    }

    /// <summary>
    /// The glyphs <c>[from, to)</c> of <paramref name="run"/>, starting at <paramref name="x"/> on baseline <paramref name="y"/>,
    /// cut into segments drawn each from its own origin, with glyph positions relative to it. Skia's PDF writer (its
    /// <c>GlyphPositioner</c>, <c>src/pdf/SkPDFDevice.cpp</c>) writes a text position (a <c>Td</c> operator) before every glyph
    /// whose position is not exactly, to the last bit of a float, where the glyphs before it since the last <c>Td</c> end by
    /// its own sum of advances (size / units per em × the font's advance). On a page the differences of absolute positions
    /// never match that sum, so every glyph got its own <c>Td</c>: the content streams were about four times longer than
    /// needed, and deflating and formatting them was most of Skia's time per page. From a segment's own origin the glyph
    /// positions are computed as Skia sums them (HarfBuzz's positions move by less than <see cref="Tolerance"/>); a glyph that
    /// HarfBuzz moves more (kerning, a mark's offset) starts a new segment at the next cluster, so that a cluster is never cut.
    /// </summary>
    private IEnumerable<(int First, int Last, SKPoint Origin, SKPoint[] Points)> Segments(Run run, int from, int to, float x, float y)
    {
        var scale = Size / run.Face.UnitsPerEm;
        var (first, origin, pen, clean) = (from, new SKPoint(x, y), 0f, true);
        var points = new List<SKPoint>();
        for (var g = from; g < to; g++)
        {
            var relative = new SKPoint(x + run.Offsets[g].X - origin.X, y + run.Offsets[g].Y - origin.Y);
            var fits = relative.Y == 0 && Math.Abs(relative.X - pen) <= Tolerance;
            if (g > first && run.Clusters[g] != run.Clusters[g - 1] && !(clean && fits))
            {
                yield return (first, g, origin, points.ToArray());
                (first, origin, pen, clean) = (g, new SKPoint(x, y), 0f, true);
                points.Clear();
                relative = run.Offsets[g];
                fits = relative == default;
            }
            if (fits)
                relative.X = pen;
            else
                clean = false;
            points.Add(relative);
            pen += scale * run.Face.Advance(run.Glyphs[g]);
            x += run.Advances[g];
        }
        if (to > first)
            yield return (first, to, origin, points.ToArray());
    }

    /// <summary>Records every glyph of this text and the characters it draws, by face (a superset of what the lines drawn
    /// from it draw).</summary>
    public void Collect(GlyphUsage usage)
    {
        foreach (var run in _runs)
            usage.Add(run.Face, Text.AsSpan(run.Start..run.End), run.Glyphs);
    }

    /// <summary>The runs <c>Text[start..end]</c> spans, each with the range of its glyphs in the slice, in visual order.</summary>
    private List<(Run Run, int From, int To)> Pieces(int start, int end)
    {
        var pieces = new List<(Run Run, int From, int To)>();
        for (var r = FirstRunAt(start); r < _runs.Length && _runs[r].Start < end; r++)
        {
            var run = _runs[r];
            var (from, to) = GlyphRange(run, Math.Max(start, run.Start), Math.Min(end, run.End));
            if (to > from)
                pieces.Add((run, from, to));
        }
        if (!pieces.Any(p => p.Run.Level > 0))
            return pieces;
        var order = Bidi.VisualOrder(pieces.Select(p => p.Run.Level).ToArray());
        return order.Select(i => pieces[i]).ToList();
    }

    /// <summary>The run holding <paramref name="index"/> (binary search: lines of a long paragraph never rescan its runs).</summary>
    private int FirstRunAt(int index)
    {
        var (low, high) = (0, _runs.Length - 1);
        while (low < high)
        {
            var middle = (low + high + 1) / 2;
            if (_runs[middle].Start <= index)
                low = middle;
            else
                high = middle - 1;
        }
        return low;
    }

    /// <summary>The glyphs of <paramref name="run"/> whose clusters lie in <c>[start, end)</c>: a contiguous range, found by binary
    /// search, since clusters rise through a left-to-right run and fall through a right-to-left one.</summary>
    private static (int From, int To) GlyphRange(Run run, int start, int end)
    {
        var rtl = run.Level % 2 == 1;
        // The first glyph index whose cluster is on the far side of `bound` in the run's glyph order.
        int Search(int bound)
        {
            var (low, high) = (0, run.Clusters.Length);
            while (low < high)
            {
                var middle = (low + high) / 2;
                if (rtl ? run.Clusters[middle] >= bound : run.Clusters[middle] < bound)
                    low = middle + 1;
                else
                    high = middle;
            }
            return low;
        }
        return rtl ? (Search(end), Search(start)) : (Search(start), Search(end));
    }
}
