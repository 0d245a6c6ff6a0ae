using Governance.Domain.Approvals;
using Governance.Domain.Datasets;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Domain.Validation;
using Governance.Ledger.Approvals;
using Governance.Ledger.Datasets;
using Governance.Ledger.Models;
using Governance.Ledger.ModelVersions;
using Governance.Ledger.Validation;
using Governance.Ledger.Writing;
using Microsoft.Extensions.DependencyInjection;

namespace Governance.Benchmarks;

/// <summary>Approved versions, each version 1.0.0 of its own low-risk model, approved for <c>production</c> for 30 days.</summary>
/// <param name="Models">The model ids.</param>
/// <param name="ArtifactDigest">The one artifact digest every version was registered and approved with.</param>
/// <param name="ApprovalIds">Each model's granted approval, in the order of <paramref name="Models"/>.</param>
public sealed record SeededVersions(string[] Models, string ArtifactDigest, string[] ApprovalIds);

/// <summary>
/// Approved versions to deploy and check, prepared through the ledger's features as the API runs them (owner registers, a
/// validator passes, a risk officer signs off), so each granted approval carries its signed attestation. Used by the
/// benchmarks and by the multi-node test, which seeds the same way before its API nodes start.
/// </summary>
public static class ApprovedVersions
{
    /// <summary>Seeds <paramref name="count"/> approved versions named <c>bench-PREFIX-RUN-i</c>.</summary>
    /// <param name="ledger">Services with the ledger registered (<c>AddGovernanceLedger</c>) and its schema applied.</param>
    public static async Task<SeededVersions> SeedAsync(IServiceProvider ledger, string prefix, int count)
    {
        var owner = new CommandCall(Caller.FromToken("bench-owner", null, [Roles.ModelOwner]), "bench-seed");
        var validator = new CommandCall(Caller.FromToken("bench-validator", null, [Roles.Validator]), "bench-seed");
        var officer = new CommandCall(Caller.FromToken("bench-officer", null, [Roles.RiskOfficer]), "bench-seed");
        var ct = CancellationToken.None;
        var run = Guid.NewGuid().ToString("N")[..8];
        var artifact = Digest.OfText("benchmark artifact");
        var file = new DatasetFile("bench.csv", Digest.OfText($"bench data {run}"), 1000);
        var dataset = (
            await ledger
                .GetRequiredService<DatasetRegister>()
                .RegisterAsync(
                    new RegisterDataset($"bench-{run}", "1", null, [file], null, 10, [new DatasetColumn("x", "float")], false, null, null),
                    owner,
                    ct
                )
        ).Result;
        var models = new string[count];
        var approvalIds = new string[count];
        for (var i = 0; i < count; i++)
        {
            var id = models[i] = $"bench-{prefix}-{run}-{i}";
            await ledger
                .GetRequiredService<ModelInventory>()
                .RegisterAsync(new RegisterModel(id, id, "benchmark", RiskTier.Low, null, ["EU"], null), owner, ct);
            var target = new VersionRef(id, "1.0.0");
            await ledger
                .GetRequiredService<ModelVersionRecords>()
                .RegisterAsync(
                    new RegisterModelVersion(
                        id,
                        "1.0.0",
                        "s3://bench/model.zip",
                        artifact,
                        1000,
                        ArtifactFormat.MlNetZip,
                        dataset.ManifestDigest,
                        dataset.ManifestDigest,
                        null,
                        "bench",
                        null,
                        null
                    ),
                    owner,
                    ct
                );
            var validation = ledger.GetRequiredService<ValidationRecords>();
            await validation.SubmitAsync(target, new SubmitForValidation("bench", null, null, null), owner, ct);
            await validation.RecordOutcomeAsync(target, new RecordValidationOutcome(ValidationOutcome.Passed, [], "bench"), validator, ct);
            var approvals = ledger.GetRequiredService<ApprovalRecords>();
            var approvalId = (await approvals.RequestAsync(target, "production", "bench", null, owner, ct)).Result.Id;
            approvalIds[i] = approvalId;
            await approvals.SignOffAsync(
                target,
                new ApproveModelVersion(approvalId, artifact, "production", "bench", [], DateTimeOffset.UtcNow.AddDays(30)),
                officer,
                ct
            );
        }
        return new SeededVersions(models, artifact, approvalIds);
    }
}
