namespace Governance.Documents.Layout;

/// <summary>What a document is made of. Document definitions build these; only the composer knows how they are drawn.</summary>
public abstract record Block;

/// <summary>A section heading: level 1 or 2; listed in the table of contents and the PDF outline.</summary>
public sealed record Heading(int Level, string Text) : Block;

public sealed record Paragraph(string Text, bool Emphasis = false) : Block;

/// <summary>Label and value pairs, e.g. a model's inventory entry.</summary>
public sealed record KeyValues(IReadOnlyList<KeyValuePair<string, string>> Rows) : Block;

/// <summary>A table that breaks across pages and repeats its header row on each. <paramref name="Widths"/> are relative
/// column widths (a column is widened to its widest word when the page allows). With <paramref name="SpanLastColumn"/> the
/// last column is printed as a full-width line under the others (for digests, which must not wrap); it has no width.</summary>
public sealed record Table(
    IReadOnlyList<string> Header,
    IReadOnlyList<float> Widths,
    IReadOnlyList<IReadOnlyList<string>> Rows,
    bool Monospace = false,
    bool SpanLastColumn = false
) : Block;

public sealed record BarChart(string Title, IReadOnlyList<KeyValuePair<string, double>> Bars, double Max, string Format = "0.000") : Block;

public sealed record LineChart(string Title, IReadOnlyList<KeyValuePair<double, double>> Points, string XLabel, string YLabel) : Block;

/// <summary>Monospace text such as digests; breaks between words, and inside a word only when it is longer than a line.</summary>
public sealed record Monospace(string Text) : Block;

/// <summary>A boxed statement that stands out, e.g. "not recorded in the ledger".</summary>
public sealed record Notice(string Text) : Block;

public sealed record PageBreak : Block;

/// <summary>A whole document: its title page facts, its blocks, and fixed metadata so the same input gives the same bytes.</summary>
public sealed record DocumentSpec(
    string Title,
    string Subtitle,
    IReadOnlyList<KeyValuePair<string, string>> TitleFacts,
    string RunningHeader,
    string FooterNote,
    IReadOnlyList<Block> Blocks,
    string Author,
    string Subject,
    string Keywords,
    DateTimeOffset Date
);
