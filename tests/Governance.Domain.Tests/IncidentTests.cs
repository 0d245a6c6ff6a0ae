using Governance.Domain.Incidents;
using Governance.Domain.Shared;
using static Governance.Domain.Tests.TestLedger;

namespace Governance.Domain.Tests;

/// <summary>Serious incidents (EU AI Act Art. 73): deadlines by category, who records, and what a report closes.</summary>
public class IncidentTests
{
    private static RecordSeriousIncident Incident(IncidentCategory? category, DateTimeOffset? awareAt = null, int? affected = 3) =>
        new(
            "inc-1",
            "Applicants over 60 refused at twice the rate after a data pipeline change",
            category,
            affected,
            awareAt ?? Day(10),
            null
        );

    private static SeriousIncident Recorded(IncidentCategory category = IncidentCategory.FundamentalRightsInfringement) =>
        SeriousIncident.Evolve(
            null,
            IncidentDecisions.Decide(Incident(category), TheModel, Given(Registered()), null, Ctx(Owner, Day(11)))
        )!;

    [Theory]
    [InlineData(IncidentCategory.Death, 10)]
    [InlineData(IncidentCategory.SeriousHarmToHealth, 15)]
    [InlineData(IncidentCategory.CriticalInfrastructureDisruption, 2)]
    [InlineData(IncidentCategory.FundamentalRightsInfringement, 15)]
    [InlineData(IncidentCategory.WidespreadInfringement, 2)]
    [InlineData(IncidentCategory.PropertyOrEnvironmentHarm, 15)]
    public void The_report_is_due_a_category_dependent_number_of_days_after_awareness_not_after_recording(
        IncidentCategory category,
        int days
    )
    {
        var recorded = IncidentDecisions.Decide(Incident(category, Day(10)), TheModel, Given(Registered()), null, Ctx(Owner, Day(12)));

        Assert.Equal(
            new SeriousIncidentRecorded(
                "inc-1",
                ModelId,
                VersionLabel,
                "Applicants over 60 refused at twice the rate after a data pipeline change",
                category,
                3,
                Day(10),
                Day(10 + days),
                Ctx(Owner, Day(12)).Audit("Serious incident recorded (EU AI Act Art. 73)")
            ),
            recorded
        );
    }

    [Fact]
    public void An_incident_is_due_until_its_deadline_overdue_after_it_and_closed_by_a_recorded_report()
    {
        var incident = Recorded();
        Assert.Equal(IncidentReportingStatus.Due, incident.StatusAt(Day(25)));
        Assert.Equal(IncidentReportingStatus.Overdue, incident.StatusAt(Day(25).AddSeconds(1)));

        var reported = SeriousIncident.Evolve(
            incident,
            IncidentDecisions.Decide(new RecordIncidentReport("BaFin", "AI-2025-0042", null), TheModel, incident, Ctx(OfficerA, Day(26)))
        )!;

        Assert.Equal(IncidentReportingStatus.Reported, reported.StatusAt(Day(400)));
        var again = Assert.Throws<GovernanceRuleException>(() =>
            IncidentDecisions.Decide(new RecordIncidentReport("BaFin", "again", null), TheModel, reported, Ctx(OfficerA, Day(27)))
        );
        Assert.Equal("incident.already_reported", again.Code);
    }

    [Fact]
    public void Only_the_models_owner_its_delegates_and_risk_officers_record_incidents_reports_and_corrective_actions()
    {
        var stranger = new Actor("owner-sam", Roles.ModelOwner);
        var refused = Assert.Throws<GovernanceRuleException>(() =>
            IncidentDecisions.Decide(Incident(IncidentCategory.Death), TheModel, Given(Registered()), null, Ctx(stranger, Day(11)))
        );
        Assert.Equal("ownership.not_owner_or_delegate", refused.Code);
        Assert.Equal(
            "ownership.not_owner_or_delegate",
            Assert
                .Throws<GovernanceRuleException>(() =>
                    IncidentDecisions.Decide(new RecordCorrectiveAction("Rolled back", null), TheModel, Recorded(), Ctx(stranger, Day(12)))
                )
                .Code
        );
        var action = IncidentDecisions.Decide(
            new RecordCorrectiveAction("Rolled back to 1.1.0", null),
            TheModel,
            Recorded(),
            Ctx(Requester)
        );
        Assert.Equal("Rolled back to 1.1.0", action.Action);
        Assert.NotNull(
            IncidentDecisions.Decide(Incident(IncidentCategory.Death), TheModel, Given(Registered()), null, Ctx(OfficerA, Day(11)))
        );
    }

    [Fact]
    public void An_incident_without_its_facts_or_known_only_in_the_future_is_refused_naming_each_field()
    {
        var refused = Assert.Throws<GovernanceRuleException>(() =>
            IncidentDecisions.Decide(
                new RecordSeriousIncident("inc-1", " ", (IncidentCategory)42, -1, Day(12), null),
                TheModel,
                Given(Registered()),
                null,
                Ctx(Owner, Day(11))
            )
        );
        Assert.Equal(RuleKind.InvalidInput, refused.Kind);
        Assert.Equal(["affectedPersons", "awareAt", "category", "description"], refused.FieldErrors.Keys.Order());
    }
}
