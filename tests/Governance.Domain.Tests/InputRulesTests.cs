using Governance.Domain.Approvals;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using static Governance.Domain.Tests.TestLedger;

namespace Governance.Domain.Tests;

/// <summary>
/// What text the ledger stores, decided in one place (<see cref="InputCheck"/>): every refusal names the field, and
/// nothing is decided. A stored record cannot be removed later, so these are refused before they reach an event.
/// </summary>
public sealed class InputRulesTests
{
    private static RegisterModel Model(string modelId = "credit-x", string name = "Retail credit", string? reason = null) =>
        new(modelId, name, "Scores retail applications", RiskTier.Low, null, ["EU"], reason);

    private static string RefusedField(Func<object> decide)
    {
        var refused = Refused(decide, RuleKind.InvalidInput, "invalid_input");
        return Assert.Single(refused.FieldErrors).Key;
    }

    [Theory]
    [InlineData("credit-x\n")]
    [InlineData("credit-x\r\n")]
    [InlineData("\ncredit-x")]
    [InlineData("credit\u200Bx")]
    public void An_identifier_with_a_trailing_newline_or_invisible_character_is_refused(string modelId) =>
        Assert.Equal("modelId", RefusedField(() => RegisterModelDecision.Decide(Model(modelId), null, Ctx(Owner))));

    [Fact]
    public void A_jurisdiction_with_a_trailing_newline_is_refused() =>
        Assert.Equal(
            "jurisdictions",
            RefusedField(() => RegisterModelDecision.Decide(Model() with { Jurisdictions = ["DE\n"] }, null, Ctx(Owner)))
        );

    [Fact]
    public void A_version_label_with_a_trailing_newline_is_refused()
    {
        var command = new RegisterModelVersion(
            ModelId,
            "1.0.0\n",
            "s3://m/1.zip",
            ArtifactDigest,
            10,
            ArtifactFormat.MlNetZip,
            TrainingDigest,
            ValidationDigest,
            null,
            "abc",
            null,
            null
        );
        var model = GivenModel(ModelRegisteredEvent(RiskTier.Low));
        var refused = Refused(
            () => RegisterModelVersionDecision.Decide(command, model, null, null, null, Ctx(Owner)),
            RuleKind.InvalidInput,
            "invalid_input"
        );
        Assert.Contains("version", refused.FieldErrors.Keys);
    }

    [Theory]
    [InlineData("nul\u0000name", "control characters")]
    [InlineData("two\nlines", "single line")]
    [InlineData("tab\there", "single line")]
    [InlineData("dele\u007Fte", "control characters")]
    [InlineData("\u202Eevil\u202C", "bidirectional control")]
    [InlineData("iso\u2066late", "bidirectional control")]
    [InlineData("zero\uFEFFwidth", "zero-width")]
    [InlineData("cafe\u0301", "NFC")]
    public void A_name_with_control_bidi_zero_width_or_non_NFC_characters_is_refused_with_the_reason(string name, string reason)
    {
        var refused = Refused(
            () => RegisterModelDecision.Decide(Model(name: name), null, Ctx(Owner)),
            RuleKind.InvalidInput,
            "invalid_input"
        );
        Assert.Contains(reason, Assert.Single(refused.FieldErrors["name"]));
    }

    [Fact]
    public void Text_with_an_unpaired_surrogate_is_refused()
    {
        var name = "half " + (char)0xD800 + " pair";
        var refused = Refused(
            () => RegisterModelDecision.Decide(Model(name: name), null, Ctx(Owner)),
            RuleKind.InvalidInput,
            "invalid_input"
        );
        Assert.Contains("unpaired surrogate", Assert.Single(refused.FieldErrors["name"]));
    }

    [Fact]
    public void Prose_may_hold_newlines_and_tabs_but_no_bidi_controls()
    {
        var recorded = RegisterModelDecision.Decide(Model(reason: "New book.\n\tApproved by the board."), null, Ctx(Owner));
        Assert.Equal("New book.\n\tApproved by the board.", recorded.Audit.Reason);
        Assert.Equal("reason", RefusedField(() => RegisterModelDecision.Decide(Model(reason: "ok \u202E reversed"), null, Ctx(Owner))));
    }

    [Fact]
    public void Names_in_any_script_and_emoji_are_text_like_any_other()
    {
        var recorded = RegisterModelDecision.Decide(Model(name: "信用评分 · क्रेडिट · تقييم ائتماني 📈"), null, Ctx(Owner));
        Assert.Equal("信用评分 · क्रेडिट · تقييم ائتماني 📈", recorded.Name);
    }

    [Fact]
    public void Each_condition_of_a_sign_off_is_checked_and_named_by_position()
    {
        var version = Given(VersionRegistered(), SubmittedEvent(), ValidationCompletedEvent(), RequestedEvent());
        var command = new ApproveModelVersion(ApprovalId, ArtifactDigest, Production, "Sound", ["Monitor PSI", "nul\u0000"], DefaultExpiry);
        Assert.Equal("conditions[1]", RefusedField(() => ApproveModelVersionDecision.Decide(command, TheModel, version, Ctx(OfficerA))));
    }

    [Fact]
    public void An_approval_may_run_for_at_most_three_years()
    {
        var version = Given(VersionRegistered(), SubmittedEvent(), ValidationCompletedEvent(), RequestedEvent());
        var now = Day(10);
        var tooLong = new ApproveModelVersion(ApprovalId, ArtifactDigest, Production, "Sound", [], now.AddYears(3).AddDays(1));
        Assert.Equal("expiresAt", RefusedField(() => ApproveModelVersionDecision.Decide(tooLong, TheModel, version, Ctx(OfficerA, now))));
        var longest = tooLong with { ExpiresAt = now.AddYears(3) };
        Assert.NotEmpty(ApproveModelVersionDecision.Decide(longest, TheModel, version, Ctx(OfficerA, now)));
    }

    [Fact]
    public void A_sign_off_lists_at_most_fifty_conditions()
    {
        var version = Given(VersionRegistered(), SubmittedEvent(), ValidationCompletedEvent(), RequestedEvent());
        var conditions = Enumerable.Range(1, 51).Select(i => $"Condition {i}").ToArray();
        var command = new ApproveModelVersion(ApprovalId, ArtifactDigest, Production, "Sound", conditions, DefaultExpiry);
        Assert.Equal("conditions", RefusedField(() => ApproveModelVersionDecision.Decide(command, TheModel, version, Ctx(OfficerA))));
    }

    [Fact]
    public void Sizes_beyond_two_to_the_fifty_third_are_refused_so_canonical_JSON_stays_exact()
    {
        var command = new Domain.Datasets.RegisterDataset(
            "train",
            "1",
            null,
            [new Domain.Datasets.DatasetFile("a.csv", ArtifactDigest, InputCheck.MaxExactInteger + 1)],
            null,
            10,
            [new Domain.Datasets.DatasetColumn("x", "float")],
            false,
            null,
            null
        );
        Assert.Equal("files[0].sizeBytes", RefusedField(() => Domain.Datasets.RegisterDatasetDecision.Decide(command, null, Ctx(Owner))));
    }

    [Theory]
    [InlineData("sha256:ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789")]
    [InlineData("abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789")]
    [InlineData("abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789  model.zip\n")]
    [InlineData("abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789 *model.zip")]
    [InlineData("\\abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789  dir\\nmodel.zip")]
    public void A_pasted_digest_or_line_of_sha256sum_output_reads_as_the_digest(string pasted) =>
        Assert.Equal("sha256:abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789", Digest.FromPasted(pasted));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("model.zip abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789")]
    [InlineData("abcdef0123456789abcdef0123456789abcdef0123456789abcdef012345678")]
    [InlineData("sha512:abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789")]
    public void Text_whose_first_word_is_not_a_sha256_is_no_digest(string? pasted) => Assert.Null(Digest.FromPasted(pasted));
}
