namespace Governance.Documents.EvidencePacks;

/// <summary>
/// The version of the evidence-pack renderer (the pack definitions and the layout engine together), recorded with every issued
/// pack (<c>EvidencePackIssued.RendererVersion</c>). The same renderer version and the same ledger position give the same bytes;
/// a re-render by another version says so in the pack and cites the digest of the pack originally issued at that position.
/// </summary>
public static class RendererVersion
{
    /// <summary>This renderer's version: raise it with every change that changes a pack's bytes for the same input (wording,
    /// sections, layout, fonts, the PDF writer). History: 1, the layout engine with one font per style (packs issued before
    /// renderer versions were recorded carry none); 2, HarfBuzz shaping, font fallback for every script and ICU bidi ordering
    /// (issue 18 defect 9); 3, each font embedded as a subset of the glyphs the pack draws (HarfBuzz's subsetter) and glyphs
    /// placed from each text run's own origin, so that Skia writes runs of glyphs as one string instead of one text position
    /// per glyph (smaller files), with the post-market sections of issue 15 (the signed monitoring plan and its breaches,
    /// serious incidents and corrective actions in the Annex IV and SR 11-7 packs); 4, bold Chinese, Japanese and Korean drawn in
    /// WenQuanYi Micro Hei's one weight instead of emboldened outlines (packs of such text several times smaller).</summary>
    public const int Current = 4;
}
