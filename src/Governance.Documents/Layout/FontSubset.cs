using System.Runtime.InteropServices;
using SkiaSharp;

namespace Governance.Documents.Layout;

/// <summary>
/// The glyphs and characters one render draws with each font file, collected before the PDF is written so that each file is
/// embedded as a subset of just those glyphs (<see cref="Typefaces"/>). Skia's PDF writer embeds every TrueType face whole when,
/// as in SkiaSharp 3.119's native build, it is compiled without its HarfBuzz subsetter: WenQuanYi Micro Hei alone is 5.2 MB
/// and Symbola 3.2 MB, compressed again by every render. HarfBuzz's subsetter (<c>hb_subset_or_fail</c>, exported by the
/// <c>libHarfBuzzSharp</c> that already shapes the text; HarfBuzzSharp has no managed API for it) does that work instead.
/// </summary>
internal sealed class GlyphUsage
{
    private readonly Dictionary<FontFile, (HashSet<uint> CodePoints, bool[] Glyphs)> _used = new();
    private readonly HashSet<ShapedText> _recorded = new(ReferenceEqualityComparer.Instance);

    /// <summary>Records the glyphs and characters of <paramref name="text"/> (once per shaped text, however many of its lines
    /// are drawn).</summary>
    public void Record(ShapedText text)
    {
        if (_recorded.Add(text))
            text.Collect(this);
    }

    /// <summary>Records that <paramref name="glyphs"/> of <paramref name="face"/> are drawn for the characters
    /// <paramref name="text"/>.</summary>
    public void Add(FontFace face, ReadOnlySpan<char> text, ReadOnlySpan<ushort> glyphs)
    {
        if (!_used.TryGetValue(face.File, out var used))
            _used[face.File] = used = ([], new bool[ushort.MaxValue + 1]);
        foreach (var rune in text.EnumerateRunes())
            used.CodePoints.Add((uint)rune.Value);
        foreach (var glyph in glyphs)
            used.Glyphs[glyph] = true;
    }

    /// <summary>
    /// One typeface per font file drawn: the file cut down to the glyphs recorded (and the glyphs its substitutions can reach from
    /// the characters recorded), with glyph ids unchanged so that the glyphs HarfBuzz shaped with the whole file draw the same.
    /// A file HarfBuzz cannot subset is embedded whole. The caller disposes the typefaces.
    /// </summary>
    public Dictionary<FontFile, SKTypeface> Typefaces()
    {
        var typefaces = new Dictionary<FontFile, SKTypeface>();
        foreach (var (file, used) in _used)
            typefaces[file] = FontSubset.Create(
                file,
                used.CodePoints,
                Enumerable.Range(0, used.Glyphs.Length).Where(g => used.Glyphs[g]).Select(g => (ushort)g)
            );
        return typefaces;
    }
}

/// <summary>HarfBuzz's subsetter (<c>hb-subset.h</c>, HarfBuzz 8.3) through P/Invoke to <c>libHarfBuzzSharp</c>.</summary>
internal static partial class FontSubset
{
    private const string Library = "libHarfBuzzSharp";

    /// <summary><c>HB_SUBSET_FLAGS_RETAIN_GIDS</c>: glyphs keep their ids (unused ones become empty), so the glyph ids shaped
    /// with the whole font stay valid.</summary>
    private const uint RetainGlyphIds = 0x2;

    /// <summary>The typeface of <paramref name="file"/> cut to <paramref name="glyphs"/> and the glyphs of
    /// <paramref name="codePoints"/>; the whole file when the subsetter fails.</summary>
    public static SKTypeface Create(FontFile file, IEnumerable<uint> codePoints, IEnumerable<ushort> glyphs)
    {
        var input = hb_subset_input_create_or_fail();
        if (input == IntPtr.Zero)
            return Whole(file);
        try
        {
            hb_subset_input_set_flags(input, RetainGlyphIds);
            var unicodes = hb_subset_input_unicode_set(input);
            foreach (var codePoint in codePoints)
                hb_set_add(unicodes, codePoint);
            var glyphSet = hb_subset_input_glyph_set(input);
            foreach (var glyph in glyphs)
                hb_set_add(glyphSet, glyph);
            var subset = hb_subset_or_fail(file.Face.Handle, input);
            if (subset == IntPtr.Zero)
                return Whole(file);
            try
            {
                var blob = hb_face_reference_blob(subset);
                try
                {
                    var data = hb_blob_get_data(blob, out var length);
                    using var skData = SKData.CreateCopy(data, (ulong)length);
                    return SKTypeface.FromData(skData) ?? Whole(file);
                }
                finally
                {
                    hb_blob_destroy(blob);
                }
            }
            finally
            {
                hb_face_destroy(subset);
            }
        }
        finally
        {
            hb_subset_input_destroy(input);
        }
    }

    private static SKTypeface Whole(FontFile file) =>
        SKTypeface.FromFile(file.Path, file.Index)
        ?? throw new FileNotFoundException($"The font {file.Path} (face {file.Index}) could not be loaded.");

    [LibraryImport(Library)]
    private static partial IntPtr hb_subset_input_create_or_fail();

    [LibraryImport(Library)]
    private static partial void hb_subset_input_destroy(IntPtr input);

    [LibraryImport(Library)]
    private static partial void hb_subset_input_set_flags(IntPtr input, uint flags);

    [LibraryImport(Library)]
    private static partial IntPtr hb_subset_input_unicode_set(IntPtr input);

    [LibraryImport(Library)]
    private static partial IntPtr hb_subset_input_glyph_set(IntPtr input);

    [LibraryImport(Library)]
    private static partial void hb_set_add(IntPtr set, uint codePoint);

    [LibraryImport(Library)]
    private static partial IntPtr hb_subset_or_fail(IntPtr face, IntPtr input);

    [LibraryImport(Library)]
    private static partial IntPtr hb_face_reference_blob(IntPtr face);

    [LibraryImport(Library)]
    private static partial void hb_face_destroy(IntPtr face);

    [LibraryImport(Library)]
    private static partial IntPtr hb_blob_get_data(IntPtr blob, out uint length);

    [LibraryImport(Library)]
    private static partial void hb_blob_destroy(IntPtr blob);
}
