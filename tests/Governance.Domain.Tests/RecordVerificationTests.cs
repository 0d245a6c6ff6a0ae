using Governance.Domain.Deployments;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using static Governance.Domain.Tests.TestLedger;

namespace Governance.Domain.Tests;

public class RecordVerificationTests
{
    private static ModelLoaded Loaded(string host = "scorer-1", string? digest = null, DateTimeOffset? at = null) =>
        new(ModelId, VersionLabel, Production, host, digest ?? ArtifactDigest, ApprovalId, AuditOf(Pipeline, at ?? Day(5)));

    private static ModelLoadRefused LoadRefused(string host = "scorer-1", DateTimeOffset? at = null) =>
        new(ModelId, VersionLabel, Production, host, ArtifactDigest, "approval_revoked", AuditOf(Pipeline, at ?? Day(6)));

    private static RecordVerification Verify(string host = "scorer-1", string? digest = null, string approvalId = ApprovalId) =>
        new(Production, host, digest ?? ArtifactDigest, approvalId);

    [Fact]
    public void A_verification_of_the_load_a_host_reported_is_its_last_verified_record_keyed_by_host()
    {
        var version = Given([.. Approved(), Loaded()]);

        var verified = RecordVerificationDecision.Decide(
            Verify(digest: "sha256:" + ArtifactDigest[7..].ToUpperInvariant()),
            version,
            Pipeline,
            Day(7)
        );

        Assert.Equal(
            new LastVerification(
                $"{ModelId}@{VersionLabel}|{Production}|scorer-1",
                ModelId,
                VersionLabel,
                Production,
                "scorer-1",
                ArtifactDigest,
                ApprovalId,
                Day(7),
                Pipeline
            ),
            verified
        );
    }

    [Fact]
    public void A_host_that_reported_no_load_or_a_refusal_since_has_nothing_to_verify()
    {
        Refused(
            () => RecordVerificationDecision.Decide(Verify(), Given(Approved()), Pipeline, Day(7)),
            RuleKind.Conflict,
            "verification.not_loaded"
        );
        Refused(
            () => RecordVerificationDecision.Decide(Verify(host: "scorer-2"), Given([.. Approved(), Loaded()]), Pipeline, Day(7)),
            RuleKind.Conflict,
            "verification.not_loaded"
        );
        Refused(
            () => RecordVerificationDecision.Decide(Verify(), Given([.. Approved(), Loaded(), LoadRefused()]), Pipeline, Day(7)),
            RuleKind.Conflict,
            "verification.not_loaded"
        );
        // Loaded again after the refusal: verifications are accepted again.
        var again = Given([.. Approved(), Loaded(), LoadRefused(), Loaded(at: Day(7))]);
        Assert.Equal(Day(8), RecordVerificationDecision.Decide(Verify(), again, Pipeline, Day(8)).VerifiedAt);
    }

    [Fact]
    public void A_verification_of_another_artifact_or_approval_than_the_host_loaded_is_refused()
    {
        var version = Given([.. Approved(), Loaded()]);
        Refused(
            () => RecordVerificationDecision.Decide(Verify(digest: OtherDigest), version, Pipeline, Day(7)),
            RuleKind.Conflict,
            "verification.load_mismatch"
        );
        Refused(
            () => RecordVerificationDecision.Decide(Verify(approvalId: "apr-other"), version, Pipeline, Day(7)),
            RuleKind.Conflict,
            "verification.load_mismatch"
        );
    }

    [Theory]
    [InlineData("environment", "Production", "scorer-1", "sha256:aaaa", "apr-prod-1")]
    [InlineData("host", "production", "scorer-1\n", "sha256:aaaa", "apr-prod-1")]
    [InlineData("host", "production", "scorer\u202E1", "sha256:aaaa", "apr-prod-1")]
    [InlineData("artifactDigest", "production", "scorer-1", "sha256:xyz", "apr-prod-1")]
    [InlineData("approvalId", "production", "scorer-1", "sha256:aaaa", null)]
    public void Fields_follow_the_load_reports_text_rules(string field, string environment, string host, string digest, string? approvalId)
    {
        var command = new RecordVerification(environment, host, digest == "sha256:aaaa" ? ArtifactDigest : digest, approvalId);
        InvalidField(() => RecordVerificationDecision.Decide(command, Given([.. Approved(), Loaded()]), Pipeline, Day(7)), field);
    }

    [Fact]
    public void Serving_hosts_are_each_hosts_last_report_with_its_last_verification()
    {
        var version = Given([.. Approved(), Loaded("scorer-2"), Loaded("scorer-1"), LoadRefused("scorer-2")]);
        var verified = RecordVerificationDecision.Decide(Verify(), version, Pipeline, Day(7));
        var elsewhere = verified with { Id = "other", ModelId = "another-model" };

        var hosts = ServingHost.Of(version, [elsewhere, verified]);

        Assert.Equal(["scorer-1", "scorer-2"], hosts.Select(h => h.Host));
        Assert.Equal([true, false], hosts.Select(h => h.Serving));
        Assert.Equal(verified, hosts[0].LastVerification);
        Assert.Null(hosts[1].LastVerification);
        Assert.Equal("approval_revoked", hosts[1].LastReport.RefusalCode);
    }
}
