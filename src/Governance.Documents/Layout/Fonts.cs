using System.Globalization;
using HarfBuzzSharp;

namespace Governance.Documents.Layout;

/// <summary>The four text styles of the packs; each is a base face (DejaVu) followed by fallback faces for other scripts.</summary>
internal enum FontStyle
{
    Regular,
    Bold,
    Italic,
    Mono,
}

/// <summary>One font file (or one face of a collection), loaded once per process: the HarfBuzz face that shapes with it and that
/// <see cref="FontSubset"/> cuts down for each render. Faces that share a file (WenQuanYi in the regular and the bold chain)
/// share this object, so a render embeds the file once.</summary>
internal sealed class FontFile
{
    public FontFile(string path, int index)
    {
        (Path, Index) = (path, index);
        using var blob = Blob.FromFile(path);
        Face = new Face(blob, index);
        if (Face.GlyphCount == 0)
            throw new FileNotFoundException($"The font {path} (face {index}) could not be loaded.", path);
    }

    public string Path { get; }
    public int Index { get; }
    public Face Face { get; }
}

/// <summary>One face of a style's chain: a <see cref="FontFile"/> and the HarfBuzz font that shapes
/// with it (scaled to font units, so advances are divided by <see cref="UnitsPerEm"/> and multiplied by the size in points).
/// Both are immutable once loaded and shared by every render (HarfBuzz fonts may be used by several threads at once); each
/// render draws with its own subset of the file (<see cref="GlyphUsage"/>).</summary>
internal sealed class FontFace
{
    public FontFace(FontFile file)
    {
        File = file;
        UnitsPerEm = file.Face.UnitsPerEm;
        Shaper = new HarfBuzzSharp.Font(file.Face);
        Shaper.SetFunctionsOpenType();
        Shaper.SetScale(UnitsPerEm, UnitsPerEm);
        Replacement =
            Shaper.TryGetNominalGlyph(0xFFFD, out var r) ? (ushort)r
            : Shaper.TryGetNominalGlyph('?', out var q) ? (ushort)q
            : (ushort)0;
    }

    public FontFile File { get; }

    public HarfBuzzSharp.Font Shaper { get; }
    public int UnitsPerEm { get; }

    /// <summary>The glyph drawn for a character no face has: U+FFFD (or '?'), never .notdef.</summary>
    public ushort Replacement { get; }

    public bool Covers(int codePoint) => Shaper.TryGetNominalGlyph((uint)codePoint, out _);

    /// <summary>The advance of <paramref name="glyph"/> in font units, as the font's metrics give it (before any kerning).</summary>
    public int Advance(ushort glyph) => Shaper.GetHorizontalGlyphAdvance(glyph);
}

/// <summary>
/// The faces the packs are drawn with, per style: DejaVu first (Latin, Greek, Cyrillic and most symbols), then Noto
/// Sans Arabic, Noto Sans Devanagari, WenQuanYi Micro Hei and Noto Sans CJK SC, and the emoji faces (Symbola, then Noto
/// Color Emoji, whichever are installed). WenQuanYi comes before Noto Sans CJK because its outlines are TrueType: Skia
/// embeds CFF faces such as Noto Sans CJK as Type 3 fonts with a flipped font matrix, and poppler's pdftotext then puts
/// CJK text on other lines than the text around it; Noto Sans CJK draws what WenQuanYi lacks. WenQuanYi has one weight,
/// and bold CJK is drawn in it: Skia's PDF writer draws emboldened text as filled outlines plus an invisible copy for
/// the text layer, which made a pack of Chinese text 5.5 times larger and 1.6 times slower (docs/performance.md). A
/// character is drawn with the face its script prefers (Arabic and Devanagari letters with Noto, which shapes them
/// fully), else the first face that has it; combining marks, joiners, variation selectors and emoji modifiers stay with
/// the face before them, so a cluster is never split, and spaces, digits and punctuation stay with a script face before
/// them, so a run of Arabic or Chinese words is one run. Debian packages: fonts-dejavu-core, fonts-noto-core,
/// fonts-wqy-microhei, fonts-noto-cjk, fonts-symbola or fonts-noto-color-emoji.
/// </summary>
internal static class Fonts
{
    private const string DejaVu = "/usr/share/fonts/truetype/dejavu",
        Noto = "/usr/share/fonts/truetype/noto",
        NotoCjk = "/usr/share/fonts/opentype/noto",
        Symbola = "/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf",
        WenQuanYi = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";

    /// <summary>Noto Sans CJK SC's face in the Debian collection (0 JP, 1 KR, 2 SC, 3 TC, 4 HK).</summary>
    private const int CjkSimplifiedChinese = 2;

    private static readonly Lazy<FontFace[][]> Chains = new(Load);

    /// <summary>The faces of <paramref name="style"/>, base face first.</summary>
    public static FontFace[] Chain(FontStyle style) => Chains.Value[(int)style];

    private static FontFace[][] Load()
    {
        var files = new Dictionary<(string, int), FontFile>();
        FontFile Open(string path, int index) =>
            files.TryGetValue((path, index), out var file) ? file : files[(path, index)] = new FontFile(path, index);
        FontFace Required(string path, string package, int index = 0) =>
            File.Exists(path)
                ? new FontFace(Open(path, index))
                : throw new FileNotFoundException($"Evidence packs need the font {path} (Debian package {package}).", path);
        // Symbola first: its outlines embed as an ordinary TrueType subset, while Noto Color Emoji's bitmaps become Type 3
        // images plus a font poppler cannot read; the colour face still draws the emoji newer than Symbola.
        var emoji = new[] { Symbola, $"{Noto}/NotoColorEmoji.ttf" }.Where(File.Exists).Select(f => new FontFace(Open(f, 0))).ToArray();
        if (emoji.Length == 0)
            throw new FileNotFoundException(
                "Evidence packs need an emoji font (Debian package fonts-symbola or fonts-noto-color-emoji).",
                Symbola
            );
        FontFace[] Fallbacks(bool bold) =>
            [
                Required($"{Noto}/NotoSansArabic-{(bold ? "Bold" : "Regular")}.ttf", "fonts-noto-core"),
                Required($"{Noto}/NotoSansDevanagari-{(bold ? "Bold" : "Regular")}.ttf", "fonts-noto-core"),
                Required(WenQuanYi, "fonts-wqy-microhei"),
                Required($"{NotoCjk}/NotoSansCJK-{(bold ? "Bold" : "Regular")}.ttc", "fonts-noto-cjk", CjkSimplifiedChinese),
                .. emoji,
            ];
        var (regular, bold) = (Fallbacks(false), Fallbacks(true));
        return
        [
            [Required($"{DejaVu}/DejaVuSans.ttf", "fonts-dejavu-core"), .. regular],
            [Required($"{DejaVu}/DejaVuSans-Bold.ttf", "fonts-dejavu-core"), .. bold],
            [Required($"{DejaVu}/DejaVuSans-Oblique.ttf", "fonts-dejavu-core"), .. regular],
            [Required($"{DejaVu}/DejaVuSansMono.ttf", "fonts-dejavu-core"), .. regular],
        ];
    }

    /// <summary>
    /// The face of <paramref name="chain"/> that draws <paramref name="codePoint"/>, given the face of the character before it
    /// (null at the start of a text).
    /// </summary>
    public static FontFace Choose(FontFace[] chain, int codePoint, FontFace? previous)
    {
        // Neutrals stay with a script face (Arabic, Devanagari, CJK: chain[1..4]), never with an emoji face, whose digits and
        // space are keycap bases drawn at emoji size.
        if (
            previous is not null
            && (
                Attaches(codePoint) || IsNeutral(codePoint) && Array.IndexOf(chain, previous) is >= 1 and <= 4 && previous.Covers(codePoint)
            )
        )
            return previous;
        if (codePoint is >= 0x20 and < 0x7F) // DejaVu has every printable ASCII character
            return chain[0];
        var preferred = codePoint switch
        {
            >= 0x0600
            and <= 0x06FF
            or >= 0x0750
            and <= 0x077F
            or >= 0x08A0
            and <= 0x08FF
            or >= 0xFB50
            and <= 0xFDFF
            or >= 0xFE70
            and <= 0xFEFF => chain[1],
            >= 0x0900 and <= 0x097F or >= 0xA8E0 and <= 0xA8FF => chain[2],
            _ => null,
        };
        if (preferred is not null && preferred.Covers(codePoint))
            return preferred;
        foreach (var face in chain)
            if (face.Covers(codePoint))
                return face;
        return previous ?? chain[0];
    }

    /// <summary>Characters that belong to the cluster before them: combining marks, joiners, variation selectors, emoji
    /// modifiers and tags.</summary>
    private static bool Attaches(int codePoint) =>
        codePoint is 0x200C or 0x200D or >= 0xFE00 and <= 0xFE0F or >= 0x1F3FB and <= 0x1F3FF or >= 0xE0020 and <= 0xE007F
        || CharUnicodeInfo.GetUnicodeCategory(codePoint)
            is UnicodeCategory.NonSpacingMark
                or UnicodeCategory.EnclosingMark
                or UnicodeCategory.SpacingCombiningMark;

    /// <summary>Spaces, digits and punctuation: drawn with the face of the text around them when it has them, so that a run
    /// of another script is not cut at every space.</summary>
    private static bool IsNeutral(int codePoint) =>
        CharUnicodeInfo.GetUnicodeCategory(codePoint)
            is UnicodeCategory.SpaceSeparator
                or UnicodeCategory.DecimalDigitNumber
                or UnicodeCategory.OtherPunctuation
                or UnicodeCategory.DashPunctuation
                or UnicodeCategory.OpenPunctuation
                or UnicodeCategory.ClosePunctuation
                or UnicodeCategory.InitialQuotePunctuation
                or UnicodeCategory.FinalQuotePunctuation;
}
