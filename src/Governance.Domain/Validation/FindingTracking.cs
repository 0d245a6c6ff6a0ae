using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;

namespace Governance.Domain.Validation;

/// <summary>Where a tracked finding stands: open with its owner, remediation proposed by the owner, or closed by a validator.</summary>
public enum TrackedFindingStatus
{
    Open,
    RemediationProposed,
    Closed,
}

/// <summary>How a validator closed a finding: the remediation evidence was accepted, or the risk was accepted without one.</summary>
public enum FindingResolution
{
    Remediated,
    RiskAccepted,
}

/// <summary>How a finding's due date stands against now: none set, on time, due within <see cref="FindingTrack.DueSoon"/>, or
/// past due while not closed.</summary>
public enum FindingDueState
{
    NoDueDate,
    OnTime,
    DueSoon,
    Overdue,
    Closed,
}

/// <summary>A validator or risk officer gives finding <paramref name="FindingId"/> of a version's latest validation an owner
/// (subject id) to remediate it by <paramref name="DueAt"/>; given again, it reassigns.</summary>
public sealed record FindingAssigned(string ModelId, string Version, string FindingId, string OwnerId, DateTimeOffset DueAt, Audit Audit)
    : ILedgerEvent;

/// <summary>The finding's owner proposes its remediation: what was done (<paramref name="Evidence"/>), and optionally where the
/// evidence is (<paramref name="EvidenceUri"/>) and its SHA-256 (<paramref name="EvidenceDigest"/>).</summary>
public sealed record FindingRemediationProposed(
    string ModelId,
    string Version,
    string FindingId,
    string Evidence,
    string? EvidenceUri,
    string? EvidenceDigest,
    Audit Audit
) : ILedgerEvent;

/// <summary>A validator finds the proposed remediation insufficient (the reason says why): the finding is open again.</summary>
public sealed record FindingRemediationRejected(string ModelId, string Version, string FindingId, Audit Audit) : ILedgerEvent;

/// <summary>A validator, independent of the finding's owner and the model's first line, closes the finding.</summary>
public sealed record FindingClosed(string ModelId, string Version, string FindingId, FindingResolution Resolution, Audit Audit)
    : ILedgerEvent;

/// <summary>Assign (or reassign) a finding: owner subject id and due date.</summary>
public sealed record AssignFinding(string? OwnerId, DateTimeOffset? DueAt, string? Reason);

/// <summary>The owner's remediation: a description of what was done and optional evidence location and SHA-256.</summary>
public sealed record ProposeRemediation(string? Evidence, string? EvidenceUri, string? EvidenceDigest);

/// <summary>The validator's refusal of a proposed remediation, with the reason.</summary>
public sealed record RejectRemediation(string? Reason);

/// <summary>The validator's closure, with the resolution and the reason.</summary>
public sealed record CloseFinding(FindingResolution? Resolution, string? Reason);

/// <summary>One remediation proposed for a finding, as recorded.</summary>
public sealed record Remediation(string Evidence, string? EvidenceUri, string? EvidenceDigest, Actor ProposedBy, DateTimeOffset At);

/// <summary>One step of a finding's tracking (assigned, remediation proposed, rejected, closed), for its history.</summary>
public sealed record FindingStep(string What, Actor By, DateTimeOffset At, string Reason);

/// <summary>
/// The tracking of one finding of a version's validation, on a stream of its own (<see cref="StreamKey"/>) under the version's
/// stream key, so that the model's timeline and transparency log include it while the version's stream (and the approval
/// lookup's ETag) do not move when a finding is worked on. The finding itself (severity, title) stays in the validation.
/// </summary>
public sealed record FindingTrack
{
    /// <summary>How long before its due date a finding counts as due soon: 14 days.</summary>
    public static readonly TimeSpan DueSoon = TimeSpan.FromDays(14);

    public required string Id { get; init; }
    public required string ModelId { get; init; }
    public required string Version { get; init; }
    public required string FindingId { get; init; }
    public required string OwnerId { get; init; }
    public required DateTimeOffset DueAt { get; init; }
    public TrackedFindingStatus Status { get; init; }
    public FindingResolution? Resolution { get; init; }
    public IReadOnlyList<Remediation> Remediations { get; init; } = [];
    public IReadOnlyList<FindingStep> History { get; init; } = [];

    /// <summary>The finding's stream: <c>{model}@{version}#finding-{findingId}</c>.</summary>
    public static string StreamKey(string modelId, string version, string findingId) =>
        $"{ModelVersion.StreamKey(modelId, version)}#finding-{findingId}";

    /// <summary>Folds the tracking events; the first must be <see cref="FindingAssigned"/>.</summary>
    public static FindingTrack? Evolve(FindingTrack? state, object @event) =>
        @event switch
        {
            FindingAssigned a => (
                state
                ?? new FindingTrack
                {
                    Id = StreamKey(a.ModelId, a.Version, a.FindingId),
                    ModelId = a.ModelId,
                    Version = a.Version,
                    FindingId = a.FindingId,
                    OwnerId = a.OwnerId,
                    DueAt = a.DueAt,
                }
            ) with
            {
                OwnerId = a.OwnerId,
                DueAt = a.DueAt,
                History = [.. state?.History ?? [], Step($"Assigned to {a.OwnerId}, due {a.DueAt:yyyy-MM-dd}", a.Audit)],
            },
            FindingRemediationProposed p when state is not null => state with
            {
                Status = TrackedFindingStatus.RemediationProposed,
                Remediations =
                [
                    .. state.Remediations,
                    new Remediation(p.Evidence, p.EvidenceUri, p.EvidenceDigest, p.Audit.Actor, p.Audit.At),
                ],
                History = [.. state.History, Step("Remediation proposed", p.Audit)],
            },
            FindingRemediationRejected r when state is not null => state with
            {
                Status = TrackedFindingStatus.Open,
                History = [.. state.History, Step("Remediation rejected", r.Audit)],
            },
            FindingClosed c when state is not null => state with
            {
                Status = TrackedFindingStatus.Closed,
                Resolution = c.Resolution,
                History =
                [
                    .. state.History,
                    Step(c.Resolution == FindingResolution.Remediated ? "Closed: remediated" : "Closed: risk accepted", c.Audit),
                ],
            },
            _ => state,
        };

    private static FindingStep Step(string what, Audit audit) => new(what, audit.Actor, audit.At, audit.Reason);

    /// <summary>The due state at <paramref name="now"/>.</summary>
    public FindingDueState DueStateAt(DateTimeOffset now) => DueStateOf(Status, DueAt, now);

    /// <summary>The due state of a finding in <paramref name="status"/> due at <paramref name="dueAt"/> (null: no date).</summary>
    public static FindingDueState DueStateOf(TrackedFindingStatus status, DateTimeOffset? dueAt, DateTimeOffset now) =>
        status == TrackedFindingStatus.Closed ? FindingDueState.Closed
        : dueAt is not { } due ? FindingDueState.NoDueDate
        : due < now ? FindingDueState.Overdue
        : due - now <= DueSoon ? FindingDueState.DueSoon
        : FindingDueState.OnTime;
}

/// <summary>A finding of a version's latest validation with its tracking, if any: what the findings register shows.</summary>
/// <param name="Finding">As the validator recorded it.</param>
/// <param name="Track">Its tracking; null until assigned.</param>
/// <param name="StreamVersion">The tracking stream's version (0 until assigned), for a page's expected version.</param>
public sealed record TrackedFinding(string ModelId, string Version, ValidationFinding Finding, FindingTrack? Track, long StreamVersion = 0)
{
    /// <summary>The tracking status; before assignment, open unless the validator recorded it remediated or accepted.</summary>
    public TrackedFindingStatus Status =>
        Track?.Status ?? (Finding.Status == FindingStatus.Open ? TrackedFindingStatus.Open : TrackedFindingStatus.Closed);

    public FindingDueState DueStateAt(DateTimeOffset now) => FindingTrack.DueStateOf(Status, Track?.DueAt, now);
}

/// <summary>Deciders of finding tracking (SR 11-7 / SR 26-2: issues found by validation are tracked to remediation and closed by
/// the validation function, not by the model's developers).</summary>
public static class FindingDecisions
{
    public const int MaxEvidence = 10_000;

    /// <summary>Assigns <paramref name="findingId"/> of <paramref name="version"/>'s latest validation.</summary>
    /// <exception cref="GovernanceRuleException">Invalid input (<c>ownerId</c>, <c>dueAt</c> required; the due date after now);
    /// NotFound (<c>finding.not_found</c>); Conflict (<c>finding.closed</c>).</exception>
    public static FindingAssigned Decide(
        AssignFinding command,
        ModelVersion version,
        string findingId,
        FindingTrack? track,
        CommandContext context
    )
    {
        var check = new InputCheck().Required(command.OwnerId, "ownerId", 200).Optional(command.Reason, "reason", 2000, multiline: true);
        if (command.DueAt is not { } due)
            check.Fail("dueAt", "is required");
        else if (due <= context.Now)
            check.Fail("dueAt", "must be in the future");
        check.ThrowIfAny();
        var finding = Require(version, findingId);
        EnsureNotClosed(track, finding);
        var owner = command.OwnerId!.Trim();
        return new FindingAssigned(
            version.ModelId,
            version.Version,
            finding.Id,
            owner,
            command.DueAt!.Value,
            context.Audit(command.Reason?.Trim() is { Length: > 0 } reason ? reason : $"Finding {finding.Id} assigned to {owner}")
        );
    }

    /// <summary>The finding's owner, or the model's owner or a delegate, proposes its remediation.</summary>
    /// <exception cref="GovernanceRuleException">Invalid input (<c>evidence</c> required; <c>evidenceUri</c> absolute;
    /// <c>evidenceDigest</c> SHA-256); NotFound; Conflict (<c>finding.not_assigned</c>, <c>finding.closed</c>); Forbidden
    /// (<c>finding.not_owner</c>).</exception>
    public static FindingRemediationProposed Decide(
        ProposeRemediation command,
        Model model,
        ModelVersion version,
        string findingId,
        FindingTrack? track,
        CommandContext context
    )
    {
        var check = new InputCheck()
            .Required(command.Evidence, "evidence", MaxEvidence, multiline: true)
            .Optional(command.EvidenceUri, "evidenceUri", 2000);
        if (command.EvidenceUri is not null && !Uri.TryCreate(command.EvidenceUri, UriKind.Absolute, out _))
            check.Fail("evidenceUri", "must be an absolute URI");
        if (command.EvidenceDigest is not null)
            check.Sha256(command.EvidenceDigest, "evidenceDigest");
        check.ThrowIfAny();
        var finding = Require(version, findingId);
        var assigned = RequireAssigned(track, finding);
        EnsureNotClosed(assigned, finding);
        if (context.Actor.SubjectId != assigned.OwnerId && !model.IsSteward(context.Actor.SubjectId))
            throw GovernanceRuleException.Forbidden(
                "finding.not_owner",
                $"Only the finding's owner ({assigned.OwnerId}) or the model's owner or a delegate can propose its remediation."
            );
        return new FindingRemediationProposed(
            version.ModelId,
            version.Version,
            finding.Id,
            command.Evidence!.Trim(),
            command.EvidenceUri,
            command.EvidenceDigest is null ? null : Digest.Normalize(command.EvidenceDigest),
            context.Audit($"Remediation of finding {finding.Id} proposed")
        );
    }

    /// <summary>A validator sends a proposed remediation back: the finding is open again.</summary>
    /// <exception cref="GovernanceRuleException">Invalid input (<c>reason</c> required); NotFound; Conflict
    /// (<c>finding.no_remediation_proposed</c>); Forbidden by segregation of duties (see <see cref="EnsureIndependent"/>).</exception>
    public static FindingRemediationRejected Decide(
        RejectRemediation command,
        Model model,
        ModelVersion version,
        string findingId,
        FindingTrack? track,
        CommandContext context
    )
    {
        new InputCheck().Required(command.Reason, "reason", 2000, multiline: true).ThrowIfAny();
        var finding = Require(version, findingId);
        var assigned = RequireAssigned(track, finding);
        if (assigned.Status != TrackedFindingStatus.RemediationProposed)
            throw GovernanceRuleException.Conflict(
                "finding.no_remediation_proposed",
                $"Finding {finding.Id} is {assigned.Status}: there is no proposed remediation to reject."
            );
        EnsureIndependent(model, version, assigned, context.Actor);
        return new FindingRemediationRejected(version.ModelId, version.Version, finding.Id, context.Audit(command.Reason!.Trim()));
    }

    /// <summary>A validator closes the finding: <see cref="FindingResolution.Remediated"/> accepts the proposed remediation,
    /// <see cref="FindingResolution.RiskAccepted"/> closes it without one.</summary>
    /// <exception cref="GovernanceRuleException">Invalid input (<c>resolution</c>, <c>reason</c> required); NotFound; Conflict
    /// (<c>finding.not_assigned</c>, <c>finding.closed</c>, <c>finding.no_remediation_proposed</c> when remediated without a
    /// proposal); Forbidden by segregation of duties (see <see cref="EnsureIndependent"/>).</exception>
    public static FindingClosed Decide(
        CloseFinding command,
        Model model,
        ModelVersion version,
        string findingId,
        FindingTrack? track,
        CommandContext context
    )
    {
        new InputCheck().Defined(command.Resolution, "resolution").Required(command.Reason, "reason", 2000, multiline: true).ThrowIfAny();
        var finding = Require(version, findingId);
        var assigned = RequireAssigned(track, finding);
        EnsureNotClosed(assigned, finding);
        if (command.Resolution == FindingResolution.Remediated && assigned.Status != TrackedFindingStatus.RemediationProposed)
            throw GovernanceRuleException.Conflict(
                "finding.no_remediation_proposed",
                $"Finding {finding.Id} has no proposed remediation to accept; close it as RiskAccepted or wait for the owner's evidence."
            );
        EnsureIndependent(model, version, assigned, context.Actor);
        return new FindingClosed(
            version.ModelId,
            version.Version,
            finding.Id,
            command.Resolution!.Value,
            context.Audit(command.Reason!.Trim())
        );
    }

    /// <summary>
    /// Segregation of duties for judging a finding's remediation: not its owner (<c>segregation_of_duties.finding_owner</c>),
    /// not whoever proposed the remediation under judgement (<c>…remediation_proposer</c>), not the model's owner or a delegate
    /// (<c>…validator_is_model_owner</c>, <c>…validator_is_delegate</c>) nor the version's registrant
    /// (<c>…validator_is_developer</c>).
    /// </summary>
    private static void EnsureIndependent(Model model, ModelVersion version, FindingTrack track, Actor actor)
    {
        var who = actor.SubjectId;
        if (who == track.OwnerId)
            throw GovernanceRuleException.Forbidden(
                "segregation_of_duties.finding_owner",
                "The finding's owner cannot judge its remediation: a validator independent of the owner must."
            );
        if (track.Status == TrackedFindingStatus.RemediationProposed && track.Remediations[^1].ProposedBy.SubjectId == who)
            throw GovernanceRuleException.Forbidden(
                "segregation_of_duties.remediation_proposer",
                "Whoever proposed the remediation cannot judge it."
            );
        if (who == model.OwnerId || who == version.ModelOwnerId)
            throw GovernanceRuleException.Forbidden(
                "segregation_of_duties.validator_is_model_owner",
                "The model owner cannot close findings on their own model."
            );
        if (model.Delegates.Contains(who))
            throw GovernanceRuleException.Forbidden(
                "segregation_of_duties.validator_is_delegate",
                "A delegate of the model owner cannot close findings on the model."
            );
        if (who == version.RegisteredBy.SubjectId)
            throw GovernanceRuleException.Forbidden(
                "segregation_of_duties.validator_is_developer",
                "Whoever registered this model version cannot close its findings."
            );
    }

    private static ValidationFinding Require(ModelVersion version, string findingId) =>
        version.Validation?.Findings.FirstOrDefault(f => f.Id == findingId)
        ?? throw GovernanceRuleException.NotFound(
            "finding.not_found",
            $"The latest validation of {version.ModelId} {version.Version} has no finding '{findingId}'."
        );

    private static FindingTrack RequireAssigned(FindingTrack? track, ValidationFinding finding) =>
        track
        ?? throw GovernanceRuleException.Conflict(
            "finding.not_assigned",
            $"Finding {finding.Id} has no owner yet: a validator or risk officer assigns it first."
        );

    private static void EnsureNotClosed(FindingTrack? track, ValidationFinding finding)
    {
        // A finding the validator recorded as remediated or accepted was never open to track.
        if (track?.Status == TrackedFindingStatus.Closed || (track is null && finding.Status != FindingStatus.Open))
            throw GovernanceRuleException.Conflict("finding.closed", $"Finding {finding.Id} is closed.");
    }
}
