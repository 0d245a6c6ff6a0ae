using System.Text.Json.Nodes;
using static Governance.Attestations.Tests.SignedApprovals;

namespace Governance.Attestations.Tests;

/// <summary>The in-toto Statement v1 rules the approval check applies to a verified payload: unknown fields are ignored,
/// and the artifact matches a subject by its sha256 digest.</summary>
public sealed class InTotoStatementTests : IDisposable
{
    private readonly PemSigner _signer = NewSigner();

    public void Dispose() => _signer.Dispose();

    private Verification VerifyStatement(JsonNode statement) => Verify(Envelope(statement, _signer), Trusting(_signer));

    private static JsonObject Subject(string name, JsonObject digest) => new() { ["name"] = name, ["digest"] = digest };

    [Fact]
    public void Unknown_fields_in_the_statement_its_predicate_and_its_subjects_are_ignored()
    {
        var statement = ApprovalJson();
        statement["futureField"] = new JsonObject { ["anything"] = 1 };
        statement["predicate"]!["reviewBoard"] = "model risk committee";
        statement["subject"]![0]!["annotations"] = new JsonObject { ["registry"] = "s3" };
        statement["subject"]![0]!["digest"]!["sha512"] = new string('b', 128);

        var verification = VerifyStatement(statement);

        Assert.True(verification.Verified, verification.Message);
    }

    [Fact]
    public void Any_subject_whose_sha256_is_the_artifacts_matches_whatever_the_case_of_its_hex()
    {
        var statement = ApprovalJson();
        statement["subject"] = new JsonArray(
            Subject("another.zip", new JsonObject { ["sha256"] = new string('e', 64) }),
            Subject("model.zip", new JsonObject { ["sha256"] = ArtifactHex.ToUpperInvariant() })
        );

        var verification = VerifyStatement(statement);

        Assert.True(verification.Verified, verification.Message);
    }

    [Fact]
    public void A_subject_that_gives_the_artifacts_hex_only_under_another_algorithm_does_not_match()
    {
        var statement = ApprovalJson();
        statement["subject"] = new JsonArray(
            Subject(
                "model.zip",
                new JsonObject
                {
                    ["sha512"] = ArtifactHex,
                    ["gitCommit"] = ArtifactHex,
                    ["SHA256"] = ArtifactHex,
                }
            )
        );

        Assert.Equal("digest_mismatch", VerifyStatement(statement).Code);
    }
}

/// <summary>Predicate versions: this release signs version 3 (version 2 with the decision policy and monitoring plan), which
/// names approvers and the validator by subject id only; statements of version 2, and of version 1, which also carried their
/// display names, still verify.</summary>
public sealed class PredicateVersionTests : IDisposable
{
    private readonly PemSigner _signer = NewSigner();

    public void Dispose() => _signer.Dispose();

    [Fact]
    public void A_version_3_statement_names_approvers_and_the_validator_by_subject_id_and_carries_no_names()
    {
        var statement = ApprovalJson();

        Assert.Equal("urn:governance:predicate:model-approval:v3", statement["predicateType"]!.GetValue<string>());
        var approver = statement["predicate"]!["approvers"]![0]!.AsObject();
        Assert.Equal(["subjectId", "role", "signedAt"], approver.Select(p => p.Key));
        Assert.Equal("user:rita", approver["subjectId"]!.GetValue<string>());
        Assert.False(statement["predicate"]!["validation"]!.AsObject().ContainsKey("validatorName"));
        var verification = Verify(Envelope(statement, _signer), Trusting(_signer));
        Assert.True(verification.Verified, verification.Message);
        Assert.Contains("by user:rita", verification.Message);
    }

    [Fact]
    public void A_version_1_statement_of_an_earlier_release_with_names_still_verifies()
    {
        var statement = ApprovalJson();
        statement["predicateType"] = "urn:governance:predicate:model-approval:v1";
        statement["predicate"]!["approvers"] = new JsonArray(
            new JsonObject
            {
                ["subjectId"] = "dev-officer-rita",
                ["name"] = "Rita Risk (risk officer)",
                ["role"] = "RiskOfficer",
                ["signedAt"] = Now.AddDays(-1).ToString("O"),
            }
        );
        statement["predicate"]!["validation"]!["validatorName"] = "Victor Validator";

        var verification = Verify(Envelope(statement, _signer), Trusting(_signer));

        Assert.True(verification.Verified, verification.Message);
        Assert.Equal("Rita Risk (risk officer)", Assert.Single(verification.Approval!.Approvers).Name);
    }

    [Fact]
    public void Another_predicate_type_is_refused()
    {
        var statement = ApprovalJson();
        statement["predicateType"] = "urn:governance:predicate:model-approval:v4";

        var verification = Verify(Envelope(statement, _signer), Trusting(_signer));

        Assert.Equal(("statement_malformed", false), (verification.Code, verification.Verified));
    }

    [Fact]
    public void A_version_2_statement_of_the_previous_release_still_verifies_and_says_which_version_it_is()
    {
        var statement = ApprovalJson();
        statement["predicateType"] = "urn:governance:predicate:model-approval:v2";

        var verification = Verify(Envelope(statement, _signer), Trusting(_signer));

        Assert.True(verification.Verified, verification.Message);
        Assert.Equal(ModelApprovalPredicate.TypeV2, verification.PredicateType);
        Assert.Null(verification.Approval!.DecisionPolicy);
    }

    [Fact]
    public void A_version_3_statement_carries_the_decision_policy_and_the_monitoring_plan_it_was_signed_with()
    {
        var statement = ApprovalJson();
        statement["predicate"]!["decisionPolicy"] = new JsonObject
        {
            ["thresholds"] = new JsonArray(0.3, 0.7),
            ["costs"] = null,
            ["calibrationMethod"] = "isotonic",
        };
        statement["predicate"]!["monitoringPlan"] = new JsonObject { ["cadenceDays"] = 30, ["onBreach"] = "Suspend" };

        var verification = Verify(Envelope(statement, _signer), Trusting(_signer));

        Assert.True(verification.Verified, verification.Message);
        Assert.Equal([0.3, 0.7], verification.Approval!.DecisionPolicy!.Thresholds);
        Assert.Equal("Suspend", verification.Approval.MonitoringPlan!.Value.GetProperty("onBreach").GetString());
    }
}
