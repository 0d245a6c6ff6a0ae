using System.Net;
using System.Net.Http.Json;
using Governance.Api.Tests.Infrastructure;
using Governance.Domain.Shared;

namespace Governance.Api.Tests;

/// <summary>Serious incidents over HTTP (EU AI Act Art. 73): a deadline that runs from awareness, shown due, then overdue, until
/// the report is recorded; only the model's first line and risk officers record.</summary>
[Collection(LedgerCollection.Name)]
public sealed class IncidentEndpointTests(LedgerApp app)
{
    private readonly Scenario _ledger = new(app);

    [Fact]
    public async Task An_incident_is_due_fifteen_days_after_awareness_overdue_after_that_and_closed_by_its_report()
    {
        var modelId = await _ledger.RegisterModel(Scenario.NewId());
        await _ledger.RegisterVersion(modelId);
        var awareAt = app.Clock.GetUtcNow().AddDays(-1);
        var incident = await _ledger
            .Owner.PostAsJsonAsync(
                $"/api/v1/models/{modelId}/versions/1.0.0/incidents",
                new
                {
                    description = "Applicants over 60 refused at twice the rate after a pipeline change",
                    category = "FundamentalRightsInfringement",
                    affectedPersons = 312,
                    awareAt,
                }
            )
            .Expect(HttpStatusCode.Created);
        var id = incident.GetProperty("id").GetString()!;
        Assert.Equal(awareAt.AddDays(15), incident.GetProperty("reportDueBy").GetDateTimeOffset());
        Assert.Equal("user:owner-olivia", incident.GetProperty("recordedBy").GetProperty("subjectId").GetString());
        Assert.Equal("Due", Standing(await OpenIncidents(), id));

        try
        {
            app.Clock.Offset = TimeSpan.FromDays(15);
            Assert.Equal("Overdue", Standing(await OpenIncidents(), id));
            await _ledger
                .OfficerRita.PostAsJsonAsync($"/api/v1/incidents/{id}/report", new { authority = "BaFin", reference = "KI-2026-0042" })
                .Expect(HttpStatusCode.OK);
        }
        finally
        {
            app.Clock.Offset = TimeSpan.Zero;
        }
        Assert.DoesNotContain(
            id,
            (await OpenIncidents()).EnumerateArray().Select(i => i.GetProperty("incident").GetProperty("id").GetString())
        );
        var ofVersion = await _ledger.Auditor.GetAsync($"/api/v1/models/{modelId}/versions/1.0.0/incidents").Expect(HttpStatusCode.OK);
        var reported = Assert.Single(ofVersion.EnumerateArray());
        Assert.Equal("Reported", reported.GetProperty("status").GetString());
        Assert.Equal("BaFin", reported.GetProperty("incident").GetProperty("report").GetProperty("authority").GetString());
        await _ledger
            .OfficerRita.PostAsJsonAsync($"/api/v1/incidents/{id}/report", new { authority = "BaFin", reference = "again" })
            .ExpectProblem(HttpStatusCode.Conflict, "incident.already_reported");
    }

    [Fact]
    public async Task Another_owner_may_not_record_and_bad_input_is_named_and_stores_nothing()
    {
        var modelId = await _ledger.RegisterModel(Scenario.NewId());
        await _ledger.RegisterVersion(modelId);
        var path = $"/api/v1/models/{modelId}/versions/1.0.0/incidents";
        var body = new
        {
            description = "Scores drifted",
            category = "SeriousHarmToHealth",
            affectedPersons = 0,
            awareAt = app.Clock.GetUtcNow(),
        };
        await _ledger
            .As("owner-sam", Roles.ModelOwner)
            .PostAsJsonAsync(path, body)
            .ExpectProblem(HttpStatusCode.Forbidden, "ownership.not_owner_or_delegate");
        var refused = await _ledger
            .Owner.PostAsJsonAsync(
                path,
                new
                {
                    description = "",
                    affectedPersons = -2,
                    awareAt = app.Clock.GetUtcNow().AddDays(1),
                }
            )
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        Assert.Equal(
            ["affectedPersons", "awareAt", "category", "description"],
            refused.GetProperty("errors").EnumerateObject().Select(e => e.Name).Order()
        );
        await _ledger
            .Owner.PostAsJsonAsync(path, new { category = "Catastrophe" })
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_request");
        Assert.Empty((await _ledger.Auditor.GetAsync(path).Expect(HttpStatusCode.OK)).EnumerateArray());
        await _ledger
            .Owner.PostAsJsonAsync("/api/v1/incidents/no-such-incident/corrective-actions", new { action = "Rolled back" })
            .ExpectProblem(HttpStatusCode.NotFound, "incident.not_found");
    }

    private async Task<System.Text.Json.JsonElement> OpenIncidents() =>
        await _ledger.Auditor.GetAsync("/api/v1/incidents?open=true").Expect(HttpStatusCode.OK);

    private static string? Standing(System.Text.Json.JsonElement list, string id) =>
        list.EnumerateArray().Single(i => i.GetProperty("incident").GetProperty("id").GetString() == id).GetProperty("status").GetString();
}
