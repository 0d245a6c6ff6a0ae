using System.Text;
using Governance.Domain.Shared;

namespace Governance.Domain.Datasets;

/// <summary>GDPR Art. 6(1) lawful bases, for datasets holding personal data.</summary>
public enum LegalBasis
{
    Consent,
    Contract,
    LegalObligation,
    VitalInterests,
    PublicTask,
    LegitimateInterests,
}

public sealed record DatasetFile(string Path, string Sha256, long SizeBytes);

public sealed record DatasetColumn(string Name, string Type);

public sealed record DatasetRegistered(
    string DatasetId,
    string Name,
    string Version,
    string? Description,
    IReadOnlyList<DatasetFile> Files,
    string ManifestDigest,
    long RowCount,
    IReadOnlyList<DatasetColumn> Schema,
    bool ContainsPersonalData,
    LegalBasis? LegalBasis,
    Audit Audit
) : ILedgerEvent;

/// <summary>A registered dataset: identified by name and version, and by the digest of its file manifest.</summary>
public sealed record Dataset
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required string Version { get; init; }
    public string? Description { get; init; }
    public required IReadOnlyList<DatasetFile> Files { get; init; }
    public required string ManifestDigest { get; init; }
    public required long RowCount { get; init; }
    public required IReadOnlyList<DatasetColumn> Schema { get; init; }
    public required bool ContainsPersonalData { get; init; }
    public LegalBasis? LegalBasis { get; init; }
    public required Actor RegisteredBy { get; init; }
    public required DateTimeOffset RegisteredAt { get; init; }

    public static string StreamKey(string name, string version) => $"dataset:{name}@{version}";

    public static Dataset? Evolve(Dataset? state, object @event) =>
        @event switch
        {
            DatasetRegistered e => new Dataset
            {
                Id = e.DatasetId,
                Name = e.Name,
                Version = e.Version,
                Description = e.Description,
                Files = e.Files,
                ManifestDigest = e.ManifestDigest,
                RowCount = e.RowCount,
                Schema = e.Schema,
                ContainsPersonalData = e.ContainsPersonalData,
                LegalBasis = e.LegalBasis,
                RegisteredBy = e.Audit.Actor,
                RegisteredAt = e.Audit.At,
            },
            _ => state,
        };

    /// <summary>
    /// The manifest digest: SHA-256 over one line per file, "&lt;sha256 hex&gt;  &lt;size&gt;  &lt;path&gt;\n", ordered by path (ordinal).
    /// Anyone can recompute it from the files with sha256sum and stat.
    /// </summary>
    public static string ManifestDigestOf(IEnumerable<DatasetFile> files)
    {
        var manifest = new StringBuilder();
        foreach (var f in files.OrderBy(f => f.Path, StringComparer.Ordinal))
            manifest
                .Append(f.Sha256[Digest.Sha256Prefix.Length..])
                .Append("  ")
                .Append(f.SizeBytes)
                .Append("  ")
                .Append(f.Path)
                .Append('\n');
        return Digest.OfText(manifest.ToString());
    }
}
