using System.Net;
using Governance.Api.Tests.Infrastructure;
using Governance.Domain.Shared;
using UglyToad.PdfPig;

namespace Governance.Api.Tests;

[Collection(LedgerCollection.Name)]
public sealed class EvidencePackEndpointTests(LedgerApp app)
{
    private readonly Scenario _ledger = new(app);

    private async Task<byte[]> Download(HttpClient client, string modelId, string kind)
    {
        using var response = await client.GetAsync($"{Scenario.VersionPath(modelId)}/evidence-packs/{kind}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
        var pdf = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(Digest.OfBytes(pdf), response.Headers.GetValues("X-Content-SHA256").Single());
        return pdf;
    }

    private static string Text(byte[] pdf)
    {
        using var document = PdfDocument.Open(pdf);
        return string.Join("\n", document.GetPages().Select(p => p.Text));
    }

    [Fact]
    public async Task An_auditor_downloads_each_pack_with_its_sections_approvers_digests_and_page_numbers()
    {
        var (modelId, digest, approvalId) = await _ledger.ApprovedVersion("High");
        var version = await _ledger.GetVersion(modelId);
        var attestation = version.GetProperty("approvals")[0].GetProperty("attestationDigest").GetString()!;

        var sections = new Dictionary<string, string[]>
        {
            ["model-card"] =
            [
                "1. Model details",
                "2. Intended use",
                "3. Factors",
                "4. Metrics",
                "5. Evaluation data",
                "6. Training data",
                "8. Ethical considerations",
                "9. Caveats and recommendations",
            ],
            ["eu-ai-act-annex-iv"] =
            [
                "1. General description",
                "2. Elements of the AI system",
                "3. Monitoring, functioning and control",
                "4. Appropriateness of the performance metrics",
                "5. Risk management system",
                "6. Changes through the lifecycle",
                "7. Harmonised standards",
                "8. EU declaration of conformity",
                "9. Post-market monitoring plan",
                "Article 12",
                "Article 14",
                "Article 15",
            ],
            ["sr-11-7"] =
            [
                "1. Model inventory entry and risk tier",
                "3. Independent validation",
                "4. Approvals and segregation of duties",
                "6. Deployment history",
            ],
        };
        foreach (var (kind, expected) in sections)
        {
            var pdf = await Download(_ledger.Auditor, modelId, kind);
            var text = Text(pdf);
            using var document = PdfDocument.Open(pdf);
            Assert.All(expected, s => Assert.Contains(s, text));
            Assert.Contains("Appendix A: event trail of this version", text);
            Assert.Contains(attestation, text);
            Assert.Contains(digest, text.Replace("\n", ""));
            Assert.Contains($"Page {document.NumberOfPages} of {document.NumberOfPages}", text);
            if (kind != "model-card")
            {
                Assert.Contains("officer-rita", text);
                Assert.Contains("officer-ravi", text);
            }
        }
        Assert.Contains("Not recorded in the ledger.", Text(await Download(_ledger.Auditor, modelId, "eu-ai-act-annex-iv")));
        Assert.Equal(approvalId, version.GetProperty("approvals")[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task The_same_ledger_state_gives_the_same_bytes_and_each_issue_is_recorded_with_its_digest()
    {
        var (modelId, _, _) = await _ledger.ApprovedVersion();
        var first = await Download(_ledger.Auditor, modelId, "sr-11-7");
        var second = await Download(_ledger.OfficerRita, modelId, "sr-11-7");
        Assert.Equal(first, second);

        var issued = await _ledger.Auditor.GetAsync($"{Scenario.VersionPath(modelId)}/evidence-packs").Expect(HttpStatusCode.OK);
        Assert.Equal(2, issued.GetArrayLength());
        Assert.All(issued.EnumerateArray(), p => Assert.Equal(Digest.OfBytes(first), p.GetProperty("sha256").GetString()));
        Assert.Equal(
            ["user:auditor-ada", "user:officer-rita"],
            issued.EnumerateArray().Select(p => p.GetProperty("issuedTo").GetProperty("subjectId").GetString())
        );

        // A new fact about the version gives a new pack, at a later ledger position.
        await _ledger
            .Deploy(modelId, (await _ledger.GetVersion(modelId)).GetProperty("artifactDigest").GetString()!)
            .Expect(HttpStatusCode.Created);
        Assert.NotEqual(first, await Download(_ledger.Auditor, modelId, "sr-11-7"));
    }

    [Fact]
    public async Task Packs_refuse_other_roles_unknown_kinds_and_unknown_versions()
    {
        var (modelId, _, _) = await _ledger.ApprovedVersion();
        await _ledger.Validator.GetAsync($"{Scenario.VersionPath(modelId)}/evidence-packs/model-card").Expect(HttpStatusCode.Forbidden);
        // A model owner is issued packs of their own models only.
        await _ledger
            .As("owner-of-another-model", Roles.ModelOwner)
            .GetAsync($"{Scenario.VersionPath(modelId)}/evidence-packs/model-card")
            .ExpectProblem(HttpStatusCode.Forbidden, "ownership.not_owner_or_delegate");
        await _ledger.Anonymous.GetAsync($"{Scenario.VersionPath(modelId)}/evidence-packs/model-card").Expect(HttpStatusCode.Unauthorized);
        var problem = await _ledger
            .Auditor.GetAsync($"{Scenario.VersionPath(modelId)}/evidence-packs/annual-report")
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        Assert.True(problem.GetProperty("errors").TryGetProperty("kind", out _));
        await _ledger
            .Auditor.GetAsync($"{Scenario.VersionPath(modelId, "9.9.9")}/evidence-packs/model-card")
            .ExpectProblem(HttpStatusCode.NotFound, "model_version.not_found");
        var issued = await _ledger.Auditor.GetAsync($"{Scenario.VersionPath(modelId)}/evidence-packs").Expect(HttpStatusCode.OK);
        Assert.Equal(0, issued.GetArrayLength());

        // The model's own owner is issued a pack (the provider draws up the technical documentation), and it is recorded.
        using (var own = await _ledger.Owner.GetAsync($"{Scenario.VersionPath(modelId)}/evidence-packs/model-card"))
            Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        issued = await _ledger.Auditor.GetAsync($"{Scenario.VersionPath(modelId)}/evidence-packs").Expect(HttpStatusCode.OK);
        Assert.Equal(
            "user:owner-olivia",
            Assert.Single(issued.EnumerateArray()).GetProperty("issuedTo").GetProperty("subjectId").GetString()
        );
    }

    [Fact]
    public async Task A_pack_over_its_render_budget_answers_503_with_retry_after_and_records_nothing()
    {
        var (modelId, _, _) = await _ledger.ApprovedVersion();
        // A 1 ms budget: any pack takes longer to draw, so the render is stopped at its next checkpoint without waiting.
        using var hurried = app.WithWebHostBuilder(b => b.UseSetting("Governance:EvidencePacks:RenderBudgetSeconds", "0.001"));
        using var auditor = LedgerApp.As(hurried, "auditor-ada", Roles.Auditor);
        var before = await app.EventCount();

        using var response = await auditor.GetAsync($"{Scenario.VersionPath(modelId)}/evidence-packs/sr-11-7");
        Assert.True(
            response.Headers.TryGetValues("Retry-After", out var retryAfter),
            $"{(int)response.StatusCode} {response.Content.Headers.ContentType} {await response.Content.ReadAsStringAsync()}"[..300]
        );
        Assert.Equal("30", retryAfter.Single());
        await Task.FromResult(response).ExpectProblem(HttpStatusCode.ServiceUnavailable, "evidence_pack.render_budget_exceeded");

        Assert.Equal(before, await app.EventCount());
        var issued = await _ledger.Auditor.GetAsync($"{Scenario.VersionPath(modelId)}/evidence-packs").Expect(HttpStatusCode.OK);
        Assert.Equal(0, issued.GetArrayLength());

        // The model's own owner is issued a pack (the provider draws up the technical documentation), and it is recorded.
        using (var own = await _ledger.Owner.GetAsync($"{Scenario.VersionPath(modelId)}/evidence-packs/model-card"))
            Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        issued = await _ledger.Auditor.GetAsync($"{Scenario.VersionPath(modelId)}/evidence-packs").Expect(HttpStatusCode.OK);
        Assert.Equal(
            "user:owner-olivia",
            Assert.Single(issued.EnumerateArray()).GetProperty("issuedTo").GetProperty("subjectId").GetString()
        );
    }
}
