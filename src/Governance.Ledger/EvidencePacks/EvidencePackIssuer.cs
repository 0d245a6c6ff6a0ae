using Governance.Documents.EvidencePacks;
using Governance.Domain.EvidencePacks;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Domain.TechnicalDocumentation;
using Governance.Ledger.AuditTrail;
using Governance.Ledger.Datasets;
using Governance.Ledger.ModelVersions;
using Governance.Ledger.People;
using Governance.Ledger.TechnicalDocumentation;
using Governance.Ledger.Writing;
using Marten;

namespace Governance.Ledger.EvidencePacks;

/// <summary>A rendered pack as issued: the PDF bytes, their SHA-256 (as recorded) and a file name.</summary>
public sealed record IssuedPdf(byte[] Pdf, string Sha256, string FileName);

/// <summary>One issued pack as listed for re-verification: kind, digest, size, pages, ledger position, who and when.</summary>
public sealed record IssuedPack(
    string Kind,
    string Sha256,
    long SizeBytes,
    int Pages,
    long LedgerPosition,
    Actor IssuedTo,
    DateTimeOffset IssuedAt
);

/// <summary>
/// A render took longer than its budget (<see cref="LedgerOptions.EvidencePackRenderBudget"/>) and was stopped; nothing was
/// recorded. The server's problem, not the caller's: worth retrying later.
/// </summary>
public sealed class RenderBudgetExceededException(string kind, TimeSpan budget)
    : Exception($"The {kind} evidence pack did not render within its budget of {budget.TotalSeconds:0.###} s; nothing was recorded.");

/// <summary>
/// Evidence packs (EU AI Act Annex IV, SR 11-7 / SS1/23, model card) drawn from the ledger: each issue is recorded with
/// the SHA-256 of the exact bytes, in its own stream so that issuing does not change the version's state. Each render has
/// a time budget (<paramref name="renderBudget"/>, measured with <paramref name="clock"/>) so that no input can keep a core
/// busy for long.
/// </summary>
public sealed class EvidencePackIssuer(
    IDocumentStore store,
    LedgerWriter writer,
    DatasetRegister datasets,
    IPeopleDirectory people,
    Transparency.TransparencyLog log,
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

    /// <summary>Renders a pack of <paramref name="kind"/> (its slug) at the version's current position and records who was issued which
    /// bytes.</summary>
    /// <exception cref="GovernanceRuleException">Invalid kind; version or model not found; the caller is not an auditor, a risk
    /// officer or the model's owner or delegate.</exception>
    /// <exception cref="RenderBudgetExceededException">The render took longer than the budget; nothing was recorded.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled (the caller went away); the render stops
    /// and nothing is recorded.</exception>
    public async Task<IssuedPdf> IssueAsync(VersionRef target, string kind, CommandCall call, CancellationToken ct)
    {
        var packKind =
            EvidencePack.FromSlug(kind)
            ?? throw GovernanceRuleException.InvalidField(
                "kind",
                $"must be one of: {string.Join(", ", Enum.GetValues<EvidencePackKind>().Select(EvidencePack.Slug))}"
            );
        await using var write = writer.BeginAppend(EvidencePackIssued.StreamKey(target.ModelId, target.Version), call, Roles);
        var input = await InputAsync(target, ct);
        if (write.Context.Actor.Role == Domain.Shared.Roles.ModelOwner)
            ModelStewardship.EnsureSteward(input.Model, write.Context.Actor, "be issued evidence packs of");
        var slug = EvidencePack.Slug(packKind);
        var (pdf, pages) = Render(packKind, slug, input, ct);
        var digest = Digest.OfBytes(pdf);
        write.Append(
            new EvidencePackIssued(
                target.ModelId,
                target.Version,
                slug,
                digest,
                pdf.LongLength,
                pages,
                input.LedgerPosition,
                write.Context.Audit($"Evidence pack {slug} issued")
            )
        );
        await write.CommitAsync(digest, ct);
        return new IssuedPdf(pdf, digest, $"{target.ModelId}-{target.Version}-{slug}.pdf");
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
            .Select(p => new IssuedPack(p.Kind, p.Sha256, p.SizeBytes, p.Pages, p.LedgerPosition, p.Audit.Actor, p.Audit.At))
            .ToArray();
    }

    /// <summary>The ledger facts a pack is drawn from, read at the version's current stream position.</summary>
    /// <exception cref="GovernanceRuleException">Version or model not found.</exception>
    public async Task<EvidencePackInput> InputAsync(VersionRef target, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var state = await session.LoadAsync<ModelVersion>(target.StreamKey, ct) ?? throw target.NotFound();
        var model =
            await session.LoadAsync<Model>(target.ModelId, ct)
            ?? throw GovernanceRuleException.NotFound("model.not_found", $"Model '{target.ModelId}' is not registered.");
        var names = await people.NamesAsync(ct);
        var trail = (await EventTrail.StreamTrailAsync(session, state.Id, ct)).Select(e => e.ForPack(names)).ToArray();
        // The model's technical file as read in the same session: its statements, risks and acceptances are cited too.
        var fileTrail = (await EventTrail.StreamTrailAsync(session, TechnicalFile.StreamKey(model.Id), ct))
            .Select(e => e.ForPack(names))
            .ToArray();
        var file = fileTrail.Length == 0 ? null : await TechnicalFileRecords.ReadAsync(session, model.Id, ct);
        var asOf = trail.Length == 0 ? state.RegisteredAt : trail[^1].At;
        // The benchmark: the latest earlier version with evidence recorded by this stream's last event, so that the same ledger
        // position still gives the same pack when evidence is later added to an earlier version.
        var previous = (
            await session
                .Query<ModelVersion>()
                .Where(v => v.ModelId == model.Id && v.RegisteredAt < state.RegisteredAt)
                .OrderBy(v => v.RegisteredAt)
                .ToListAsync(ct)
        )
            .Select(v => v with { Evidence = v.Evidence.Where(e => e.RecordedAt <= asOf).ToArray() })
            .LastOrDefault(v => v.Evidence.Count > 0);
        return new EvidencePackInput(
            model,
            state,
            await datasets.ResolveAsync(session, state.TrainingDatasetDigest, ct),
            await datasets.ResolveAsync(session, state.ValidationDatasetDigest, ct),
            trail,
            names,
            previous
        )
        {
            Documentation = file,
            DocumentationTrail = fileTrail,
            LogProof = await log.PackProofAsync([.. trail.Concat(fileTrail).Select(e => e.Sequence).Order()], ct),
        };
    }
}
