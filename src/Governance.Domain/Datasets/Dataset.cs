using Governance.Attestations;
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

/// <summary>One file of a dataset version (<see cref="IListedFile"/>).</summary>
public sealed record DatasetFile(string Path, string Sha256, long SizeBytes) : IListedFile;

public sealed record DatasetColumn(string Name, string Type);

/// <summary>A dataset version was registered by its files' digests and sizes.</summary>
/// <param name="ManifestDigest">The digest of the file manifest, in the encoding <paramref name="ManifestEncoding"/> names.</param>
/// <param name="ManifestEncoding">
/// <see cref="FileManifest.Encoding"/> (<c>v2-jcs</c>) for every registration since manifests became RFC 8785 JSON;
/// <see cref="Dataset.TextManifestEncoding"/> (<c>v1-text</c>) for events stored by earlier releases, which carry no such
/// field (the ledger's upcaster supplies it).
/// </param>
public sealed record DatasetRegistered(
    string DatasetId,
    string Name,
    string Version,
    string? Description,
    IReadOnlyList<DatasetFile> Files,
    string ManifestDigest,
    string ManifestEncoding,
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

    /// <summary>
    /// How <see cref="ManifestDigest"/> was computed: <c>v2-jcs</c>, or <c>v1-text</c> for datasets registered before it.
    /// Not <c>required</c>: register documents stored by earlier releases have no such field and are <c>v1-text</c>.
    /// </summary>
    public string ManifestEncoding { get; init; } = TextManifestEncoding;
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
                ManifestEncoding = e.ManifestEncoding,
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
    /// The encoding of manifest digests recorded before <see cref="FileManifest.Encoding"/>: SHA-256 over one line per file,
    /// "&lt;sha256 hex&gt;  &lt;size&gt;  &lt;path&gt;\n", ordered by path (UTF-16 ordinal). It is only read back, never written: a
    /// path holding a newline could forge further lines (hostile-input issue 10, item 4).
    /// </summary>
    public const string TextManifestEncoding = "v1-text";

    /// <summary>
    /// The manifest digest of new registrations (<see cref="FileManifest"/>, encoding <c>v2-jcs</c>): SHA-256 over the
    /// RFC 8785 JSON of the files sorted by the UTF-8 bytes of their paths.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// A path, digest or size breaks the manifest's rules (<see cref="FileManifest.CanonicalBytes"/>).
    /// </exception>
    public static string ManifestDigestOf(IEnumerable<DatasetFile> files) => ListedFiles.ManifestDigestOf(files);
}
