using System.Text.RegularExpressions;
using Governance.Documents.EvidencePacks;
using Governance.Domain.Incidents;
using Governance.Domain.Shared;

namespace Governance.Documents.Tests;

/// <summary>Serious incidents (EU AI Act Art. 73) and their corrective actions are printed in the Annex IV pack's
/// post-market section and in the SR 11-7 pack, read back with poppler's <c>pdftotext</c> (issue 15 item 5).</summary>
public sealed class IncidentPackTests
{
    private static readonly DateTimeOffset Aware = new(2026, 11, 20, 8, 30, 0, TimeSpan.Zero);

    private static EvidencePackInput WithIncidents()
    {
        var demo = GoldenPackTests.DemoCreditModel();
        var owner = new Actor(demo.Model.OwnerId, Roles.ModelOwner);
        var officer = new Actor("user:dev-officer-rita", Roles.RiskOfficer);
        SeriousIncident Incident(string id, string what, IncidentCategory category, int days) =>
            new()
            {
                Id = id,
                ModelId = demo.Model.Id,
                Version = demo.Version.Version,
                Description = what,
                Category = category,
                AffectedPersons = 37,
                AwareAt = Aware,
                ReportDueBy = Aware.AddDays(days),
                RecordedAt = Aware.AddHours(2),
                RecordedBy = owner,
            };
        return demo with
        {
            Incidents =
            [
                Incident(
                    "incident-1",
                    "Applicants over 60 refused at twice the expected rate",
                    IncidentCategory.FundamentalRightsInfringement,
                    15
                ) with
                {
                    CorrectiveActions =
                    [
                        new CorrectiveAction("Refusals of applicants over 60 go to manual underwriting", Aware.AddDays(1), owner),
                    ],
                },
                Incident(
                    "incident-2",
                    "Scores served from a stale feature store for six hours",
                    IncidentCategory.WidespreadInfringement,
                    2
                ) with
                {
                    Report = new IncidentReport("BaFin", "BA-2026-0117", Aware.AddDays(1), officer),
                },
            ],
        };
    }

    private static string Text(EvidencePackKind kind, EvidencePackInput input) =>
        Regex.Replace(PackTextTests.Pdftotext(EvidencePack.Render(kind, input).Pdf), @"\s+", " ");

    [Theory]
    [InlineData(EvidencePackKind.EuAiActAnnexIV, "Serious incidents and corrective actions (Article 73)")]
    [InlineData(EvidencePackKind.Sr117ValidationAndApproval, "7. Incidents and corrective actions")]
    public void Each_incident_its_deadline_report_and_corrective_actions_are_in_the_pack(EvidencePackKind kind, string heading)
    {
        var text = Text(kind, WithIncidents());

        var section = text[text.IndexOf(heading, StringComparison.Ordinal)..];
        Assert.Contains("Incident incident-1", section);
        Assert.Contains("Applicants over 60 refused at twice the expected rate", section);
        Assert.Contains("FundamentalRightsInfringement", section);
        Assert.Contains("2026-12-05", section); // 15 days after awareness (Art. 73(2))
        Assert.Contains("no report to the market surveillance authority is recorded", section);
        Assert.Contains("Refusals of applicants over 60 go to manual underwriting", section);
        Assert.Contains("Incident incident-2", section);
        Assert.Contains("2026-11-22", section); // widespread infringement: 2 days (Art. 73(3))
        Assert.Contains("BaFin, reference BA-2026-0117", section);
        Assert.Contains("Corrective actions: none recorded.", section);
    }

    [Theory]
    [InlineData(EvidencePackKind.EuAiActAnnexIV)]
    [InlineData(EvidencePackKind.Sr117ValidationAndApproval)]
    public void Without_an_incident_the_pack_says_none_is_recorded(EvidencePackKind kind) =>
        Assert.Contains("No serious incident is recorded for this version.", Text(kind, GoldenPackTests.DemoCreditModel()));
}
