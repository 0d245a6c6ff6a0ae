using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Governance.Domain.Evidence;
using Governance.Explainability.Evidence;

namespace Governance.Cli;

public static partial class CliApp
{
    /// <summary>Reports as files and as request bodies: web defaults, enums by name (as the API reads them).</summary>
    private static readonly JsonSerializerOptions ReportJson = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary><c>governance evidence compute | record | verify</c>: explainability and validation evidence (issue 14).</summary>
    private static Command EvidenceCommands(Runner run, TextWriter output)
    {
        var artifact = new Option<string>("--artifact") { Required = true, Description = "XGBoost JSON model or ML.NET model zip" };
        var data = new Option<string>("--data") { Required = true, Description = "CSV with a header: features, label, protected columns" };
        var label = new Option<string>("--label") { Required = true, Description = "The label column" };
        var positive = new Option<string>("--positive")
        {
            Required = true,
            Description = "The label value of the positive (adverse) class",
        };
        var protectedAttributes = new Option<string[]>("--protected")
        {
            Description = "COLUMN, NAME=GROUP:COL1,COL2 or COLUMN=<25,25-59,>=60 (repeat for each attribute)",
            AllowMultipleArgumentsPerToken = false,
        };
        var cost = new Option<string>("--cost")
        {
            Description = "Costs of a false positive and a false negative, fp=1,fn=5",
            DefaultValueFactory = _ => "fp=1,fn=5",
        };
        var role = new Option<DatasetRole>("--role")
        {
            Required = true,
            Description = "The dataset's role: Training, Validation or Holdout",
        };
        var seed = new Option<int>("--seed") { Description = "Seed of every random draw", DefaultValueFactory = _ => 20261129 };
        var repeats = new Option<int>("--repeats") { Description = "Permutations per feature", DefaultValueFactory = _ => 5 };
        var outFile = new Option<FileInfo>("--out") { Required = true, Description = "Where to write the report (JSON)" };
        var perRow = new Option<FileInfo?>("--per-row")
        {
            Description = "Where to write the per-row SHAP values (CSV; the report holds its digest)",
        };
        var compute = run(
            new Command("compute", "Compute TreeSHAP, permutation importance, metrics, threshold and bias from an artifact and a CSV")
            {
                artifact,
                data,
                label,
                positive,
                protectedAttributes,
                cost,
                role,
                seed,
                repeats,
                outFile,
                perRow,
            },
            async (p, _, print, ct) =>
            {
                var (fp, fn) = Costs(p.GetValue(cost)!);
                var request = new EvidenceRequest(
                    Existing(p.GetValue(artifact)!, "--artifact"),
                    Existing(p.GetValue(data)!, "--data"),
                    p.GetValue(label)!,
                    p.GetValue(positive)!,
                    p.GetValue(role),
                    p.GetValue(protectedAttributes) ?? [],
                    fp,
                    fn,
                    p.GetValue(seed),
                    p.GetValue(repeats)
                );
                var result = Computed(() => EvidenceComputation.Compute(request));
                var file = p.GetValue(outFile)!;
                await File.WriteAllTextAsync(file.FullName, JsonSerializer.Serialize(result.Report, ReportJson), ct);
                if (p.GetValue(perRow) is { } rows)
                    await File.WriteAllBytesAsync(rows.FullName, result.PerRowShapCsv, ct);
                var r = result.Report;
                var t = r.Metrics.Threshold;
                return await print(
                    $"Evidence for {r.ArtifactDigest} on {r.RowCount} rows ({r.DatasetRole}{(r.InSample ? ", in-sample" : "")}): "
                        + $"ROC AUC {F(r.Metrics.RocAuc)}, PR AUC {F(r.Metrics.AveragePrecision)}, Brier {F(r.Metrics.Brier)}, "
                        + $"threshold {F(t.ChosenThreshold)} (cost {F(t.ExpectedCost)}/row, approval {F(t.ApprovalRate)}), "
                        + $"SHAP additivity residual {r.Shap.AdditivityResidual.ToString("E2", CultureInfo.InvariantCulture)}; "
                        + $"written to {file.FullName}",
                    new
                    {
                        report = file.FullName,
                        r.ArtifactDigest,
                        r.DatasetFileDigest,
                        r.Shap.AdditivityResidual,
                    }
                );
            }
        );

        var model = new Option<string>("--model") { Required = true };
        var version = new Option<string>("--version") { Required = true };
        var reportFile = new Option<FileInfo>("--report") { Required = true, Description = "A report written by evidence compute" };
        var reason = new Option<string?>("--reason");
        var record = run(
            new Command("record", "Record a computed report on the model version (as a Validator)") { model, version, reportFile, reason },
            async (p, ledger, print, ct) =>
            {
                var bytes = await Read(p.GetValue(reportFile)!, "--report", ct);
                var report = ReadReport(bytes);
                var body = JsonSerializer.SerializeToNode(new { report, reason = p.GetValue(reason) }, ReportJson)!;
                var (modelId, versionLabel) = (Uri.EscapeDataString(p.GetValue(model)!), Uri.EscapeDataString(p.GetValue(version)!));
                var path = $"api/v1/models/{modelId}/versions/{versionLabel}/evidence";
                var (status, answer) = await ledger.SendAsync(
                    HttpMethod.Post,
                    path,
                    body,
                    "ledger:write",
                    LedgerConnection.IdempotencyKey(
                        "evidence",
                        p.GetValue(model),
                        p.GetValue(version),
                        Convert.ToHexStringLower(SHA256.HashData(bytes))
                    ),
                    ct
                );
                if (status != HttpStatusCode.Created)
                    throw LedgerConnection.Refusal(status, answer);
                return await print(
                    $"Recorded {answer.GetProperty("reportId").GetString()} on {p.GetValue(model)} {p.GetValue(version)} "
                        + $"(dataset {answer.GetProperty("datasetName").GetString()} {answer.GetProperty("datasetVersion").GetString()})",
                    answer
                );
            }
        );

        var verifyReport = new Option<FileInfo>("--report")
        {
            Required = true,
            Description = "The report to check (evidence compute's file)",
        };
        var verifyArtifact = new Option<string>("--artifact") { Required = true, Description = "The same artifact" };
        var verifyData = new Option<string>("--data") { Required = true, Description = "The same CSV" };
        var verify = run(
            new Command(
                "verify",
                "Recompute a report from the same inputs and compare: bit-for-bit on the same build, within its tolerance elsewhere. "
                    + "Exit 4 on any difference."
            )
            {
                verifyReport,
                verifyArtifact,
                verifyData,
            },
            async (p, _, print, ct) =>
            {
                var recorded = ReadReport(await Read(p.GetValue(verifyReport)!, "--report", ct));
                var request = Computed(() =>
                    EvidenceRequest.From(
                        recorded,
                        Existing(p.GetValue(verifyArtifact)!, "--artifact"),
                        Existing(p.GetValue(verifyData)!, "--data")
                    )
                );
                var recomputed = Computed(() => EvidenceComputation.Compute(request)).Report;
                var verification = EvidenceComparison.Compare(recorded, recomputed);
                var summary = new
                {
                    matches = verification.Matches,
                    verification.SameBuild,
                    verification.Tolerance,
                    recordedBuild = recorded.Build,
                    thisBuild = recomputed.Build,
                    differences = verification.Differences.Take(50).ToArray(),
                    differenceCount = verification.Differences.Count,
                };
                var mode = verification.SameBuild ? "same build: bit-for-bit" : $"other build: tolerance {verification.Tolerance}";
                if (!verification.Matches)
                    throw new CliFailure(
                        ExitCodes.VerificationFailed,
                        "evidence_differs",
                        $"{verification.Differences.Count} value(s) differ from the report "
                            + $"({mode}), "
                            + $"first {verification.Differences[0].Path}: recorded {verification.Differences[0].Recorded}, "
                            + $"recomputed {verification.Differences[0].Recomputed}",
                        summary
                    );
                return await print(
                    verification.SameBuild
                        ? $"Verified: every value recomputed bit-for-bit on the same build ({recomputed.Build})"
                        : $"Verified within {verification.Tolerance} on another build "
                            + $"(recorded: {recorded.Build}; this: {recomputed.Build})",
                    summary
                );
            }
        );
        return new Command("evidence", "Explainability and validation evidence: compute, record, verify") { compute, record, verify };
    }

    private static string F(double v) => v.ToString("0.####", CultureInfo.InvariantCulture);

    private static string Existing(string path, string option) =>
        File.Exists(path)
            ? Path.GetFullPath(path)
            : throw new CliFailure(ExitCodes.InvalidInput, "file_not_found", $"{option}: no such file {path}");

    /// <summary>Runs the computation, turning its refusals of the inputs into exit 1 with the reason (under
    /// <paramref name="code"/>).</summary>
    private static T Computed<T>(Func<T> compute, string code = "evidence_input")
    {
        try
        {
            return compute();
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or FormatException)
        {
            throw new CliFailure(ExitCodes.InvalidInput, code, e.Message);
        }
    }

    private static EvidenceReport ReadReport(byte[] bytes)
    {
        try
        {
            return JsonSerializer.Deserialize<EvidenceReport>(bytes, ReportJson)
                ?? throw new CliFailure(ExitCodes.InvalidInput, "invalid_report", "--report is empty");
        }
        catch (JsonException e)
        {
            throw new CliFailure(ExitCodes.InvalidInput, "invalid_report", $"--report is not an evidence report: {e.Message}");
        }
    }

    private static (double Fp, double Fn) Costs(string text)
    {
        var pairs = Pairs(text.Split(',', StringSplitOptions.TrimEntries), "--cost");
        if (
            pairs.Count != 2
            || !pairs.TryGetValue("fp", out var fp)
            || !pairs.TryGetValue("fn", out var fn)
            || !double.TryParse(fp, NumberStyles.Float, CultureInfo.InvariantCulture, out var a)
            || !double.TryParse(fn, NumberStyles.Float, CultureInfo.InvariantCulture, out var b)
            || a < 0
            || b < 0
        )
            throw new CliFailure(ExitCodes.InvalidInput, "invalid_cost", $"--cost '{text}' must be fp=<number>,fn=<number> (non-negative)");
        return (a, b);
    }
}
