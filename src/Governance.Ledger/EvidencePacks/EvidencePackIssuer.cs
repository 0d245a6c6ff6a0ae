using Governance.Documents.EvidencePacks;
using Governance.Domain.Datasets;
using Governance.Domain.EvidencePacks;
using Governance.Domain.Incidents;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Domain.TechnicalDocumentation;
using Governance.Ledger.AuditTrail;
using Governance.Ledger.Datasets;
using Governance.Ledger.ModelVersions;
using Governance.Ledger.People;
using Governance.Ledger.Sequencing;
using Governance.Ledger.Writing;
using JasperFx.Events;
using Marten;

namespace Governance.Ledger.EvidencePacks;

/// <summary>A pack as issued: the PDF bytes, their SHA-256 (as recorded), a file name, the ledger position it reflects, the
/// renderer version that drew it, and the pack originally issued at that position (of the same kind, possibly this one) if
/// any.</summary>
public sealed record IssuedPdf(
    byte[] Pdf,
    string Sha256,
    string FileName,
    long Position,
    int? RendererVersion,
    OriginalPack? OriginallyIssued
);

/// <summary>One issued pack as listed for re-verification: kind, digest, size, pages, ledger position (the version's stream
/// version, and the global position the pack states; null before it was recorded), renderer version, who and when.</summary>
public sealed record IssuedPack(
    string Kind,
    string Sha256,
    long SizeBytes,
    int Pages,
    long LedgerPosition,
    Actor IssuedTo,
    DateTimeOffset IssuedAt,
    long? Position,
    int? RendererVersion
);

/// <summary>The bytes of an issued pack, kept under their SHA-256 (the digest <see cref="EvidencePackIssued"/> records) so that
/// the pack issued then is always returned exactly. Written in the transaction of the first issue of those bytes, never
/// changed.</summary>
public sealed record KeptEvidencePack
{
    /// <summary>The bytes' SHA-256, lowercase hex.</summary>
    public required string Id { get; init; }

    public required string ModelId { get; init; }
    public required string Version { get; init; }
    public required string Kind { get; init; }
    public required int Pages { get; init; }
    public required long LedgerPosition { get; init; }
    public required long Position { get; init; }
    public required int RendererVersion { get; init; }
    public required byte[] Pdf { get; init; }
}

/// <summary>
/// A render took longer than its budget (<see cref="LedgerOptions.EvidencePackRenderBudget"/>) and was stopped; nothing was
/// recorded. The server's problem, not the caller's: worth retrying later.
/// </summary>
public sealed class RenderBudgetExceededException(string kind, TimeSpan budget)
    : Exception($"The {kind} evidence pack did not render within its budget of {budget.TotalSeconds:0.###} s; nothing was recorded.");

/// <summary>
/// Evidence packs (EU AI Act Annex IV, SR 11-7 / SS1/23, model card) drawn from the ledger as of a point (now, or an earlier
/// time or position resolved by <see cref="PointInTime"/>): each issue is recorded with the SHA-256 of the exact bytes, in its
/// own stream so that issuing does not change the version's state, and the bytes are kept under that digest. Each render has
/// a time budget (<paramref name="renderBudget"/>, measured with <paramref name="clock"/>) so that no input can keep a core
/// busy for long.
/// </summary>
public sealed class EvidencePackIssuer(
    IDocumentStore store,
    LedgerWriter writer,
    DatasetRegister datasets,
    IPeopleDirectory people,
    Transparency.TransparencyLog log,
    PointInTime history,
    TimeProvider clock,
    TimeSpan renderBudget
)
{
    /// <summary>Who may be issued packs: auditors and risk officers for every model, and a model's owner or delegates for theirs
    /// (the provider draws up the technical documentation, EU AI Act Art. 11 and 16; checked once the model is read).</summary>
    public static readonly IReadOnlyList<string> Roles =
    [
        Domain.Shared.Roles.Auditor,
        Domain.Shared.Roles.RiskOfficer,
        Domain.Shared.Roles.ModelOwner,
    ];

    /// <summary>Renders a pack of <paramref name="kind"/> (its slug) as of <paramref name="point"/>, records who was issued which
    /// bytes and keeps them. A pack drawn at a position where one of the same kind was first issued by another renderer version
    /// says so and cites that pack's digest.</summary>
    /// <exception cref="GovernanceRuleException">Invalid kind; version or model not found (at the point); the caller is not an
    /// auditor, a risk officer or the model's owner or delegate.</exception>
    /// <exception cref="RenderBudgetExceededException">The render took longer than the budget; nothing was recorded.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled (the caller went away); the render stops
    /// and nothing is recorded.</exception>
    public async Task<IssuedPdf> IssueAsync(VersionRef target, string kind, LedgerPoint point, CommandCall call, CancellationToken ct)
    {
        var packKind =
            EvidencePack.FromSlug(kind)
            ?? throw GovernanceRuleException.InvalidField(
                "kind",
                $"must be one of: {string.Join(", ", Enum.GetValues<EvidencePackKind>().Select(EvidencePack.Slug))}"
            );
        await using var write = writer.BeginAppend(EvidencePackIssued.StreamKey(target.ModelId, target.Version), call, Roles);
        await EnsureMayBeIssuedAsync(target, write.Context.Actor, ct);
        var slug = EvidencePack.Slug(packKind);
        var input = await InputAsync(target, point, ct);
        var original = await OriginalAsync(target, slug, input.Position, ct);
        if (original is not null && original.RendererVersion != RendererVersion.Current)
            input = input with { ReRenderOf = original };
        var (pdf, pages) = Render(packKind, slug, input, ct);
        var kept = new KeptEvidencePack
        {
            Id = Digest.OfBytes(pdf),
            ModelId = target.ModelId,
            Version = target.Version,
            Kind = slug,
            Pages = pages,
            LedgerPosition = input.LedgerPosition,
            Position = input.Position,
            RendererVersion = RendererVersion.Current,
            Pdf = pdf,
        };
        bool alreadyKept;
        await using (var session = store.QuerySession())
            alreadyKept = await session.Query<KeptEvidencePack>().AnyAsync(k => k.Id == kept.Id, ct);
        return await RecordAsync(write, kept, "issued", keep: !alreadyKept, original, ct);
    }

    /// <summary>The pack issued with the digest <paramref name="sha256"/>, exactly as it was issued; the fetch is recorded as an
    /// issue of the same bytes to the caller.</summary>
    /// <exception cref="GovernanceRuleException">Invalid digest; no pack issued with it (<c>evidence_pack.not_found</c>); the caller
    /// is not an auditor, a risk officer or the owner or a delegate of the pack's model.</exception>
    public async Task<IssuedPdf> FetchAsync(string sha256, CommandCall call, CancellationToken ct)
    {
        new InputCheck().Sha256(sha256, "sha256").ThrowIfAny();
        KeptEvidencePack? kept;
        await using (var session = store.QuerySession())
            kept = await session.LoadAsync<KeptEvidencePack>(Digest.Normalize(sha256), ct);
        if (kept is null)
            throw GovernanceRuleException.NotFound("evidence_pack.not_found", $"No evidence pack was issued with SHA-256 {sha256}.");
        var target = new VersionRef(kept.ModelId, kept.Version);
        await using var write = writer.BeginAppend(EvidencePackIssued.StreamKey(target.ModelId, target.Version), call, Roles);
        await EnsureMayBeIssuedAsync(target, write.Context.Actor, ct);
        var original = await OriginalAsync(target, kept.Kind, kept.Position, ct);
        return await RecordAsync(write, kept, "fetched by its digest", keep: false, original, ct);
    }

    /// <summary>Auditors and risk officers may be issued any model's packs; a model owner only packs of a model they steward
    /// now.</summary>
    private async Task EnsureMayBeIssuedAsync(VersionRef target, Actor actor, CancellationToken ct)
    {
        if (actor.Role != Domain.Shared.Roles.ModelOwner)
            return;
        await using var session = store.QuerySession();
        var model = await session.LoadAsync<Model>(target.ModelId, ct) ?? throw target.NotFound();
        ModelStewardship.EnsureSteward(model, actor, "be issued evidence packs of");
    }

    /// <summary>Records the issue of <paramref name="kept"/>'s bytes and, when <paramref name="keep"/> (their first issue), keeps
    /// them in the same transaction.</summary>
    private static async Task<IssuedPdf> RecordAsync(
        StreamWrite<object> write,
        KeptEvidencePack kept,
        string how,
        bool keep,
        OriginalPack? original,
        CancellationToken ct
    )
    {
        write.Append(
            new EvidencePackIssued(
                kept.ModelId,
                kept.Version,
                kept.Kind,
                kept.Id,
                kept.Pdf.LongLength,
                kept.Pages,
                kept.LedgerPosition,
                write.Context.Audit($"Evidence pack {kept.Kind} {how}"),
                kept.RendererVersion,
                kept.Position
            )
        );
        // Stored as an upsert: two first issues of the same bytes at once write the same row.
        if (keep)
            write.StoreAlongside(kept);
        await write.CommitAsync(kept.Id, ct);
        return new IssuedPdf(
            kept.Pdf,
            kept.Id,
            $"{kept.ModelId}-{kept.Version}-{kept.Kind}.pdf",
            kept.Position,
            kept.RendererVersion,
            original ?? new OriginalPack(kept.Id, kept.RendererVersion)
        );
    }

    /// <summary>The first pack of <paramref name="kind"/> issued for the version at <paramref name="position"/>, if any (packs
    /// issued before positions were recorded are never it).</summary>
    private async Task<OriginalPack?> OriginalAsync(VersionRef target, string kind, long position, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var events = await session.Events.FetchStreamAsync(EvidencePackIssued.StreamKey(target.ModelId, target.Version), token: ct);
        return events
            .Select(e => (EvidencePackIssued)e.Data)
            .Where(p => p.Kind == kind && p.Position == position)
            .Select(p => new OriginalPack(p.Sha256, p.RendererVersion))
            .FirstOrDefault();
    }

    private (byte[] Pdf, int Pages) Render(EvidencePackKind kind, string slug, EvidencePackInput input, CancellationToken ct)
    {
        using var budget = new CancellationTokenSource(renderBudget, clock);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(ct, budget.Token);
        var started = clock.GetTimestamp();
        try
        {
            var rendered = EvidencePack.Render(kind, input, either.Token);
            // The budget's timer may not have run on a busy thread pool before the render's last checkpoint: the time taken
            // decides, so an over-budget render is refused however the timer was scheduled.
            return clock.GetElapsedTime(started) <= renderBudget ? rendered : throw new RenderBudgetExceededException(slug, renderBudget);
        }
        catch (OperationCanceledException) when (budget.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw new RenderBudgetExceededException(slug, renderBudget);
        }
    }

    /// <summary>Every pack issued for a version.</summary>
    /// <exception cref="GovernanceRuleException">Version not found.</exception>
    public async Task<IReadOnlyList<IssuedPack>> IssuedAsync(VersionRef target, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        if (await session.LoadAsync<ModelVersion>(target.StreamKey, ct) is null)
            throw target.NotFound();
        var events = await session.Events.FetchStreamAsync(EvidencePackIssued.StreamKey(target.ModelId, target.Version), token: ct);
        return events
            .Select(e => (EvidencePackIssued)e.Data)
            .Select(p => new IssuedPack(
                p.Kind,
                p.Sha256,
                p.SizeBytes,
                p.Pages,
                p.LedgerPosition,
                p.Audit.Actor,
                p.Audit.At,
                p.Position,
                p.RendererVersion
            ))
            .ToArray();
    }

    /// <summary>The ledger facts a pack is drawn from, now (at the safe position).</summary>
    /// <exception cref="GovernanceRuleException">Version or model not found.</exception>
    public async Task<EvidencePackInput> InputAsync(VersionRef target, CancellationToken ct) =>
        await InputAsync(target, await history.ResolveAsync(null, null, ct), ct);

    /// <summary>
    /// The ledger facts a pack is drawn from as of <paramref name="point"/>: the model, the version, its technical file, its
    /// datasets and the earlier versions (the benchmark), each folded from its events at or below the point's position, through
    /// the same evolve as the inline projections. The pack's <see cref="EvidencePackInput.Position"/> is the highest of those
    /// events, so every point between it and the next such event gives the same input.
    /// </summary>
    /// <exception cref="GovernanceRuleException">Version or model not found at the point.</exception>
    public async Task<EvidencePackInput> InputAsync(VersionRef target, LedgerPoint point, CancellationToken ct)
    {
        var versionStreams = await history.StreamsStartingWithAsync(target.ModelId + "@", point.Position, ct);
        if (!versionStreams.Contains(target.StreamKey))
            throw target.NotFound();
        var file = TechnicalFile.StreamKey(target.ModelId);
        var byStream = (await history.EventsAsync([target.ModelId, file, .. versionStreams], point.Position, ct))
            .GroupBy(e => e.StreamKey!)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<IEvent>)g.ToArray());
        IReadOnlyList<IEvent> Of(string key) => byStream.GetValueOrDefault(key) ?? [];

        var model =
            PointInTime.Fold<Model>(Of(target.ModelId), (m, e) => Model.Evolve(m, e.Data))
            ?? throw GovernanceRuleException.NotFound("model.not_found", $"Model '{target.ModelId}' is not registered.");
        var state = ModelVersionRecords.RecordOf(Of(target.StreamKey))!;
        // The benchmark: the latest earlier version with evidence recorded by the point.
        var earlier = versionStreams
            .Where(k => k != target.StreamKey)
            .Select(k => (Events: Of(k), Version: ModelVersionRecords.RecordOf(Of(k))))
            .Where(v => v.Version is not null && v.Version.RegisteredAt < state.RegisteredAt)
            .ToArray();
        var previous = earlier.Select(v => v.Version!).OrderBy(v => v.RegisteredAt).LastOrDefault(v => v.Evidence.Count > 0);
        var fileEvents = Of(file);
        var training = await DatasetAsync(state.TrainingDatasetDigest, point, ct);
        var validation = await DatasetAsync(state.ValidationDatasetDigest, point, ct);

        // Incidents are on streams of their own (incident-{uuid}): those of this version, folded at the point.
        IReadOnlyList<string> incidentStreams;
        await using (var session = store.QuerySession())
            incidentStreams = await session
                .Query<SeriousIncident>()
                .Where(x => x.ModelId == target.ModelId && x.Version == target.Version)
                .Select(x => x.Id)
                .ToListAsync(ct);
        var incidentEvents = incidentStreams.Count == 0 ? [] : await history.EventsAsync(incidentStreams, point.Position, ct);
        var incidents = incidentEvents
            .GroupBy(e => e.StreamKey!)
            .Select(g => PointInTime.Fold<SeriousIncident>(g.ToArray(), (x, e) => SeriousIncident.Evolve(x, e.Data)))
            .OfType<SeriousIncident>()
            .OrderBy(x => x.AwareAt)
            .ThenBy(x => x.Id, StringComparer.Ordinal)
            .ToArray();

        var names = await people.NamesAsync(ct);
        var trail = Of(target.StreamKey).Select(e => EventTrail.Entry(e).ForPack(names)).ToArray();
        // The model's technical file as of the same point: its statements, risks and acceptances are cited too.
        var fileTrail = fileEvents.Select(e => EventTrail.Entry(e).ForPack(names)).ToArray();
        var drawnFrom = Of(target.ModelId)
            .Concat(Of(target.StreamKey))
            .Concat(fileEvents)
            .Concat(earlier.SelectMany(v => v.Events))
            .Concat(training.Events)
            .Concat(validation.Events)
            .Concat(incidentEvents);
        return new EvidencePackInput(model, state, training.Dataset, validation.Dataset, trail, names, previous)
        {
            Documentation =
                fileEvents.Count == 0 ? null : PointInTime.Fold<TechnicalFile>(fileEvents, (f, e) => TechnicalFile.Evolve(f, e.Data)),
            DocumentationTrail = fileTrail,
            Incidents = incidents,
            LogProof = await log.PackProofAsync([.. trail.Concat(fileTrail).Select(e => e.Sequence).Order()], ct),
            Position = drawnFrom.Max(e => e.Sequence),
        };
    }

    /// <summary>The dataset a version's digest names, as registered by <paramref name="point"/> (null when it was not yet), with
    /// the events it was folded from.</summary>
    private async Task<(Dataset? Dataset, IReadOnlyList<IEvent> Events)> DatasetAsync(
        string? digest,
        LedgerPoint point,
        CancellationToken ct
    )
    {
        Dataset? current;
        await using (var session = store.QuerySession())
            current = await datasets.ResolveAsync(session, digest, ct);
        if (current is null)
            return (null, []);
        var events = await history.EventsAsync([current.Id], point.Position, ct);
        return (PointInTime.Fold<Dataset>(events, (d, e) => Dataset.Evolve(d, e.Data)), events);
    }
}
