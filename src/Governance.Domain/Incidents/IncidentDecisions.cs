using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;

namespace Governance.Domain.Incidents;

/// <summary>Record a serious incident with a model version.</summary>
/// <param name="IncidentId">Assigned by the ledger (a new UUID), not by the caller.</param>
public sealed record RecordSeriousIncident(
    string IncidentId,
    string? Description,
    IncidentCategory? Category,
    int? AffectedPersons,
    DateTimeOffset? AwareAt,
    string? Reason
);

/// <summary>Record that the incident was reported to the market surveillance authority.</summary>
public sealed record RecordIncidentReport(string? Authority, string? Reference, string? Reason);

/// <summary>Record a corrective action taken after the incident.</summary>
public sealed record RecordCorrectiveAction(string? Action, string? Reason);

/// <summary>
/// Serious incidents (EU AI Act Art. 73): the provider reports one to the market surveillance authority within 15 days of
/// becoming aware of it, 10 days after a death, 2 days for a widespread infringement or a serious and irreversible
/// disruption of critical infrastructure. The model's first line (its owner and delegates, as provider) and risk officers
/// record incidents, their reports and corrective actions.
/// </summary>
public static class IncidentDecisions
{
    /// <summary>The longest a report may wait after awareness, for each category (Art. 73(2)-(4)).</summary>
    public static TimeSpan ReportingPeriod(IncidentCategory category) =>
        category switch
        {
            IncidentCategory.Death => TimeSpan.FromDays(10),
            IncidentCategory.CriticalInfrastructureDisruption or IncidentCategory.WidespreadInfringement => TimeSpan.FromDays(2),
            _ => TimeSpan.FromDays(15),
        };

    /// <exception cref="GovernanceRuleException">Invalid fields (named); forbidden to anyone but the model's owner, its delegates
    /// and risk officers; conflict when the id is taken.</exception>
    public static SeriousIncidentRecorded Decide(
        RecordSeriousIncident command,
        Model model,
        ModelVersion version,
        SeriousIncident? existing,
        CommandContext context
    )
    {
        var check = new InputCheck()
            .Required(command.Description, "description", 4000, multiline: true)
            .Defined(command.Category, "category")
            .Optional(command.Reason, "reason", 2000, multiline: true);
        if (command.AffectedPersons is not >= 0)
            check.Fail("affectedPersons", "is required: the number of people known to be affected (0 when none is known yet)");
        if (command.AwareAt is null)
            check.Fail("awareAt", "is required: when the incident became known (ISO 8601 with offset), which starts the reporting period");
        else if (command.AwareAt > context.Now)
            check.Fail("awareAt", "lies in the future");
        check.ThrowIfAny();
        EnsureMayRecord(model, context.Actor);
        if (existing is not null)
            throw GovernanceRuleException.Conflict("incident.already_recorded", $"Incident {command.IncidentId} is already recorded.");
        return new SeriousIncidentRecorded(
            command.IncidentId,
            version.ModelId,
            version.Version,
            command.Description!.Trim(),
            command.Category!.Value,
            command.AffectedPersons!.Value,
            command.AwareAt!.Value,
            command.AwareAt!.Value + ReportingPeriod(command.Category.Value),
            context.Audit(
                string.IsNullOrWhiteSpace(command.Reason) ? "Serious incident recorded (EU AI Act Art. 73)" : command.Reason.Trim()
            )
        );
    }

    /// <exception cref="GovernanceRuleException">Invalid fields; not found; forbidden as for recording; conflict when already
    /// reported.</exception>
    public static SeriousIncidentReported Decide(
        RecordIncidentReport command,
        Model model,
        SeriousIncident? incident,
        CommandContext context
    )
    {
        new InputCheck()
            .Required(command.Authority, "authority", 200)
            .Required(command.Reference, "reference", 200)
            .Optional(command.Reason, "reason", 2000, multiline: true)
            .ThrowIfAny();
        var current = Require(incident);
        EnsureMayRecord(model, context.Actor);
        if (current.Report is not null)
            throw GovernanceRuleException.Conflict(
                "incident.already_reported",
                $"Incident {current.Id} was reported to {current.Report.Authority} on {current.Report.ReportedAt:u}."
            );
        return new SeriousIncidentReported(
            current.Id,
            command.Authority!.Trim(),
            command.Reference!.Trim(),
            context.Audit(
                string.IsNullOrWhiteSpace(command.Reason) ? "Reported to the market surveillance authority" : command.Reason.Trim()
            )
        );
    }

    /// <exception cref="GovernanceRuleException">Invalid fields; not found; forbidden as for recording.</exception>
    public static IncidentCorrectiveActionRecorded Decide(
        RecordCorrectiveAction command,
        Model model,
        SeriousIncident? incident,
        CommandContext context
    )
    {
        new InputCheck()
            .Required(command.Action, "action", 4000, multiline: true)
            .Optional(command.Reason, "reason", 2000, multiline: true)
            .ThrowIfAny();
        var current = Require(incident);
        EnsureMayRecord(model, context.Actor);
        return new IncidentCorrectiveActionRecorded(
            current.Id,
            command.Action!.Trim(),
            context.Audit(string.IsNullOrWhiteSpace(command.Reason) ? "Corrective action recorded" : command.Reason.Trim())
        );
    }

    private static void EnsureMayRecord(Model model, Actor actor)
    {
        if (actor.Role != Roles.RiskOfficer)
            ModelStewardship.EnsureSteward(model, actor, "record incidents with");
    }

    private static SeriousIncident Require(SeriousIncident? incident) =>
        incident ?? throw GovernanceRuleException.NotFound("incident.not_found", "There is no such incident.");
}
