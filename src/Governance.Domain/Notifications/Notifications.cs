using Governance.Domain.Approvals;
using Governance.Domain.Discussion;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Monitoring;
using Governance.Domain.Shared;
using Governance.Domain.Validation;

namespace Governance.Domain.Notifications;

/// <summary>What a notification is about; each kind can be sent by e-mail too, as the person chooses.</summary>
public enum NotificationKind
{
    /// <summary>An approval awaits this risk officer's decision, or a version this validator's opinion.</summary>
    ReviewAssigned,

    /// <summary>A granted approval ends within <see cref="NotificationRules.ExpiryHorizon"/>.</summary>
    ApprovalExpiring,

    /// <summary>A finding this person owns or validates is due soon or overdue.</summary>
    FindingDue,

    /// <summary>A monitoring report breached an approval's signed plan: a breach review awaits a risk officer, or a warning
    /// was recorded (<see cref="NotificationRules.Breaches"/>).</summary>
    Breach,

    /// <summary>A comment on an approval's discussion names this person (<see cref="NotificationRules.Mentions"/>).</summary>
    Mentioned,
}

/// <summary>One notification for one person. <paramref name="Id"/> is stable for the same fact in the same state (so read state
/// and e-mails are kept per id) and changes when the state does (a finding turning overdue is a new notification).</summary>
/// <param name="Link">The UI address that opens the matter (a path such as <c>/approvals/{id}</c>).</param>
/// <param name="At">When the matter arose (requested, due, ...), for ordering newest first.</param>
public sealed record Notification(string Id, NotificationKind Kind, string Title, string Link, DateTimeOffset At);

/// <summary>Who notifications are for: a person's namespaced subject and the roles they hold now.</summary>
public sealed record Recipient(string SubjectId, IReadOnlyCollection<string> Roles);

/// <summary>
/// Which notifications a person gets, from the ledger's current state and the time now (read once by the caller from the
/// injected clock): pure, so that each rule is tested without a database or waiting.
/// </summary>
public static class NotificationRules
{
    /// <summary>Approvals ending within 30 days are announced.</summary>
    public static readonly TimeSpan ExpiryHorizon = TimeSpan.FromDays(30);

    /// <summary>Approvals awaiting a decision the risk officer may take (not conflicted on the version, not already signed by
    /// them), and versions awaiting validation the validator may validate (neither the owner, a delegate nor the registrant).</summary>
    public static IEnumerable<Notification> Reviews(Recipient person, IEnumerable<(Model Model, ModelVersion Version)> versions)
    {
        var officer = person.Roles.Contains(Roles.RiskOfficer);
        var validator = person.Roles.Contains(Roles.Validator);
        foreach (var (model, version) in versions)
        {
            if (
                validator
                && version.Status == ModelVersionStatus.ValidationSubmitted
                && version.ValidationSubmission is { } submission
                && !model.IsSteward(person.SubjectId)
                && person.SubjectId != version.ModelOwnerId
                && person.SubjectId != version.RegisteredBy.SubjectId
            )
                yield return new Notification(
                    $"validation:{version.Id}:{submission.SubmittedAt.ToUnixTimeMilliseconds()}",
                    NotificationKind.ReviewAssigned,
                    $"{version.ModelId} {version.Version} awaits your independent validation",
                    "/validation",
                    submission.SubmittedAt
                );
            if (!officer)
                continue;
            foreach (var a in version.Approvals.Where(a => a.Status == ApprovalStatus.Pending))
                if (
                    a.SignOffs.All(s => s.Officer.SubjectId != person.SubjectId)
                    && SegregationOfDuties.Conflict(model, version, a, person.SubjectId, OfficerDecision.Approve) is null
                )
                    yield return new Notification(
                        $"review:{a.Id}",
                        NotificationKind.ReviewAssigned,
                        $"Approval of {a.ModelId} {a.Version} for {a.Environment} awaits your decision",
                        $"/approvals/{Uri.EscapeDataString(a.Id)}",
                        a.RequestedAt
                    );
        }
    }

    /// <summary>Granted approvals still valid at <paramref name="now"/> that end within <see cref="ExpiryHorizon"/>: for risk
    /// officers, and for the model's owner and delegates.</summary>
    public static IEnumerable<Notification> Expiring(
        Recipient person,
        IEnumerable<(Model Model, ModelVersion Version)> versions,
        DateTimeOffset now
    )
    {
        var officer = person.Roles.Contains(Roles.RiskOfficer);
        foreach (var (model, version) in versions)
        {
            if (!officer && !model.IsSteward(person.SubjectId))
                continue;
            foreach (var a in version.Approvals)
                if (a.ExpiresWithin(now, ExpiryHorizon) && a.ExpiresAt is { } until)
                    yield return new Notification(
                        $"expiring:{a.Id}:{until.ToUnixTimeSeconds()}",
                        NotificationKind.ApprovalExpiring,
                        $"Approval of {a.ModelId} {a.Version} for {a.Environment} expires {until.UtcDateTime:yyyy-MM-dd}",
                        officer ? $"/approvals/{Uri.EscapeDataString(a.Id)}" : $"/models/{Uri.EscapeDataString(a.ModelId)}",
                        until - ExpiryHorizon
                    );
        }
    }

    /// <summary>Findings due within <see cref="FindingTrack.DueSoon"/> or overdue: for the finding's owner, and for validators.</summary>
    public static IEnumerable<Notification> FindingsDue(Recipient person, IEnumerable<TrackedFinding> findings, DateTimeOffset now)
    {
        var validator = person.Roles.Contains(Roles.Validator);
        foreach (var f in findings)
        {
            if (f.Track is not { } track || (!validator && track.OwnerId != person.SubjectId))
                continue;
            var state = f.DueStateAt(now);
            if (state is not (FindingDueState.DueSoon or FindingDueState.Overdue))
                continue;
            yield return new Notification(
                $"finding:{track.Id}:{state}:{track.DueAt.ToUnixTimeSeconds()}",
                NotificationKind.FindingDue,
                $"Finding {f.Finding.Id} of {f.ModelId} {f.Version} is {(state == FindingDueState.Overdue ? "overdue" : "due")} "
                    + $"({track.DueAt.UtcDateTime:yyyy-MM-dd}): {f.Finding.Title}",
                "/findings",
                state == FindingDueState.Overdue ? track.DueAt : track.DueAt - FindingTrack.DueSoon
            );
        }
    }

    /// <summary>
    /// Monitoring breaches of granted approvals (EU AI Act Art. 72): an open breach review (under review or suspended) and a
    /// warning breach, the latter until the next report is due (its time plus the plan's cadence). For the people the signed
    /// plan's <see cref="MonitoringPlan.Alert"/> names (a subject id, or a role the person holds) and for the risk officers who
    /// may resolve a review of it (independent of the version under <see cref="SegregationOfDuties"/>). The officers who may
    /// resolve an open review are sent to the approval, where they resolve it; everyone else to the version's monitoring page.
    /// A review's notification changes when another breaching report is added to it.
    /// </summary>
    public static IEnumerable<Notification> Breaches(
        Recipient person,
        IEnumerable<(Model Model, ModelVersion Version)> versions,
        DateTimeOffset now
    )
    {
        var officer = person.Roles.Contains(Roles.RiskOfficer);
        foreach (var (model, version) in versions)
        foreach (var a in version.Approvals)
        {
            if (a.Status != ApprovalStatus.Approved || a.MonitoringPlan is not { } plan)
                continue;
            var resolver = officer && SegregationOfDuties.Conflict(model, version, a, person.SubjectId, OfficerDecision.Resolve) is null;
            if (!resolver && !plan.Alert.Any(named => named == person.SubjectId || person.Roles.Contains(named)))
                continue;
            var subject = $"{a.ModelId} {a.Version} in {a.Environment}";
            var monitoring = MonitoringLink(a.ModelId, a.Version, a.Environment);
            if (a.OpenReview is { } review)
            {
                var breaches = a.Breaches.Where(b => b.ReviewId == review.Id).ToArray();
                yield return new Notification(
                    $"breach-review:{review.Id}:{review.ReportIds.Count}",
                    NotificationKind.Breach,
                    $"{subject} breached its monitoring plan ({Breaching(breaches)}): "
                        + (review.Action == BreachAction.Suspend ? "approval suspended" : "approval under review")
                        + (resolver ? ", awaiting your resolution" : ""),
                    resolver ? $"/approvals/{Uri.EscapeDataString(a.Id)}#breach-review" : monitoring,
                    breaches.Length == 0 ? review.OpenedAt : breaches[^1].At
                );
            }
            foreach (var b in a.Breaches.Where(b => b.Action == BreachAction.Warn && now < b.At.AddDays(plan.CadenceDays)))
                yield return new Notification(
                    $"breach:{a.Id}:{b.ReportId}",
                    NotificationKind.Breach,
                    $"{subject} breached its monitoring plan ({Breaching([b])}): warning recorded, the approval stands",
                    monitoring,
                    b.At
                );
        }
    }

    /// <summary>How long a mention stands in the person's inbox after the comment was posted.</summary>
    public static readonly TimeSpan MentionHorizon = TimeSpan.FromDays(30);

    /// <summary>
    /// Comments that name <paramref name="person"/> in their mentions, posted by someone else within
    /// <see cref="MentionHorizon"/> before <paramref name="now"/> and not superseded since (a correction that still names the
    /// person is a notification of its own). The link opens the approval's discussion.
    /// </summary>
    public static IEnumerable<Notification> Mentions(Recipient person, IEnumerable<ApprovalDiscussion> discussions, DateTimeOffset now)
    {
        foreach (var discussion in discussions)
        foreach (var c in discussion.Current)
            if (c.Mentions.Contains(person.SubjectId) && c.Author.SubjectId != person.SubjectId && now - c.At < MentionHorizon)
                yield return new Notification(
                    $"mention:{c.Id}",
                    NotificationKind.Mentioned,
                    $"You were mentioned on the approval of {discussion.ModelId} {discussion.Version}: \"{Excerpt(c.Text)}\"",
                    $"/approvals/{Uri.EscapeDataString(discussion.ApprovalId)}#discussion",
                    c.At
                );
    }

    /// <summary>A comment on one line, cut to 80 characters (plain ASCII marks, as it also heads an e-mail).</summary>
    private static string Excerpt(string text)
    {
        var line = string.Join(' ', text.Split((char[])['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim();
        if (line.Length <= 80)
            return line;
        var cut = char.IsHighSurrogate(line[76]) ? 76 : 77; // never half a surrogate pair
        return string.Concat(line.AsSpan(0, cut), "...");
    }

    /// <summary>The UI address of a version's monitoring in one environment.</summary>
    public static string MonitoringLink(string modelId, string version, string environment) =>
        $"/models/{Uri.EscapeDataString(modelId)}/versions/{Uri.EscapeDataString(version)}/monitoring/{Uri.EscapeDataString(environment)}";

    private static string Breaching(IEnumerable<MonitoringBreach> breaches) =>
        string.Join(", ", breaches.SelectMany(b => b.Features).Select(f => f.Feature).Distinct());
}
