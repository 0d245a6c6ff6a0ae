using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Governance.Api.Tests.Infrastructure;
using Governance.Domain.Monitoring;
using Governance.Domain.Shared;
using Governance.Monitoring;

namespace Governance.Api.Tests;

/// <summary>Monitoring reports over HTTP with a real PostgreSQL: recorded on the monitoring stream of the version and
/// environment (the version's ETag does not move), refused when a verdict does not follow from its statistics and the plan,
/// or on bad input.</summary>
[Collection(LedgerCollection.Name)]
public sealed class MonitoringEndpointTests(LedgerApp app)
{
    private readonly Scenario _ledger = new(app);

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    internal static MonitoringPlan Plan(string referenceDigest) =>
        new(
            referenceDigest,
            400,
            [
                new MonitoredFeature(
                    "income",
                    FeatureKind.Numeric,
                    [new DriftTest(DriftStatistic.Psi, 0.25, 0.1), new DriftTest(DriftStatistic.KolmogorovSmirnov, 0.05)]
                ),
                new MonitoredFeature("region", FeatureKind.Categorical, [new DriftTest(DriftStatistic.JensenShannon, 0.1)]),
            ],
            new MonitoredFeature("score", FeatureKind.Numeric, [new DriftTest(DriftStatistic.NormalizedWasserstein, 0.1)]),
            StatisticPins.Default,
            MultipleTestingCorrection.BenjaminiHochberg,
            0.5,
            30,
            BreachAction.UnderReview,
            TimeSpan.FromHours(1),
            ["RiskOfficer"]
        );

    /// <summary>A reference and a sample as CSV text: income shifted by <paramref name="shift"/> in the sample.</summary>
    internal static string Table(int rows, double shift, int seed)
    {
        var random = new Random(seed);
        var lines = new List<string> { "income,region,score" };
        for (var i = 0; i < rows; i++)
            lines.Add(
                FormattableString.Invariant(
                    $"{40000 + 10000 * random.NextDouble() + shift:F2},{(random.Next(3) == 0 ? "north" : "south")},{random.NextDouble():F4}"
                )
            );
        return string.Join('\n', lines) + "\n";
    }

    internal static MonitoringTable Read(string label, string csv)
    {
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return new MonitoringTable(label, lines[0].Split(','), lines[1..].Select(l => l.Split(',')).ToArray(), Digest.OfText(csv));
    }

    private MonitoringReport Compute(MonitoringPlan plan, string reference, string sample) =>
        MonitoringComputation.Compute(
            plan,
            MonitoringComparison.Drift,
            Read("reference", reference),
            Read("sample", sample),
            app.Clock.GetUtcNow().AddDays(-1),
            app.Clock.GetUtcNow()
        );

    private Task<HttpResponseMessage> Post(HttpClient client, string modelId, object body) =>
        client.PostAsync($"/api/v1/models/{modelId}/versions/1.0.0/monitoring-reports", JsonContent.Create(body, options: Json));

    [Fact]
    public async Task A_report_is_recorded_on_the_monitoring_stream_and_listed_without_moving_the_versions_etag()
    {
        var modelId = await _ledger.RegisterModel(Scenario.NewId());
        await _ledger.RegisterVersion(modelId);
        var versionPath = $"/api/v1/models/{modelId}/versions/1.0.0";
        var etag = (await _ledger.Owner.GetAsync(versionPath)).Headers.ETag;
        var reference = Table(400, 0, 1);
        var plan = Plan(Digest.OfText(reference));
        var report = Compute(plan, reference, Table(300, 4000, 2));
        Assert.Equal(MonitoringVerdict.Breach, report.Verdict);

        var recorded = await Post(
                _ledger.Owner,
                modelId,
                new
                {
                    environment = "production",
                    plan,
                    report,
                }
            )
            .Expect(HttpStatusCode.Created);

        var id = recorded.GetProperty("reportId").GetString()!;
        Assert.Equal($"monitoring:{modelId}@1.0.0/production", recorded.GetProperty("stream").GetString());
        Assert.Equal(MonitoringDecisions.DigestOf(report), recorded.GetProperty("reportDigest").GetString());
        Assert.Equal("stated", recorded.GetProperty("planSource").GetString());
        Assert.Equal(etag, (await _ledger.Owner.GetAsync(versionPath)).Headers.ETag);
        var listed = await _ledger.Auditor.GetAsync($"{versionPath}/monitoring-reports?environment=production").Expect(HttpStatusCode.OK);
        Assert.Equal(id, Assert.Single(listed.EnumerateArray()).GetProperty("reportId").GetString());
        var one = await _ledger.Auditor.GetAsync($"/api/v1/monitoring-reports/{id}").Expect(HttpStatusCode.OK);
        Assert.Equal("Breach", one.GetProperty("report").GetProperty("verdict").GetString());
        Assert.Empty(
            (
                await _ledger.Auditor.GetAsync($"{versionPath}/monitoring-reports?environment=staging").Expect(HttpStatusCode.OK)
            ).EnumerateArray()
        );
    }

    [Fact]
    public async Task A_verdict_that_does_not_follow_from_its_statistic_and_the_plans_threshold_is_refused_and_nothing_is_stored()
    {
        var modelId = await _ledger.RegisterModel(Scenario.NewId());
        await _ledger.RegisterVersion(modelId);
        var reference = Table(400, 0, 3);
        var plan = Plan(Digest.OfText(reference));
        var honest = Compute(plan, reference, Table(300, 0, 4));
        var income = honest.Features[0];
        // PSI 0.3 against the plan's 0.25 is drift, whatever the report says.
        var psi = income.Tests[0] with
        {
            Value = 0.3,
        };
        var claimed = honest with { Features = [income with { Tests = [psi, income.Tests[1]] }, honest.Features[1]] };

        var refused = await Post(
                _ledger.Owner,
                modelId,
                new
                {
                    environment = "production",
                    plan,
                    report = claimed,
                }
            )
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");

        Assert.Contains("report.features[0].tests[0].verdict", refused.GetProperty("errors").EnumerateObject().Select(p => p.Name));
        Assert.Contains("report.verdict", refused.GetProperty("errors").EnumerateObject().Select(p => p.Name));
        var empty = await _ledger.Auditor.GetAsync($"/api/v1/models/{modelId}/versions/1.0.0/monitoring-reports").Expect(HttpStatusCode.OK);
        Assert.Empty(empty.EnumerateArray());
    }

    [Fact]
    public async Task Bad_input_is_named_and_another_owner_may_not_record()
    {
        var modelId = await _ledger.RegisterModel(Scenario.NewId());
        await _ledger.RegisterVersion(modelId);
        var reference = Table(400, 0, 5);
        var plan = Plan(Digest.OfText(reference));
        var report = Compute(plan, reference, Table(300, 0, 6));

        var missing = await Post(_ledger.Owner, modelId, new { environment = "production" })
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        Assert.Contains("plan", missing.GetProperty("errors").EnumerateObject().Select(p => p.Name));
        var future = report with { WindowEnd = app.Clock.GetUtcNow().AddDays(1) };
        var wrong = await Post(
                _ledger.Owner,
                modelId,
                new
                {
                    environment = "production",
                    plan = plan with
                    {
                        ReferenceDatasetDigest = Digest.OfText("other"),
                    },
                    report = future,
                }
            )
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        var fields = wrong.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Contains("report.windowEnd", fields);
        Assert.Contains("report.referenceDigest", fields);
        await Post(
                _ledger.As("owner-sam", Roles.ModelOwner),
                modelId,
                new
                {
                    environment = "production",
                    plan,
                    report,
                }
            )
            .ExpectProblem(HttpStatusCode.Forbidden, "ownership.not_owner_or_delegate");
        await Post(
                _ledger.As("pipeline-pia", Roles.DeploymentPipeline),
                modelId,
                new
                {
                    environment = "production",
                    plan,
                    report,
                }
            )
            .Expect(HttpStatusCode.Created);
    }
}
