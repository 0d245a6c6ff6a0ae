using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Governance.Api.Tests.Infrastructure;
using Governance.Domain.Monitoring;
using Governance.Domain.Shared;
using Governance.Monitoring;
using Marten;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Governance.Api.Tests;

/// <summary>
/// The monitoring plan and decision policy signed with the approval (predicate version 3), the scoring host applying exactly
/// the signed threshold, and each breach policy (warn, under review, suspend) end to end: the pipelines' approval check over
/// HTTP, the scoring host's re-verification on the ledger's injected clock, and the risk officer's resolution (issue 15).
/// </summary>
public sealed partial class SignedApprovalEndToEndTests
{
    private static object PlanBody(string referenceDigest, string onBreach, string drain = "00:10:00") =>
        new
        {
            referenceDatasetDigest = referenceDigest,
            referenceRows = 5000,
            features = new[]
            {
                new
                {
                    name = "Duration",
                    kind = "Numeric",
                    tests = new object[]
                    {
                        new
                        {
                            statistic = "Psi",
                            threshold = 0.25,
                            watchThreshold = 0.1,
                        },
                        new { statistic = "NormalizedWasserstein", threshold = 0.1 },
                    },
                },
            },
            prediction = new
            {
                name = "Probability",
                kind = "Numeric",
                tests = new[] { new { statistic = "JensenShannon", threshold = 0.1 } },
            },
            correction = "None",
            datasetDriftShare = 0.5,
            cadenceDays = 30,
            onBreach,
            drainPeriod = drain,
            alert = new[] { "RiskOfficer" },
        };

    private static readonly object PolicyBody = new
    {
        thresholds = new[] { 0.5 },
        costs = new
        {
            truePositive = 0,
            falsePositive = 1,
            falseNegative = 5,
            trueNegative = 0,
        },
        calibrationMethod = "platt",
    };

    /// <summary>Rows of (Duration, Probability) as CSV: durations uniform in [12, 36) months plus <paramref name="shift"/>.</summary>
    private static string Applications(int rows, double shift, int seed)
    {
        var random = new Random(seed);
        var lines = new List<string> { "Duration,Probability" };
        for (var i = 0; i < rows; i++)
            lines.Add(FormattableString.Invariant($"{12 + 24 * random.NextDouble() + shift:F3},{random.NextDouble():F4}"));
        return string.Join('\n', lines) + "\n";
    }

    /// <summary>The plan's reference for a model: the file registered as its version's training and validation dataset (a
    /// file of its own per model, since the ledger refuses to register the same files as two datasets).</summary>
    private static string Reference(string modelId) => Applications(5000, 0, modelId.GetHashCode());

    /// <summary>A high-risk version of the test model, trained on its <see cref="Reference"/>, approved with a monitoring plan
    /// (breach action <paramref name="onBreach"/>) and the decision policy of threshold 0.5.</summary>
    private async Task<(string ModelId, string Artifact, string Digest, string ApprovalId)> ApprovedWithPlan(string onBreach)
    {
        var artifact = TrainArtifact();
        var digest = Digest.OfBytes(await File.ReadAllBytesAsync(artifact));
        var modelId = await _ledger.RegisterModel(Scenario.NewId(), "High");
        var dataset = (
            await _ledger
                .Owner.PostAsJsonAsync("/api/v1/datasets", Scenario.DatasetBody(Scenario.NewId("ds"), Digest.OfText(Reference(modelId))))
                .Expect(HttpStatusCode.Created)
        )
            .GetProperty("manifestDigest")
            .GetString()!;
        await _ledger.RegisterVersion(modelId, artifactDigest: digest, datasetDigest: dataset);
        await _ledger.Validate(modelId);
        var requested = await _ledger
            .Owner.PostAsJsonAsync(
                $"{Scenario.VersionPath(modelId)}/approvals",
                new
                {
                    environment = "production",
                    intendedUse = "Retail credit decisions in DE",
                    monitoringPlan = PlanBody(dataset, onBreach),
                    decisionPolicy = PolicyBody,
                }
            )
            .Expect(HttpStatusCode.Created);
        var approvalId = requested.GetProperty("id").GetString()!;
        await _ledger.SignOff(_ledger.OfficerRita, modelId, approvalId, digest).Expect(HttpStatusCode.OK);
        await _ledger.SignOff(_ledger.OfficerRavi, modelId, approvalId, digest).Expect(HttpStatusCode.OK);
        return (modelId, artifact, digest, approvalId);
    }

    /// <summary>
    /// The owner's monitoring job (a pipeline client) fetches the signed plan, computes it on a production sample whose
    /// durations drifted, and records the report over HTTP: a breach of the signed plan, which the ledger applies to the
    /// approval. Returns the recorded report.
    /// </summary>
    private async Task<JsonElement> Breach(string modelId, int seed)
    {
        var plan = (
            await _ledger
                .Pipeline.GetAsync($"{Scenario.VersionPath(modelId)}/monitoring-plan?environment=production")
                .Expect(HttpStatusCode.OK)
        )
            .GetProperty("plan")
            .Deserialize<MonitoringPlan>(MonitoringEndpointTests.Json)!;
        var report = MonitoringComputation.Compute(
            plan,
            MonitoringComparison.Drift,
            MonitoringEndpointTests.Read("reference", Reference(modelId)),
            MonitoringEndpointTests.Read("sample", Applications(1000, 12, seed)),
            app.Clock.GetUtcNow().AddDays(-1),
            app.Clock.GetUtcNow()
        );
        Assert.Equal(MonitoringVerdict.Breach, report.Verdict);
        return await _ledger
            .Pipeline.PostAsync(
                $"{Scenario.VersionPath(modelId)}/monitoring-reports",
                JsonContent.Create(new { environment = "production", report }, options: MonitoringEndpointTests.Json)
            )
            .Expect(HttpStatusCode.Created);
    }

    /// <summary>The value of the first sample of <paramref name="series"/> in a Prometheus text scrape whose labels include
    /// every one of <paramref name="labels"/> (<c>name="value"</c>), or null.</summary>
    private static string? Sample(string scrape, string series, params string[] labels) =>
        scrape
            .Split('\n')
            .Where(line => line.StartsWith(series + "{", StringComparison.Ordinal) && labels.All(line.Contains))
            .Select(line => line[(line.LastIndexOf('}') + 2)..].Split(' ')[0])
            .FirstOrDefault();

    private Task<JsonElement> Resolve(HttpClient officer, string modelId, string approvalId, string reviewId, string resolution) =>
        officer
            .PostAsJsonAsync(
                $"{Scenario.VersionPath(modelId)}/approvals/{approvalId}/reviews/{reviewId}/resolution",
                new { resolution, rationale = "Seasonal campaign explains the shift in durations." }
            )
            .Expect(HttpStatusCode.OK);

    private async Task<JsonElement> OpenReview(string approvalId) =>
        Assert.Single(
            (await _ledger.OfficerRita.GetAsync("/api/v1/approvals/reviews").Expect(HttpStatusCode.OK)).EnumerateArray(),
            r => r.GetProperty("approvalId").GetString() == approvalId
        );

    [Fact]
    public async Task The_plan_and_policy_are_signed_in_a_version_3_predicate_and_shown_with_the_approval()
    {
        var (_, _, _, approvalId) = await ApprovedWithPlan("Warn");

        var approval = await _ledger.Auditor.GetAsync($"/api/v1/approvals/{approvalId}").Expect(HttpStatusCode.OK);
        Assert.Equal("Warn", approval.GetProperty("monitoringPlan").GetProperty("onBreach").GetString());
        Assert.Equal(10, approval.GetProperty("monitoringPlan").GetProperty("pins").GetProperty("psiBins").GetInt32());
        var envelope = JsonDocument.Parse(await _ledger.Pipeline.GetStringAsync($"/api/v1/approvals/{approvalId}/attestation")).RootElement;
        var statement = JsonDocument
            .Parse(Encoding.UTF8.GetString(Convert.FromBase64String(envelope.GetProperty("payload").GetString()!)))
            .RootElement;
        Assert.Equal("urn:governance:predicate:model-approval:v3", statement.GetProperty("predicateType").GetString());
        var predicate = statement.GetProperty("predicate");
        Assert.Equal(0.5, Assert.Single(predicate.GetProperty("decisionPolicy").GetProperty("thresholds").EnumerateArray()).GetDouble());
        Assert.Equal("platt", predicate.GetProperty("decisionPolicy").GetProperty("calibrationMethod").GetString());
        Assert.Equal(
            "Duration",
            Assert.Single(predicate.GetProperty("monitoringPlan").GetProperty("features").EnumerateArray()).GetProperty("name").GetString()
        );
        Assert.Equal("00:10:00", predicate.GetProperty("monitoringPlan").GetProperty("drainPeriod").GetString());
    }

    [Fact]
    public async Task A_plan_that_breaks_the_rules_is_refused_naming_each_field_and_nothing_is_stored()
    {
        var modelId = await _ledger.RegisterModel(Scenario.NewId(), "High");
        await _ledger.RegisterVersion(modelId);
        await _ledger.Validate(modelId);
        var before = (await _ledger.GetVersion(modelId)).GetProperty("approvals").GetArrayLength();

        var refused = await _ledger
            .Owner.PostAsJsonAsync(
                $"{Scenario.VersionPath(modelId)}/approvals",
                new
                {
                    environment = "production",
                    intendedUse = "Retail credit decisions in DE",
                    monitoringPlan = PlanBody(Digest.OfText("not a dataset of this version"), "Suspend", drain: "2.00:00:00"),
                    decisionPolicy = new { thresholds = new[] { 0.7, 0.3 }, calibrationMethod = "magic" },
                }
            )
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");

        var errors = refused.GetProperty("errors");
        foreach (
            var field in new[]
            {
                "monitoringPlan.referenceDatasetDigest",
                "monitoringPlan.drainPeriod",
                "decisionPolicy.thresholds[1]",
                "decisionPolicy.calibrationMethod",
            }
        )
            Assert.True(errors.TryGetProperty(field, out _), $"{field} not in {errors}");
        Assert.Equal(before, (await _ledger.GetVersion(modelId)).GetProperty("approvals").GetArrayLength());
    }

    [Fact]
    public async Task The_host_applies_exactly_the_signed_threshold_and_refuses_to_start_with_another()
    {
        var (modelId, artifact, _, approvalId) = await ApprovedWithPlan("Warn");

        using (
            var other = ScoringHost(
                modelId,
                artifact,
                approvalId,
                settings: new Dictionary<string, string> { ["DecisionThresholds:0"] = "0.6" }
            )
        )
        {
            var refused = await WaitForHealth(other.CreateClient());
            Assert.Equal("decision_threshold_mismatch", refused.GetProperty("code").GetString());
            Assert.Contains("needs a new approval", refused.GetProperty("message").GetString());
        }

        using var host = ScoringHost(
            modelId,
            artifact,
            approvalId,
            settings: new Dictionary<string, string> { ["DecisionThresholds:0"] = "0.5" }
        );
        var scorer = host.CreateClient();
        var health = await WaitForHealth(scorer);
        Assert.Equal("serving", health.GetProperty("status").GetString());
        Assert.Equal(0.5, Assert.Single(health.GetProperty("decisionThresholds").EnumerateArray()).GetDouble());
        var scores = await ScoreRiskyAndSafe(scorer);
        foreach (var score in scores.EnumerateArray())
        {
            var positive = score.GetProperty("Probability").GetSingle() >= 0.5;
            Assert.Equal(positive, score.GetProperty("PredictedLabel").GetBoolean());
            Assert.Equal(positive ? 1 : 0, score.GetProperty("decision").GetInt32());
        }
        Assert.NotEqual(scores[0].GetProperty("decision").GetInt32(), scores[1].GetProperty("decision").GetInt32());
    }

    [Fact]
    public async Task A_host_enforcing_a_decision_policy_refuses_an_approval_that_signs_none()
    {
        var (modelId, artifact, approvalId) = await Approved();

        using var host = ScoringHost(
            modelId,
            artifact,
            approvalId,
            settings: new Dictionary<string, string> { ["EnforceDecisionPolicy"] = "true" }
        );

        Assert.Equal("decision_policy_missing", (await WaitForHealth(host.CreateClient())).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Under_a_signed_plan_a_report_on_another_reference_file_or_with_another_plan_is_refused_and_nothing_is_stored()
    {
        var (modelId, _, _, approvalId) = await ApprovedWithPlan("UnderReview");
        var path = $"{Scenario.VersionPath(modelId)}/monitoring-plan";
        await _ledger.Pipeline.GetAsync(path).ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        await _ledger.Pipeline.GetAsync($"{path}?environment=staging").ExpectProblem(HttpStatusCode.NotFound, "monitoring.no_plan");
        var governing = await _ledger.Auditor.GetAsync($"{path}?environment=production").Expect(HttpStatusCode.OK);
        Assert.Equal(approvalId, governing.GetProperty("approvalId").GetString());
        var plan = governing.GetProperty("plan").Deserialize<MonitoringPlan>(MonitoringEndpointTests.Json)!;
        var otherReference = Applications(5000, 0, 99);
        var report = MonitoringComputation.Compute(
            plan,
            MonitoringComparison.Drift,
            MonitoringEndpointTests.Read("reference", otherReference),
            MonitoringEndpointTests.Read("sample", Applications(1000, 0, 5)),
            app.Clock.GetUtcNow().AddDays(-1),
            app.Clock.GetUtcNow()
        );
        var reports = $"{Scenario.VersionPath(modelId)}/monitoring-reports";

        var refused = await _ledger
            .Pipeline.PostAsync(
                reports,
                JsonContent.Create(
                    new
                    {
                        environment = "production",
                        plan = plan with
                        {
                            CadenceDays = 7,
                        },
                        report,
                    },
                    options: MonitoringEndpointTests.Json
                )
            )
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");

        Assert.Contains(approvalId, refused.GetProperty("errors").GetProperty("plan")[0].GetString());
        refused = await _ledger
            .Pipeline.PostAsync(
                reports,
                JsonContent.Create(new { environment = "production", report }, options: MonitoringEndpointTests.Json)
            )
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        Assert.Contains("registered files", refused.GetProperty("errors").GetProperty("report.referenceDigest")[0].GetString());
        Assert.Empty((await _ledger.Auditor.GetAsync(reports).Expect(HttpStatusCode.OK)).EnumerateArray());
    }

    [Fact]
    public async Task The_scoring_host_samples_what_it_scores_and_records_a_report_so_a_drifted_stream_puts_the_approval_under_review()
    {
        var (modelId, artifact, digest, approvalId) = await ApprovedWithPlan("UnderReview");
        var reference = Path.Combine(_folder, $"reference-{modelId}.csv");
        await File.WriteAllTextAsync(reference, Reference(modelId));
        var samples = Path.Combine(_folder, $"samples-{modelId}");
        using var host = ScoringHost(
            modelId,
            artifact,
            approvalId,
            settings: new Dictionary<string, string>
            {
                ["MetricsPort"] = "9464",
                ["Monitoring:ReferencePath"] = reference,
                ["Monitoring:SampleFolder"] = samples,
                ["Monitoring:SampleSize"] = "500",
            }
        );
        var scorer = host.CreateClient();
        Assert.Equal("serving", (await WaitForHealth(scorer)).GetProperty("status").GetString());
        var management = host.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://localhost:9464") });
        Assert.Equal(HttpStatusCode.Conflict, (await management.PostAsync("/monitoring/report", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await scorer.PostAsync("/monitoring/report", null)).StatusCode);
        // Applicants ask for twice the durations the model was trained on (48-72 months against 12-36).
        var random = new Random(3);
        var applicants = Enumerable
            .Range(0, 800)
            .Select(_ => new
            {
                Duration = 48 + 24 * random.NextDouble(),
                Amount = 1000 + 5000 * random.NextDouble(),
                Age = 20 + 50 * random.NextDouble(),
            })
            .ToArray();
        await scorer.PostAsJsonAsync("/score", applicants).Expect(HttpStatusCode.OK);

        var recorded = await management.PostAsync("/monitoring/report", null).Expect(HttpStatusCode.Created);

        var report = recorded.GetProperty("report");
        Assert.Equal(500, report.GetProperty("sampleSize").GetInt64());
        Assert.Equal(
            ($"approval:{approvalId}", "Breach", "UnderReview"),
            (
                recorded.GetProperty("planSource").GetString(),
                report.GetProperty("verdict").GetString(),
                recorded.GetProperty("breach").GetProperty("action").GetString()
            )
        );
        // The sample stays with the host's owner; the ledger holds its digest, and the reference file's.
        var sample = Assert.Single(Directory.GetFiles(samples));
        Assert.Equal(Digest.OfBytes(await File.ReadAllBytesAsync(sample)), report.GetProperty("sampleDigest").GetString());
        Assert.Equal(Digest.OfText(Reference(modelId)), report.GetProperty("referenceDigest").GetString());
        var check = await _ledger.Check(modelId, digest);
        Assert.Equal("under_review", Assert.Single(check.GetProperty("reasons").EnumerateArray()).GetProperty("code").GetString());
        // The window starts again: nothing scored since.
        Assert.Equal(HttpStatusCode.Conflict, (await management.PostAsync("/monitoring/report", null)).StatusCode);
    }

    [Fact]
    public async Task A_warning_breach_is_recorded_and_the_check_and_the_host_carry_on_unchanged()
    {
        var (modelId, artifact, digest, approvalId) = await ApprovedWithPlan("Warn");
        using var host = ScoringHost(modelId, artifact, approvalId);
        Assert.Equal("serving", (await WaitForHealth(host.CreateClient())).GetProperty("status").GetString());

        var reportId = (await Breach(modelId, 1)).GetProperty("reportId").GetString();

        var check = await _ledger.Check(modelId, digest);
        Assert.Equal(("allowed", 0), (check.GetProperty("decision").GetString(), check.GetProperty("reasons").GetArrayLength()));
        var breaches = (await _ledger.Auditor.GetAsync($"/api/v1/approvals/{approvalId}").Expect(HttpStatusCode.OK)).GetProperty(
            "breaches"
        );
        Assert.Equal(reportId, Assert.Single(breaches.EnumerateArray()).GetProperty("reportId").GetString());
        var served = host.Services.GetRequiredService<Governance.Serving.Host.ServedModel>();
        await served.ReverifyAsync(CancellationToken.None);
        Assert.NotNull(served.Current);
        Assert.DoesNotContain(
            (await _ledger.OfficerRita.GetAsync("/api/v1/approvals/reviews").Expect(HttpStatusCode.OK)).EnumerateArray(),
            r => r.GetProperty("approvalId").GetString() == approvalId
        );
    }

    [Fact]
    public async Task Under_review_serving_continues_the_check_says_under_review_and_an_accepted_review_clears_it()
    {
        var (modelId, artifact, digest, approvalId) = await ApprovedWithPlan("UnderReview");
        using var host = ScoringHost(modelId, artifact, approvalId);
        var scorer = host.CreateClient();
        Assert.Equal("serving", (await WaitForHealth(scorer)).GetProperty("status").GetString());

        var recorded = await Breach(modelId, 2);
        Assert.Equal(
            ($"approval:{approvalId}", "UnderReview"),
            (recorded.GetProperty("planSource").GetString(), recorded.GetProperty("breach").GetProperty("action").GetString())
        );

        var check = await _ledger.Check(modelId, digest);
        Assert.Equal("allowed", check.GetProperty("decision").GetString());
        Assert.Equal("under_review", Assert.Single(check.GetProperty("reasons").EnumerateArray()).GetProperty("code").GetString());
        var status = await _ledger.Pipeline.GetAsync($"/api/v1/approvals/{approvalId}/status").Expect(HttpStatusCode.OK);
        Assert.Equal(
            ("Approved", "under_review"),
            (status.GetProperty("status").GetString(), status.GetProperty("monitoringState").GetString())
        );
        var served = host.Services.GetRequiredService<Governance.Serving.Host.ServedModel>();
        await served.ReverifyAsync(CancellationToken.None);
        await scorer.PostAsync("/reload", null).Expect(HttpStatusCode.OK);
        var review = await OpenReview(approvalId);
        Assert.Equal(
            ("UnderReview", recorded.GetProperty("reportId").GetString()),
            (review.GetProperty("action").GetString(), review.GetProperty("reportIds")[0].GetString())
        );

        // Whoever requested the approval is conflicted: the owner cannot resolve the review of their own model.
        var asOwnerOfficer = _ledger.As("owner-olivia", $"{Roles.ModelOwner},{Roles.RiskOfficer}");
        await asOwnerOfficer
            .PostAsJsonAsync(
                $"{Scenario.VersionPath(modelId)}/approvals/{approvalId}/reviews/{review.GetProperty("reviewId").GetString()}/resolution",
                new { resolution = "Accepted", rationale = "Nothing to see." }
            )
            .ExpectProblem(HttpStatusCode.Forbidden, "segregation_of_duties.model_owner_cannot_resolve");
        var resolved = await Resolve(_ledger.OfficerRita, modelId, approvalId, review.GetProperty("reviewId").GetString()!, "Accepted");
        Assert.Equal("Accepted", resolved.GetProperty("reviews")[0].GetProperty("resolution").GetString());
        Assert.Equal(0, (await _ledger.Check(modelId, digest)).GetProperty("reasons").GetArrayLength());
    }

    [Fact]
    public async Task Suspended_the_check_denies_at_once_and_the_host_stops_at_its_first_re_verification_after_the_drain_period()
    {
        var (modelId, artifact, digest, approvalId) = await ApprovedWithPlan("Suspend");
        using var host = ScoringHost(modelId, artifact, approvalId, clock: app.Clock);
        var scorer = host.CreateClient();
        Assert.Equal("serving", (await WaitForHealth(scorer)).GetProperty("status").GetString());
        var served = host.Services.GetRequiredService<Governance.Serving.Host.ServedModel>();
        try
        {
            await Breach(modelId, 3);

            var check = await _ledger.Check(modelId, digest);
            Assert.Equal("denied", check.GetProperty("decision").GetString());
            Assert.Equal("suspended", Assert.Single(check.GetProperty("reasons").EnumerateArray()).GetProperty("code").GetString());
            await _ledger.Deploy(modelId, digest).ExpectProblem(HttpStatusCode.Conflict, "deployment.refused");

            // Within the plan's 10-minute drain period the serving model finishes its work; a new load is refused at once.
            app.Clock.Offset += TimeSpan.FromMinutes(9);
            await served.ReverifyAsync(CancellationToken.None);
            Assert.NotNull(served.Current);
            using (var second = ScoringHost(modelId, artifact, approvalId, clock: app.Clock))
                Assert.Equal("approval_suspended", (await WaitForHealth(second.CreateClient())).GetProperty("code").GetString());

            app.Clock.Offset += TimeSpan.FromMinutes(2);
            await served.ReverifyAsync(CancellationToken.None);
            Assert.Null(served.Current);
            Assert.Equal("approval_suspended", served.Refusal!.Code);

            var review = await OpenReview(approvalId);
            Assert.Equal("Suspend", review.GetProperty("action").GetString());
            await Resolve(_ledger.OfficerRavi, modelId, approvalId, review.GetProperty("reviewId").GetString()!, "Accepted");
            Assert.Equal("allowed", (await _ledger.Check(modelId, digest)).GetProperty("decision").GetString());
            await served.ReverifyAsync(CancellationToken.None);
            Assert.NotNull(served.Current);
        }
        finally
        {
            app.Clock.Offset = TimeSpan.Zero;
        }
    }

    [Theory]
    [InlineData("Revoked")]
    [InlineData("RevalidationRequired")]
    public async Task A_review_resolved_by_revocation_or_revalidation_revokes_the_approval(string resolution)
    {
        var (modelId, artifact, digest, approvalId) = await ApprovedWithPlan("UnderReview");
        using var host = ScoringHost(modelId, artifact, approvalId, settings: new Dictionary<string, string> { ["MetricsPort"] = "9464" });
        Assert.Equal("serving", (await WaitForHealth(host.CreateClient())).GetProperty("status").GetString());
        // The host's metrics are served on its management port only (they name the model and environment).
        var management = host.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://localhost:9464") });
        Assert.Equal(HttpStatusCode.NotFound, (await host.CreateClient().GetAsync("/metrics")).StatusCode);
        var metrics = await management.GetStringAsync("/metrics");
        Assert.Equal("1", Sample(metrics, "governance_serving_loads_total", "outcome=\"loaded\"", $"model=\"{modelId}\""));
        Assert.Equal("1", Sample(metrics, "governance_serving_serving", $"model=\"{modelId}\""));
        await Breach(modelId, 4);
        var review = await OpenReview(approvalId);

        var approval = await Resolve(_ledger.OfficerRita, modelId, approvalId, review.GetProperty("reviewId").GetString()!, resolution);

        Assert.Equal("Revoked", approval.GetProperty("status").GetString());
        Assert.Equal("approval_revoked", (await _ledger.Check(modelId, digest)).GetProperty("reasons")[0].GetProperty("code").GetString());
        var served = host.Services.GetRequiredService<Governance.Serving.Host.ServedModel>();
        await served.ReverifyAsync(CancellationToken.None);
        Assert.Equal("approval_revoked", served.Refusal!.Code);
        metrics = await management.GetStringAsync("/metrics");
        Assert.Equal(
            "1",
            Sample(
                metrics,
                "governance_serving_reverifications_total",
                "outcome=\"refused\"",
                "code=\"approval_revoked\"",
                $"model=\"{modelId}\""
            )
        );
        Assert.Equal("0", Sample(metrics, "governance_serving_serving", $"model=\"{modelId}\""));
        var version = await _ledger.GetVersion(modelId);
        Assert.Equal(resolution == "RevalidationRequired", version.GetProperty("validation").ValueKind == JsonValueKind.Null);
        await using var session = app.Services.GetRequiredService<IDocumentStore>().QuerySession();
        // The host's stop (model_load_refused) follows them.
        var types = (await session.Events.FetchStreamAsync($"{modelId}@1.0.0"))
            .Select(e => e.EventTypeName)
            .SkipWhile(t => t != "monitoring_breach_recorded")
            .Take(3);
        Assert.Equal(["monitoring_breach_recorded", "breach_review_resolved", "approval_revoked"], types);
    }
}
