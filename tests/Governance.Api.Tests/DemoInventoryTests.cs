using System.Net;
using Governance.Api.Tests.Infrastructure;
using Governance.Demo;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace Governance.Api.Tests;

/// <summary>The run command's demo: seeded on an empty ledger from the real German credit file, with every lifecycle state
/// present.</summary>
public sealed class DemoApp : LedgerApp
{
    public static string SharedDatasets => Path.Combine(Programs.RepositoryRoot(), "..", "shared", "datasets");

    /// <summary>The demo program's seeder, called directly on the host's own ledger services (and attestation keys).</summary>
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await Seed(this);
    }

    /// <summary>Seeds the demo inventory into <paramref name="app"/>'s ledger, its models trained under its data folder.</summary>
    public static Task Seed(LedgerApp app) =>
        ActivatorUtilities
            .CreateInstance<DemoInventory>(app.Services, TextWriter.Null)
            .SeedAsync(Path.Combine(SharedDatasets, "german_credit.csv"), Path.Combine(app.DataFolder, "demo"), CancellationToken.None);
}

public sealed class DemoInventoryTests(DemoApp app) : IClassFixture<DemoApp>
{
    [Fact]
    public async Task The_demo_credit_models_annex_iv_pack_says_not_recorded_only_for_the_post_market_monitoring_plan()
    {
        var auditor = app.As("auditor-ada", Roles.Auditor);
        using var response = await auditor.GetAsync("/api/v1/models/credit-scoring-de/versions/1.1.0/evidence-packs/eu-ai-act-annex-iv");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var pdf = UglyToad.PdfPig.PdfDocument.Open(await response.Content.ReadAsByteArrayAsync());
        var text = string.Join(" ", pdf.GetPages().SelectMany(p => p.GetWords()).Select(w => w.Text));
        var monitoringPlan = text.LastIndexOf("9. Post-market monitoring plan (Article 72)", StringComparison.Ordinal);
        var article12 = text.LastIndexOf("Article 12: record-keeping", StringComparison.Ordinal);
        var notRecorded = new List<int>();
        for (
            var at = text.IndexOf("Not recorded", StringComparison.Ordinal);
            at >= 0;
            at = text.IndexOf("Not recorded", at + 1, StringComparison.Ordinal)
        )
            notRecorded.Add(at);
        Assert.NotEmpty(notRecorded);
        Assert.All(notRecorded, at => Assert.InRange(at, monitoringPlan, article12));
        Assert.Contains("user:dev-officer-rita, RiskOfficer)", text);
        Assert.Contains("R-7 Poisoned or replaced model artifact", text);
    }

    [Fact]
    public async Task The_demo_inventory_has_a_high_risk_credit_model_on_the_real_data_and_versions_in_every_lifecycle_state()
    {
        var auditor = app.As("auditor-ada", Roles.Auditor);
        var inventory = await auditor.GetAsync("/api/v1/inventory").Expect(HttpStatusCode.OK);
        var statuses = inventory
            .EnumerateArray()
            .SelectMany(m => m.GetProperty("versions").EnumerateArray())
            .Select(v => v.GetProperty("status").GetString()!)
            .ToHashSet();
        Assert.Equal(Enum.GetNames<ModelVersionStatus>().ToHashSet(), statuses);

        var credit = await auditor.GetAsync("/api/v1/inventory/credit-scoring-de").Expect(HttpStatusCode.OK);
        Assert.Equal("High", credit.GetProperty("model").GetProperty("riskTier").GetString());
        var source = await auditor.GetAsync("/api/v1/datasets/german-credit-statlog/1994").Expect(HttpStatusCode.OK);
        var file = Assert.Single(source.GetProperty("files").EnumerateArray());
        Assert.Equal(
            Digest.OfBytes(await File.ReadAllBytesAsync(Path.Combine(DemoApp.SharedDatasets, "german_credit.csv"))),
            file.GetProperty("sha256").GetString()
        );
        Assert.True(source.GetProperty("containsPersonalData").GetBoolean());

        var live = await auditor.GetAsync("/api/v1/models/credit-scoring-de/versions/1.1.0").Expect(HttpStatusCode.OK);
        Assert.InRange(live.GetProperty("metrics").GetProperty("auc").GetDouble(), 0.6, 1.0);
        var artifact = new Uri(live.GetProperty("artifactUri").GetString()!).LocalPath;
        Assert.Equal(Digest.OfBytes(await File.ReadAllBytesAsync(artifact)), live.GetProperty("artifactDigest").GetString());
        Assert.False(string.IsNullOrEmpty(live.GetProperty("approvals")[0].GetProperty("attestationDigest").GetString()));
        // The live credit version carries the validator's evidence, computed at seed on the holdout from its artifact (as 1.0.0 does).
        var evidence = Assert.Single(live.GetProperty("evidence").EnumerateArray()).GetProperty("report");
        Assert.Equal(live.GetProperty("artifactDigest").GetString(), evidence.GetProperty("artifactDigest").GetString());
        Assert.Equal("Holdout", evidence.GetProperty("datasetRole").GetString());
        Assert.True(evidence.GetProperty("shap").GetProperty("additivityResidual").GetDouble() <= 1e-9);
        // So does the fraud model, whose label column is is_fraud (the model reads it as Label).
        var fraud = await auditor.GetAsync("/api/v1/models/card-fraud-detection/versions/2.1.0").Expect(HttpStatusCode.OK);
        var fraudEvidence = Assert.Single(fraud.GetProperty("evidence").EnumerateArray()).GetProperty("report");
        Assert.Equal("is_fraud", fraudEvidence.GetProperty("settings").GetProperty("label").GetString());
        Assert.InRange(fraudEvidence.GetProperty("metrics").GetProperty("rocAuc").GetDouble(), 0.6, 1.0);
        var refused = await auditor.GetAsync("/api/v1/models/card-fraud-detection/versions/2.0.0").Expect(HttpStatusCode.OK);
        Assert.NotEmpty(refused.GetProperty("refusedDeployments").EnumerateArray());
    }

    [Fact]
    public async Task Every_approval_the_demo_completed_carries_its_signed_attestation()
    {
        var auditor = app.As("auditor-ada", Roles.Auditor);
        var approved = await auditor.GetAsync("/api/v1/approvals?status=Approved").Expect(HttpStatusCode.OK);
        var revoked = await auditor.GetAsync("/api/v1/approvals?status=Revoked").Expect(HttpStatusCode.OK);

        var granted = approved.EnumerateArray().Concat(revoked.EnumerateArray()).ToArray();
        Assert.Equal(5, granted.Length);
        Assert.All(granted, a => Assert.StartsWith("sha256:", a.GetProperty("attestationDigest").GetString()));
    }
}
