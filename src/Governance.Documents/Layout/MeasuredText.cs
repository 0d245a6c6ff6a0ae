using System.Text;
using SkiaSharp;

namespace Governance.Documents.Layout;

/// <summary>
/// A text measured once with one font: the advance of every code point (one call into the font), summed into prefix widths.
/// The width of any slice is then one subtraction and the longest slice that fits a width is a binary search, so wrapping
/// and fitting cost time linear in the text's length instead of re-measuring the rest of the text for every line (issue 10,
/// item 8). Positions are UTF-16 indexes into <see cref="Text"/>; a slice never ends inside a surrogate pair.
/// </summary>
internal sealed class MeasuredText
{
    // _prefix[i] is the width in points of Text[..i]; at the low half of a surrogate pair it is the width before the pair.
    private readonly float[] _prefix;

    public MeasuredText(string text, SKFont font)
    {
        Text = text;
        var starts = new List<int>(text.Length);
        var codePoints = new List<int>(text.Length);
        for (var i = 0; i < text.Length; )
        {
            // An unpaired surrogate measures as U+FFFD, as the font would draw it.
            var status = Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out var used);
            starts.Add(i);
            codePoints.Add(status == System.Buffers.OperationStatus.Done ? rune.Value : Rune.ReplacementChar.Value);
            i += used;
        }
        var advances = font.GetGlyphWidths(font.GetGlyphs(codePoints.ToArray()));
        _prefix = new float[text.Length + 1];
        for (var c = 0; c < starts.Count; c++)
        {
            var (start, end) = (starts[c], c + 1 < starts.Count ? starts[c + 1] : text.Length);
            for (var i = start + 1; i < end; i++)
                _prefix[i] = _prefix[start];
            _prefix[end] = _prefix[start] + advances[c];
        }
    }

    /// <summary>The text measured.</summary>
    public string Text { get; }

    /// <summary>The width in points of <c>Text[start..end]</c>.</summary>
    public float Width(int start, int end) => _prefix[end] - _prefix[start];

    /// <summary>
    /// The end of the longest slice <c>Text[start..end]</c>, with <c>end</c> at most <paramref name="limit"/>, whose width is at
    /// most <paramref name="width"/> points; at least one code point when none fits, so that a caller breaking a line always
    /// advances. <paramref name="start"/> must be less than <paramref name="limit"/>.
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
        if (low < limit && low > start && char.IsLowSurrogate(Text[low]) && char.IsHighSurrogate(Text[low - 1]))
            low--;
        if (low > start)
            return low;
        var first = start + 1;
        return first < limit && char.IsHighSurrogate(Text[start]) && char.IsLowSurrogate(Text[first]) ? first + 1 : first;
    }
}
