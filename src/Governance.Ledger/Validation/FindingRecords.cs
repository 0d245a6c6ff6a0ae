using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Domain.Validation;
using Governance.Ledger.ModelVersions;
using Governance.Ledger.Writing;
using JasperFx.Events;
using Marten;
using Marten.Events.Aggregation;

namespace Governance.Ledger.Validation;

/// <summary>Each finding's tracking as a document, folded inline with the domain's <see cref="FindingTrack.Evolve"/>.</summary>
public sealed class FindingTrackProjection : SingleStreamProjection<FindingTrack, string>
{
    public FindingTrackProjection()
    {
        IncludeType<FindingAssigned>();
        IncludeType<FindingRemediationProposed>();
        IncludeType<FindingRemediationRejected>();
        IncludeType<FindingClosed>();
    }

    public override FindingTrack? Evolve(FindingTrack? snapshot, string id, IEvent e) => FindingTrack.Evolve(snapshot, e.Data);
}

/// <summary>
/// Validation findings as tracked items: assigned an owner and a due date, remediated by the owner with evidence, closed (or sent
/// back) by a validator independent of the owner and the model's first line. Every step through the one write path.
/// </summary>
public sealed class FindingRecords(IDocumentStore store, LedgerWriter writer)
{
    /// <summary>Who gives a finding an owner and due date: the second line.</summary>
    public static readonly IReadOnlyList<string> AssignRoles = [Roles.Validator, Roles.RiskOfficer];

    /// <summary>Who proposes a remediation: the first line (the finding's owner, or the model's owner or a delegate).</summary>
    public static readonly IReadOnlyList<string> RemediateRoles = [Roles.ModelOwner];

    /// <summary>Who judges a remediation (closes or sends back): validators.</summary>
    public static readonly IReadOnlyList<string> JudgeRoles = [Roles.Validator];

    /// <summary>Who reads the findings register: everyone who works on or audits models.</summary>
    public static readonly IReadOnlyList<string> ReadRoles =
    [
        Roles.ModelOwner,
        Roles.Validator,
        Roles.RiskOfficer,
        Roles.Auditor,
        Roles.Admin,
    ];

    /// <summary>Assigns (or reassigns) a finding.</summary>
    /// <exception cref="GovernanceRuleException">NotFound when the version or finding does not exist; the refusals of
    /// <see cref="FindingDecisions"/>.</exception>
    public Task<Written<TrackedFinding>> AssignAsync(
        VersionRef target,
        string findingId,
        AssignFinding command,
        CommandCall call,
        CancellationToken ct
    ) =>
        DecideAsync(
            target,
            findingId,
            call,
            AssignRoles,
            (_, version, track, context) => FindingDecisions.Decide(command, version, findingId, track, context),
            ct
        );

    /// <summary>The finding's owner proposes its remediation with evidence.</summary>
    public Task<Written<TrackedFinding>> ProposeRemediationAsync(
        VersionRef target,
        string findingId,
        ProposeRemediation command,
        CommandCall call,
        CancellationToken ct
    ) =>
        DecideAsync(
            target,
            findingId,
            call,
            RemediateRoles,
            (model, version, track, context) => FindingDecisions.Decide(command, model, version, findingId, track, context),
            ct
        );

    /// <summary>A validator sends the proposed remediation back.</summary>
    public Task<Written<TrackedFinding>> RejectRemediationAsync(
        VersionRef target,
        string findingId,
        RejectRemediation command,
        CommandCall call,
        CancellationToken ct
    ) =>
        DecideAsync(
            target,
            findingId,
            call,
            JudgeRoles,
            (model, version, track, context) => FindingDecisions.Decide(command, model, version, findingId, track, context),
            ct
        );

    /// <summary>A validator closes the finding.</summary>
    public Task<Written<TrackedFinding>> CloseAsync(
        VersionRef target,
        string findingId,
        CloseFinding command,
        CommandCall call,
        CancellationToken ct
    ) =>
        DecideAsync(
            target,
            findingId,
            call,
            JudgeRoles,
            (model, version, track, context) => FindingDecisions.Decide(command, model, version, findingId, track, context),
            ct
        );

    /// <summary>The findings of a version's latest validation with their tracking, in the validator's order.</summary>
    /// <exception cref="GovernanceRuleException">NotFound (<c>model_version.not_found</c>).</exception>
    public async Task<IReadOnlyList<TrackedFinding>> OfVersionAsync(VersionRef target, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var version = await session.LoadAsync<ModelVersion>(target.StreamKey, ct) ?? throw target.NotFound();
        return await TrackAsync(session, [version], ct);
    }

    /// <summary>The findings register: every finding of every version's latest validation that is not closed, soonest due first
    /// (unassigned ones last).</summary>
    public async Task<IReadOnlyList<TrackedFinding>> OpenAsync(CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var versions = await session.Query<ModelVersion>().Where(v => v.Validation != null).ToListAsync(ct);
        return (await TrackAsync(session, versions, ct))
            .Where(f => f.Status != TrackedFindingStatus.Closed)
            .OrderBy(f => f.Track?.DueAt ?? DateTimeOffset.MaxValue)
            .ThenBy(f => f.ModelId, StringComparer.Ordinal)
            .ThenBy(f => f.Version, StringComparer.Ordinal)
            .ToArray();
    }

    private static async Task<IReadOnlyList<TrackedFinding>> TrackAsync(
        IQuerySession session,
        IReadOnlyList<ModelVersion> versions,
        CancellationToken ct
    )
    {
        var findings = versions.SelectMany(v => (v.Validation?.Findings ?? []).Select(f => (Version: v, Finding: f))).ToArray();
        var keys = findings.Select(f => FindingTrack.StreamKey(f.Version.ModelId, f.Version.Version, f.Finding.Id)).ToArray();
        var tracks = keys.Length == 0 ? [] : (await session.LoadManyAsync<FindingTrack>(ct, keys)).ToDictionary(t => t.Id);
        var result = new List<TrackedFinding>(findings.Length);
        for (var i = 0; i < findings.Length; i++)
        {
            var track = tracks.GetValueOrDefault(keys[i]);
            var streamVersion = track is null ? 0 : (await session.Events.FetchStreamStateAsync(keys[i], ct))?.Version ?? 0;
            result.Add(
                new TrackedFinding(findings[i].Version.ModelId, findings[i].Version.Version, findings[i].Finding, track, streamVersion)
            );
        }
        return result;
    }

    private async Task<Written<TrackedFinding>> DecideAsync(
        VersionRef target,
        string findingId,
        CommandCall call,
        IReadOnlyList<string> roles,
        Func<Model, ModelVersion, FindingTrack?, CommandContext, object> decide,
        CancellationToken ct
    )
    {
        Model model;
        ModelVersion version;
        await using (var session = store.QuerySession())
        {
            model = await session.LoadAsync<Model>(target.ModelId, ct) ?? throw target.NotFound();
            version = await session.LoadAsync<ModelVersion>(target.StreamKey, ct) ?? throw target.NotFound();
        }
        var finding =
            version.Validation?.Findings.FirstOrDefault(f => f.Id == findingId)
            ?? throw GovernanceRuleException.NotFound(
                "finding.not_found",
                $"The latest validation of {target.ModelId} {target.Version} has no finding '{findingId}'."
            );
        return await writer.DecideAsync<FindingTrack, TrackedFinding>(
            FindingTrack.StreamKey(target.ModelId, target.Version, finding.Id),
            FindingTrack.Evolve,
            call,
            roles,
            (track, context) => decide(model, version, track, context),
            w => new TrackedFinding(target.ModelId, target.Version, finding, w.After, w.Version),
            ct
        );
    }
}
