using System.Net.Http.Json;
using Governance.Attestations;
using Governance.Domain.Shared;
using Governance.Ledger.Reconciliation;
using Governance.Ledger.SecurityLog;
using Governance.Ledger.Transparency;
using Microsoft.Extensions.DependencyInjection;

namespace Governance.Api.Tests;

/// <summary>
/// Read models are not trusted blindly (issue 13 item 5), on the tamper suite's sealed ledger: an approval un-revoked by an
/// SQL edit of <c>mt_doc_approval</c> is found by the server's reconciliation job (recorded once in the security log and kept as
/// a failing integrity check for the dashboard), and the signed status list, issued from the events, still says revoked.
/// </summary>
[Collection(TamperCollection.Name)]
public sealed class ReadModelTrustTests(TamperLedger ledger)
{
    private Task UnrevokeInTheReadModel() =>
        ledger.Sql(
            "update governance.mt_doc_approval set data = jsonb_set(data, '{status}', '\"Approved\"') "
                + $"where id = '{ledger.RevokedApproval}'"
        );

    [Fact]
    public async Task The_signed_status_list_still_says_revoked_after_the_row_is_edited_to_approved()
    {
        var pipeline = ledger.As("pipeline-ci", Roles.DeploymentPipeline);
        try
        {
            await UnrevokeInTheReadModel();
            // The editable row now answers the online check as approved: that is what the status list must not follow.
            var online = await pipeline.GetFromJsonAsync<ApprovalStatusAnswer>($"/api/v1/approvals/{ledger.RevokedApproval}/status");
            Assert.False(online!.Revoked);

            var keys = (await ledger.As(null).GetFromJsonAsync<JwkSet>("/api/v1/attestation-keys"))!;
            var bytes = await pipeline.GetByteArrayAsync("/api/v1/approvals/status-list");
            var verified = ApprovalStatusList.Verify(bytes, keys, ledger.Clock.GetUtcNow(), TimeSpan.Zero);
            Assert.True(verified.Verified, verified.Message);
            var entry = verified.List!.Find(ledger.RevokedApproval)!;
            Assert.True(entry.Revoked);
            Assert.Equal("Revoked", entry.Status);
            Assert.NotNull(entry.RevokedAt);
        }
        finally
        {
            await ledger.RestoreAsync();
        }
    }

    [Fact]
    public async Task The_reconciliation_job_reports_an_edited_approval_once_in_the_security_log_and_as_a_failing_check()
    {
        var job = ledger.Services.GetRequiredService<ReadModelReconciliation>();
        var checks = ledger.Services.GetRequiredService<IntegrityChecks>();
        var securityLog = ledger.Services.GetRequiredService<SecurityLogBook>();
        try
        {
            var clean = await job.RunOnceAsync(CancellationToken.None);
            Assert.True(clean.Passed, string.Join("; ", clean.Findings));
            Assert.DoesNotContain(await checks.FailingAsync(CancellationToken.None), c => c.Name == IntegrityChecks.Reconciliation);

            await UnrevokeInTheReadModel();
            var found = await job.RunOnceAsync(CancellationToken.None);
            Assert.False(found.Passed);
            var finding = Assert.Single(found.Findings);
            Assert.Contains(ledger.RevokedApproval, finding);
            Assert.Contains("says Approved", finding);
            Assert.Contains(await checks.FailingAsync(CancellationToken.None), c => c.Name == IntegrityChecks.Reconciliation);

            // The same difference again is not recorded twice.
            await job.RunOnceAsync(CancellationToken.None);
            var recorded = (await securityLog.PageAsync(null, 500, CancellationToken.None))
                .Events.Where(e => e.EventType == "read_model_difference_found")
                .ToArray();
            var entry = Assert.Single(recorded);
            Assert.Equal(ReadModelReconciliation.Actor.SubjectId, entry.Actor.SubjectId);
        }
        finally
        {
            await ledger.RestoreAsync();
            await job.RunOnceAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_models_verification_against_the_signed_log_passes_then_names_an_edited_event_and_fails_loudly()
    {
        var verification = new ModelLogVerification(
            ledger.Services.GetRequiredService<TransparencyLog>(),
            ledger.Services.GetRequiredService<IntegrityChecks>(),
            new CheckpointKey(ledger.SealerOptions),
            ledger.Clock
        );
        var checks = ledger.Services.GetRequiredService<IntegrityChecks>();
        var model = (string)
            (await ledger.Sql($"select data->>'modelId' from governance.mt_doc_approval where id = '{ledger.RevokedApproval}'"))!;
        try
        {
            var clean = await verification.VerifyAsync(model, CancellationToken.None);
            Assert.True(clean.Passed, string.Join("; ", clean.Findings));
            Assert.NotNull(clean.CheckpointSize);
            var last = await verification.LastAsync(model, CancellationToken.None);
            Assert.True(last is { Passed: true } && last.CheckpointSize == clean.CheckpointSize && last.UpToSeq == clean.UpToSeq);

            var seq = (long)(await ledger.Sql($"select max(seq_id) from governance.mt_events where stream_id like '{model}@%'"))!;
            await ledger.Sql($"update governance.mt_events set data = data || '{{\"reason\": \"forged\"}}' where seq_id = {seq}");
            var failed = await verification.VerifyAsync(model, CancellationToken.None);
            Assert.False(failed.Passed);
            Assert.Contains($"event {seq} ", Assert.Single(failed.Findings));
            Assert.Contains(await checks.FailingAsync(CancellationToken.None), c => c.Name == IntegrityChecks.Model(model));
        }
        finally
        {
            await ledger.RestoreAsync();
            await verification.VerifyAsync(model, CancellationToken.None);
        }
    }
}
