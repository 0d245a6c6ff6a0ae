using Governance.Domain.Datasets;
using Governance.Domain.Shared;
using Governance.Ledger.Writing;
using JasperFx.Events;
using Marten;
using Marten.Events.Aggregation;

namespace Governance.Ledger.Datasets;

/// <summary>The dataset register, inline; looked up by manifest digest when a model version names its data.</summary>
public sealed class DatasetProjection : SingleStreamProjection<Dataset, string>
{
    public DatasetProjection() => IncludeType<DatasetRegistered>();

    public override Dataset? Evolve(Dataset? snapshot, string id, IEvent e) => Dataset.Evolve(snapshot, e.Data);
}

/// <summary>The dataset register (EU AI Act Art. 10 data governance): registering dataset versions by their files' digests.</summary>
public sealed class DatasetRegister(IDocumentStore store, LedgerWriter writer)
{
    public static readonly IReadOnlyList<string> RegisterRoles = [Roles.ModelOwner];

    /// <summary>Registers a dataset version by the SHA-256 and size of each of its files.</summary>
    /// <exception cref="GovernanceRuleException">Invalid fields; conflict if that name and version are registered.</exception>
    public async Task<Written<Dataset>> RegisterAsync(RegisterDataset command, CommandCall call, CancellationToken ct)
    {
        var key = Dataset.StreamKey(command.Name ?? "", command.Version ?? "");
        return await writer.DecideAsync<Dataset, Dataset>(
            key,
            Dataset.Evolve,
            call,
            RegisterRoles,
            (state, context) => RegisterDatasetDecision.Decide(command, state, context),
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

    /// <summary>The datasets whose manifest digest is <paramref name="digest"/> (a <c>sha256:</c> digest).</summary>
    /// <exception cref="GovernanceRuleException">Invalid input when the digest is malformed.</exception>
    public async Task<IReadOnlyList<Dataset>> WithDigestAsync(string digest, CancellationToken ct)
    {
        new InputCheck().Sha256(digest, "digest").ThrowIfAny();
        await using var session = store.QuerySession();
        var normalized = Digest.Normalize(digest);
        return await session.Query<Dataset>().Where(d => d.ManifestDigest == normalized).OrderBy(d => d.RegisteredAt).ToListAsync(ct);
    }

    /// <summary>The first dataset registered with this manifest digest, or null (also for a malformed or missing digest).</summary>
    public static Task<Dataset?> FindByDigestAsync(IQuerySession session, string? digest, CancellationToken ct) =>
        Digest.IsSha256(digest)
            ? session
                .Query<Dataset>()
                .Where(d => d.ManifestDigest == Digest.Normalize(digest!))
                .OrderBy(d => d.RegisteredAt)
                .FirstOrDefaultAsync(ct)
            : Task.FromResult<Dataset?>(null);
}
