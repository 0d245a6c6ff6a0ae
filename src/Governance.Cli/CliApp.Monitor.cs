using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Governance.Domain.Monitoring;
using Governance.Explainability.Data;
using Governance.Monitoring;

namespace Governance.Cli;

public static partial class CliApp
{
    /// <summary>Relative difference allowed between a recorded and a recomputed statistic: the same code gives the same bits;
    /// another build or platform may differ in the last bits of a sum.</summary>
    private const double MonitorTolerance = 1e-9;

    /// <summary><c>governance monitor</c> (compute locally and record) and <c>governance monitor verify</c> (issue 15).</summary>
    private static Command MonitorCommands(Runner run)
    {
        var model = new Option<string>("--model") { Required = true };
        var version = new Option<string>("--version") { Required = true };
        var environment = new Option<string>("--environment") { Required = true, Description = "Where the sample was drawn (production)" };
        var reference = new Option<string>("--reference") { Required = true, Description = "The reference CSV (the plan's dataset file)" };
        var sample = new Option<string>("--sample")
        {
            Required = true,
            Description = "The production sample CSV (stays local; its digest is recorded)",
        };
        var planFile = new Option<FileInfo?>("--plan")
        {
            Description =
                "The monitoring plan (JSON), when no approval of the version in the environment carries a signed one "
                + "(default: the signed plan, fetched from the ledger)",
        };
        var windowStart = new Option<DateTimeOffset?>("--window-start")
        {
            Description = "Start of the sample's window (default: end - cadence)",
        };
        var windowEnd = new Option<DateTimeOffset?>("--window-end") { Description = "End of the sample's window (default: now)" };
        var skew = new Option<bool>("--skew") { Description = "Feature skew: the reference is the training data; no prediction" };
        var threads = new Option<int>("--threads")
        {
            Description = "Features computed at once",
            DefaultValueFactory = _ => Environment.ProcessorCount,
        };
        var reason = new Option<string?>("--reason");
        var monitor = run(
            new Command("monitor", "Compute the plan's drift tests on a sample against the reference locally, and record the report")
            {
                model,
                version,
                environment,
                reference,
                sample,
                planFile,
                windowStart,
                windowEnd,
                skew,
                threads,
                reason,
            },
            async (p, ledger, print, ct) =>
            {
                var (modelId, versionLabel) = (Uri.EscapeDataString(p.GetValue(model)!), Uri.EscapeDataString(p.GetValue(version)!));
                var plan = p.GetValue(planFile) is { } file
                    ? ReadPlan(await Read(file, "--plan", ct))
                    : await SignedPlanAsync(ledger, modelId, versionLabel, p.GetValue(environment)!, ct);
                var end = p.GetValue(windowEnd) ?? DateTimeOffset.UtcNow;
                var start = p.GetValue(windowStart) ?? end.AddDays(-plan.CadenceDays);
                var comparison = p.GetValue(skew) ? MonitoringComparison.Skew : MonitoringComparison.Drift;
                var report = ComputeReport(plan, comparison, p.GetValue(reference)!, p.GetValue(sample)!, start, end, p.GetValue(threads));
                var body = JsonSerializer.SerializeToNode(
                    new
                    {
                        environment = p.GetValue(environment),
                        plan,
                        report,
                        reason = p.GetValue(reason),
                    },
                    ReportJson
                )!;
                var (status, answer) = await ledger.SendAsync(
                    HttpMethod.Post,
                    $"api/v1/models/{modelId}/versions/{versionLabel}/monitoring-reports",
                    body,
                    "ledger:write",
                    LedgerConnection.IdempotencyKey(
                        "monitoring",
                        p.GetValue(model),
                        p.GetValue(version),
                        MonitoringDecisions.DigestOf(report)
                    ),
                    ct
                );
                if (status != HttpStatusCode.Created)
                    throw LedgerConnection.Refusal(status, answer);
                var breach = answer.TryGetProperty("breach", out var b) && b.ValueKind == JsonValueKind.Object ? BreachSummary(b) : "";
                return await print(
                    $"Recorded {answer.GetProperty("reportId").GetString()}: {report.Verdict.ToString().ToLowerInvariant()} "
                        + $"({report.DriftedShare:P0} of features drifting) on {answer.GetProperty("stream").GetString()}, "
                        + $"digest {answer.GetProperty("reportDigest").GetString()}, plan {answer.GetProperty("planSource").GetString()}"
                        + breach,
                    answer
                );
            }
        );

        var reportId = new Option<string>("--report") { Required = true, Description = "The recorded report's id (monitoring-...)" };
        var verifyReference = new Option<string>("--reference") { Required = true, Description = "The reference CSV" };
        var verifySample = new Option<string>("--sample") { Required = true, Description = "The sample CSV" };
        var verify = run(
            new Command(
                "verify",
                "Check the files' digests against a recorded report and recompute every statistic and verdict. Exit 4 on any difference."
            )
            {
                reportId,
                verifyReference,
                verifySample,
            },
            async (p, ledger, print, ct) =>
            {
                var (status, answer) = await ledger.SendAsync(
                    HttpMethod.Get,
                    $"api/v1/monitoring-reports/{Uri.EscapeDataString(p.GetValue(reportId)!)}",
                    null,
                    "ledger:read",
                    null,
                    ct
                );
                if (status != HttpStatusCode.OK)
                    throw LedgerConnection.Refusal(status, answer);
                var plan = answer.GetProperty("plan").Deserialize<MonitoringPlan>(ReportJson)!;
                var recorded = answer.GetProperty("report").Deserialize<MonitoringReport>(ReportJson)!;
                var recomputed = ComputeReport(
                    plan,
                    recorded.Comparison,
                    p.GetValue(verifyReference)!,
                    p.GetValue(verifySample)!,
                    recorded.WindowStart,
                    recorded.WindowEnd,
                    Environment.ProcessorCount
                );
                var differences = CompareReports(recorded, recomputed);
                var summary = new
                {
                    matches = differences.Count == 0,
                    reportId = p.GetValue(reportId),
                    verdict = recorded.Verdict,
                    recorded.SampleDigest,
                    recorded.ReferenceDigest,
                    tolerance = MonitorTolerance,
                    differences,
                };
                if (differences.Count > 0)
                    throw new CliFailure(
                        ExitCodes.VerificationFailed,
                        "monitoring_report_differs",
                        $"{differences.Count} value(s) differ from the recorded report; first: {differences[0]}",
                        summary
                    );
                return await print(
                    "Verified: the files' digests match and every statistic and verdict recomputes "
                        + $"({recorded.Verdict.ToString().ToLowerInvariant()})",
                    summary
                );
            }
        );
        monitor.Subcommands.Add(verify);
        return monitor;
    }

    /// <summary>What a recorded breach did to the approval, as the CLI prints it after the report.</summary>
    private static string BreachSummary(JsonElement breach)
    {
        var (approval, review) = (breach.GetProperty("approvalId").GetString(), breach.GetProperty("reviewId").GetString());
        return breach.GetProperty("action").GetString() switch
        {
            "Warn" => $"; breach recorded as a warning on approval {approval}",
            "Suspend" => $"; approval {approval} suspended, review {review} in the risk officers' queue",
            _ => $"; approval {approval} under review, review {review} in the risk officers' queue",
        };
    }

    /// <summary>The plan signed with the version's approval in the environment (GET .../monitoring-plan).</summary>
    /// <exception cref="CliFailure">The ledger's refusal, e.g. <c>monitoring.no_plan</c> (exit 3): then pass --plan.</exception>
    private static async Task<MonitoringPlan> SignedPlanAsync(
        LedgerConnection ledger,
        string modelId,
        string version,
        string environment,
        CancellationToken ct
    )
    {
        var (status, answer) = await ledger.SendAsync(
            HttpMethod.Get,
            $"api/v1/models/{modelId}/versions/{version}/monitoring-plan?environment={Uri.EscapeDataString(environment)}",
            null,
            "ledger:read",
            null,
            ct
        );
        if (status != HttpStatusCode.OK)
            throw LedgerConnection.Refusal(status, answer);
        return answer.GetProperty("plan").Deserialize<MonitoringPlan>(ReportJson)!;
    }

    private static MonitoringPlan ReadPlan(byte[] bytes)
    {
        try
        {
            return JsonSerializer.Deserialize<MonitoringPlan>(bytes, ReportJson)
                ?? throw new CliFailure(ExitCodes.InvalidInput, "invalid_plan", "--plan is empty");
        }
        catch (JsonException e)
        {
            throw new CliFailure(ExitCodes.InvalidInput, "invalid_plan", $"--plan is not a monitoring plan: {e.Message}");
        }
    }

    private static MonitoringReport ComputeReport(
        MonitoringPlan plan,
        MonitoringComparison comparison,
        string referencePath,
        string samplePath,
        DateTimeOffset start,
        DateTimeOffset end,
        int threads
    )
    {
        var (referenceFile, sampleFile) = (Existing(referencePath, "--reference"), Existing(samplePath, "--sample"));
        return Computed(
            () =>
            {
                var reference = CsvTable.Read(referenceFile);
                var sample = CsvTable.Read(sampleFile);
                return MonitoringComputation.Compute(
                    plan,
                    comparison,
                    new MonitoringTable("reference", reference.Columns, reference.Cells, reference.Sha256),
                    new MonitoringTable("sample", sample.Columns, sample.Cells, sample.Sha256),
                    start,
                    end,
                    threads
                );
            },
            "monitoring_input"
        );
    }

    /// <summary>Every difference between a recorded and a recomputed report: digests and counts exactly, statistics within
    /// <see cref="MonitorTolerance"/>, verdicts exactly.</summary>
    private static List<string> CompareReports(MonitoringReport recorded, MonitoringReport recomputed)
    {
        var differences = new List<string>();
        void Exact<T>(string what, T a, T b)
        {
            if (!EqualityComparer<T>.Default.Equals(a, b))
                differences.Add($"{what}: recorded {a}, recomputed {b}");
        }
        void Near(string what, double? a, double? b)
        {
            if (a is null != b is null || (a is { } x && b is { } y && Math.Abs(x - y) > MonitorTolerance * Math.Max(1e-300, Math.Abs(x))))
                differences.Add(FormattableString.Invariant($"{what}: recorded {a:R}, recomputed {b:R}"));
        }
        Exact("sampleDigest", recorded.SampleDigest, recomputed.SampleDigest);
        Exact("referenceDigest", recorded.ReferenceDigest, recomputed.ReferenceDigest);
        Exact("sampleSize", recorded.SampleSize, recomputed.SampleSize);
        Exact("referenceRows", recorded.ReferenceRows, recomputed.ReferenceRows);
        var pairs = recorded.Features.Zip(recomputed.Features).ToList();
        if (recorded.Prediction is not null && recomputed.Prediction is not null)
            pairs.Add((recorded.Prediction, recomputed.Prediction));
        foreach (var (a, b) in pairs)
        {
            var f = a.Name;
            Exact($"{f}.sampleValues", a.SampleValues, b.SampleValues);
            Exact($"{f}.bins.referenceCounts", string.Join(",", a.Bins.ReferenceCounts), string.Join(",", b.Bins.ReferenceCounts));
            Exact($"{f}.bins.sampleCounts", string.Join(",", a.Bins.SampleCounts), string.Join(",", b.Bins.SampleCounts));
            Exact(
                $"{f}.bins.edges",
                string.Join(",", a.Bins.Edges.Select(e => e.ToString("R", CultureInfo.InvariantCulture))),
                string.Join(",", b.Bins.Edges.Select(e => e.ToString("R", CultureInfo.InvariantCulture)))
            );
            foreach (var (ta, tb) in a.Tests.Zip(b.Tests))
            {
                Near($"{f}.{ta.Statistic}.value", ta.Value, tb.Value);
                Near($"{f}.{ta.Statistic}.pValue", ta.PValue, tb.PValue);
                Near($"{f}.{ta.Statistic}.adjustedPValue", ta.AdjustedPValue, tb.AdjustedPValue);
                Exact($"{f}.{ta.Statistic}.verdict", ta.Verdict, tb.Verdict);
            }
            Exact($"{f}.verdict", a.Verdict, b.Verdict);
        }
        Exact("datasetDrift", recorded.DatasetDrift, recomputed.DatasetDrift);
        Exact("verdict", recorded.Verdict, recomputed.Verdict);
        return differences;
    }
}
