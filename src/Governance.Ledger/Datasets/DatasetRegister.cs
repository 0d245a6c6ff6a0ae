using Governance.Domain.Datasets;
using Governance.Domain.Shared;
using Governance.Ledger.Writing;
using JasperFx.Events;
using Marten;
using Marten.Events.Aggregation;
using Microsoft.Extensions.Logging;

namespace Governance.Ledger.Datasets;

/// <summary>The dataset register, inline; looked up by manifest digest when a model version names its data.</summary>
public sealed class DatasetProjection : SingleStreamProjection<Dataset, string>
{
    public DatasetProjection() => IncludeType<DatasetRegistered>();

    public override Dataset? Evolve(Dataset? snapshot, string id, IEvent e) => Dataset.Evolve(snapshot, e.Data);
}

/// <summary>The dataset register (EU AI Act Art. 10 data governance): registering dataset versions by their files' digests.</summary>
public sealed class DatasetRegister(IDocumentStore store, LedgerWriter writer, ILogger<DatasetRegister> log)
{
    public static readonly IReadOnlyList<string> RegisterRoles = [Roles.ModelOwner];

    /// <summary>Registers a dataset version by the SHA-256 and size of each of its files.</summary>
    /// <exception cref="GovernanceRuleException">Invalid fields; conflict if that name and version are registered, or if
    /// another dataset was registered with the same files (the same manifest digest).</exception>
    public async Task<Written<Dataset>> RegisterAsync(RegisterDataset command, CommandCall call, CancellationToken ct)
    {
        var key = Dataset.StreamKey(command.Name ?? "", command.Version ?? "");
        Dataset? sameFiles = null;
        if (RegisterDatasetDecision.ManifestDigestOf(command) is { } digest)
        {
            await using var session = store.QuerySession();
            sameFiles = await session.Query<Dataset>().Where(d => d.ManifestDigest == digest && d.Id != key).FirstOrDefaultAsync(ct);
        }
        return await writer.DecideAsync<Dataset, Dataset>(
            key,
            Dataset.Evolve,
            call,
            RegisterRoles,
            (state, context) => RegisterDatasetDecision.Decide(command, state, sameFiles, context),
            w => w.After!,
            ct
        );
    }

    /// <summary>One dataset version, or null.</summary>
    public async Task<Dataset?> GetAsync(string name, string version, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        return await session.LoadAsync<Dataset>(Dataset.StreamKey(name, version), ct);
    }

    /// <summary>Every registered dataset version, by id.</summary>
    public async Task<IReadOnlyList<Dataset>> ListAsync(CancellationToken ct)
    {
        await using var session = store.QuerySession();
        return await session.Query<Dataset>().OrderBy(d => d.Id).ToListAsync(ct);
    }

    /// <summary>
    /// The dataset whose manifest digest (in either encoding, <c>v1-text</c> or <c>v2-jcs</c>) is <paramref name="digest"/>,
    /// as a list of at most one, the shape <c>GET /datasets?digest=</c> has always answered.
    /// </summary>
    /// <exception cref="GovernanceRuleException">
    /// Invalid input when the digest is malformed; conflict <c>dataset.digest_ambiguous</c> as <see cref="ResolveAsync"/>.
    /// </exception>
    public async Task<IReadOnlyList<Dataset>> WithDigestAsync(string digest, CancellationToken ct)
    {
        new InputCheck().Sha256(digest, "digest").ThrowIfAny();
        await using var session = store.QuerySession();
        return await ResolveAsync(session, digest, ct) is { } dataset ? [dataset] : [];
    }

    /// <summary>
    /// The one dataset registered with this manifest digest, in either encoding, or null (also for a malformed or missing
    /// digest): what a model version's training or validation digest names.
    /// </summary>
    /// <exception cref="GovernanceRuleException">
    /// Conflict <c>dataset.digest_ambiguous</c> when the digest names more than one dataset (possible only for the v1 text
    /// encoding's forged paths, or two registrations of the same files): the ledger cannot say which data a version used,
    /// so it refuses to guess, and logs it as critical with every dataset id.
    /// </exception>
    public async Task<Dataset?> ResolveAsync(IQuerySession session, string? digest, CancellationToken ct)
    {
        if (!Digest.IsSha256(digest))
            return null;
        var normalized = Digest.Normalize(digest!);
        var found = await session.Query<Dataset>().Where(d => d.ManifestDigest == normalized).OrderBy(d => d.RegisteredAt).ToListAsync(ct);
        if (found.Count <= 1)
            return found.FirstOrDefault();
        var ids = found.Select(d => $"{d.Id} ({d.ManifestEncoding})").ToArray();
        log.LogCritical(
            "Manifest digest {Digest} names {Count} datasets: {DatasetIds}. References to it are refused until resolved.",
            normalized,
            found.Count,
            ids
        );
        throw GovernanceRuleException.Conflict(
            "dataset.digest_ambiguous",
            $"The manifest digest {normalized} names more than one dataset ({string.Join(", ", ids)}); the ledger cannot say which."
        );
    }
}
