using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Governance.Api.Tests.Infrastructure;
using Governance.Domain.Shared;
using UglyToad.PdfPig;

namespace Governance.Api.Tests;

/// <summary>
/// The technical file over HTTP with a real PostgreSQL: statements superseded and kept, risks accepted by an independent risk
/// officer, the declaration of conformity signed into the version's record, bad input named field by field with nothing stored,
/// and a freshly issued Annex IV pack that shows the latest statement and who recorded it.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class TechnicalDocumentationEndpointTests(LedgerApp app)
{
    private readonly Scenario _ledger = new(app);

    private static object Statement(string text, int? supersedes = null) =>
        new
        {
            item = "DesignSpecification",
            text,
            references = new[] { "ISO/IEC 23894:2023" },
            attachments = new[]
            {
                new
                {
                    title = "Design note",
                    sha256 = "sha256:" + new string('a', 64),
                    sizeBytes = 1234,
                    mediaType = "application/pdf",
                },
            },
            supersedes,
        };

    private static object Risk(string title) =>
        new
        {
            title,
            description = "Older applicants refused more often",
            affectedPersons = "Applicants over 60",
            likelihood = "Possible",
            severity = "Major",
            measures = "Quarterly adverse-impact ratio",
            residualLikelihood = "Unlikely",
            residualSeverity = "Moderate",
            residualRisk = "Within appetite",
            tests = new[] { "EV-1 bias examination" },
            reviewDue = DateOnly.FromDateTime(DateTime.UtcNow).AddMonths(3),
        };

    private async Task<JsonElement> File(string modelId) =>
        await _ledger.Auditor.GetAsync($"/api/v1/models/{modelId}/technical-file").Expect(HttpStatusCode.OK);

    [Fact]
    public async Task A_superseding_statement_keeps_the_old_one_in_the_history_and_the_fresh_pack_shows_the_latest_with_its_author()
    {
        var (modelId, _, _) = await _ledger.ApprovedVersion();
        var path = $"/api/v1/models/{modelId}/technical-file/documentation";
        var first = await _ledger
            .Owner.PostAsJsonAsync(path, Statement("First design: a logistic scorecard."))
            .Expect(HttpStatusCode.Created);
        Assert.Equal(1, first.GetProperty("revision").GetInt32());
        await _ledger
            .Owner.PostAsJsonAsync(path, Statement("Overwrite without reading?"))
            .ExpectProblem(HttpStatusCode.Conflict, "technical_file.revision_mismatch");
        await _ledger.Owner.PostAsJsonAsync(path, Statement("Second design: boosted trees.", supersedes: 1)).Expect(HttpStatusCode.Created);

        var history = await _ledger.Auditor.GetAsync($"{path}/DesignSpecification").Expect(HttpStatusCode.OK);
        Assert.Equal(
            ["First design: a logistic scorecard.", "Second design: boosted trees."],
            history.EnumerateArray().Select(r => r.GetProperty("text").GetString())
        );
        var version = await _ledger.Auditor.GetAsync($"{Scenario.VersionPath(modelId)}/technical-documentation").Expect(HttpStatusCode.OK);
        var design = version.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("item").GetString() == "DesignSpecification");
        Assert.Equal("Second design: boosted trees.", design.GetProperty("inForce").GetProperty("text").GetString());
        Assert.Contains(
            version.GetProperty("annexIv").EnumerateArray(),
            c => c.GetProperty("item").GetString() == "DesignSpecification" && c.GetProperty("filled").GetBoolean()
        );

        using var response = await _ledger.Auditor.GetAsync($"{Scenario.VersionPath(modelId)}/evidence-packs/eu-ai-act-annex-iv");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = PdfDocument.Open(await response.Content.ReadAsByteArrayAsync());
        var text = string.Join(" ", document.GetPages().SelectMany(p => p.GetWords()).Select(w => w.Text));
        Assert.Contains("Second design: boosted trees.", text);
        Assert.DoesNotContain("First design", text);
        Assert.Contains("revision 2, superseding revision 1", text);
        Assert.Contains("owner-olivia", text);
        Assert.Contains("The model's technical file", text);
    }

    [Fact]
    public async Task Bad_input_is_named_field_by_field_and_stores_nothing()
    {
        var modelId = await _ledger.RegisterModel(Scenario.NewId());
        await _ledger.RegisterVersion(modelId);
        var path = $"/api/v1/models/{modelId}/technical-file/documentation";
        var problem = await _ledger
            .Owner.PostAsJsonAsync(
                path,
                new
                {
                    item = "DesignSpecification",
                    text = new string('x', 8001),
                    attachments = new[]
                    {
                        new
                        {
                            title = "",
                            sha256 = "sha256:" + new string('A', 64),
                            sizeBytes = 1,
                            mediaType = "pdf",
                        },
                    },
                }
            )
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        var errors = problem.GetProperty("errors");
        foreach (var field in new[] { "text", "attachments[0].title", "attachments[0].sha256", "attachments[0].mediaType" })
            Assert.True(errors.TryGetProperty(field, out _), $"{field} not named in {errors}");
        await _ledger
            .Owner.PostAsJsonAsync(path, new { item = "DesignSpecification", text = "  " })
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        var risk = await _ledger
            .Owner.PostAsJsonAsync($"/api/v1/models/{modelId}/technical-file/risks", new { title = "No fields" })
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        Assert.True(risk.GetProperty("errors").TryGetProperty("reviewDue", out _));
        // An item the ledger does not know cannot be read into a command: the host's 400 names where.
        var unknownItem = await _ledger
            .Owner.PostAsJsonAsync(path, new { item = "NoSuchItem", text = "x" })
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_request");
        Assert.Contains("$.item", unknownItem.GetProperty("detail").GetString());
        await _ledger
            .Owner.PostAsJsonAsync(
                path,
                new
                {
                    item = "DesignSpecification",
                    text = "x",
                    version = "1.0.0",
                }
            )
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        var file = await File(modelId);
        Assert.Equal(0, file.GetProperty("records").GetArrayLength());
        Assert.Equal(0, file.GetProperty("risks").GetArrayLength());
        // Another owner may not write into this model's file.
        await _ledger
            .As("owner-sam", Roles.ModelOwner)
            .PostAsJsonAsync(path, Statement("Not mine"))
            .ExpectProblem(HttpStatusCode.Forbidden, "ownership.not_owner_or_delegate");
    }

    [Fact]
    public async Task A_risk_officer_accepts_residual_risk_open_risks_are_listed_and_the_declaration_is_signed_into_the_version()
    {
        var (modelId, digest, _) = await _ledger.ApprovedVersion();
        var risks = $"/api/v1/models/{modelId}/technical-file/risks";
        var recorded = await _ledger.Owner.PostAsJsonAsync(risks, Risk("Discrimination by age")).Expect(HttpStatusCode.Created);
        Assert.Equal("R-1", recorded.GetProperty("id").GetString());
        Assert.Contains(
            (await _ledger.Auditor.GetAsync("/api/v1/risks/open").Expect(HttpStatusCode.OK)).EnumerateArray(),
            r => r.GetProperty("modelId").GetString() == modelId
        );
        await _ledger
            .Owner.PostAsJsonAsync($"{risks}/R-1/acceptance", new { revision = 1, rationale = "Mine" })
            .Expect(HttpStatusCode.Forbidden);
        var machine = app.AsClient("ci-robot", Roles.RiskOfficer, "ledger:read ledger:write");
        await machine
            .PostAsJsonAsync($"{risks}/R-1/acceptance", new { revision = 1, rationale = "Machine" })
            .Expect(HttpStatusCode.Forbidden);
        var accepted = await _ledger
            .OfficerRita.PostAsJsonAsync($"{risks}/R-1/acceptance", new { revision = 1, rationale = "Within appetite" })
            .Expect(HttpStatusCode.OK);
        Assert.Equal(
            "user:officer-rita",
            accepted.GetProperty("acceptances")[0].GetProperty("acceptedBy").GetProperty("subjectId").GetString()
        );
        Assert.DoesNotContain(
            (await _ledger.Auditor.GetAsync("/api/v1/risks/open").Expect(HttpStatusCode.OK)).EnumerateArray(),
            r => r.GetProperty("modelId").GetString() == modelId
        );

        var declaration = new
        {
            providerName = "Example Bank AG",
            providerAddress = "Frankfurt am Main",
            procedure = "InternalControl",
            standards = new[] { "ISO/IEC 42001:2023" },
            placeOfIssue = "Frankfurt am Main",
            signatoryFunction = "Chief Risk Officer",
        };
        var doc = $"{Scenario.VersionPath(modelId)}/declaration-of-conformity";
        await _ledger.Owner.PostAsJsonAsync(doc, declaration).Expect(HttpStatusCode.Forbidden);
        var signed = await _ledger.OfficerRavi.PostAsJsonAsync(doc, declaration).Expect(HttpStatusCode.Created);
        Assert.Equal(digest, signed.GetProperty("artifactDigest").GetString());
        var version = await _ledger.GetVersion(modelId);
        Assert.Equal(
            "user:officer-ravi",
            version.GetProperty("declarations")[0].GetProperty("signedBy").GetProperty("subjectId").GetString()
        );
        await _ledger
            .OfficerRavi.PostAsJsonAsync(doc, new { providerName = "", procedure = "NotifiedBody" })
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        Assert.Equal(1, (await _ledger.GetVersion(modelId)).GetProperty("declarations").GetArrayLength());
    }
}
