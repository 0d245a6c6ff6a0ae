using Governance.Domain.Datasets;
using Governance.Domain.Shared;
using static Governance.Domain.Tests.TestLedger;

namespace Governance.Domain.Tests;

public class DatasetTests
{
    private static readonly DatasetFile Train = new("data/train.csv", "sha256:" + new string('1', 64), 1024);
    private static readonly DatasetFile Labels = new("data/labels.csv", "sha256:" + new string('2', 64), 10);

    /// <summary>
    /// Computed outside .NET by docs/manifests.md's Python snippet (/usr/bin/python3, standard library only) for these two files.
    /// </summary>
    private const string ManifestOfTrainAndLabels = "sha256:c96043db98a02223a3f39f76debaa8b62be7c9dff0a90b6e8f715c16f8b5241a";

    private static RegisterDataset Register(
        IReadOnlyList<DatasetFile>? files = null,
        string? manifestDigest = null,
        bool? personalData = false,
        LegalBasis? legalBasis = null
    ) =>
        new(
            "credit-applications",
            "2025-03",
            "Applications 2019-2024",
            files ?? [Train, Labels],
            manifestDigest,
            120_000,
            [new DatasetColumn("income", "decimal"), new DatasetColumn("defaulted", "bool")],
            personalData,
            legalBasis,
            null
        );

    [Fact]
    public void The_manifest_digest_is_the_v2_jcs_digest_that_the_documented_python_snippet_computes()
    {
        Assert.Equal(ManifestOfTrainAndLabels, Dataset.ManifestDigestOf([Train, Labels]));
    }

    [Fact]
    public void A_new_registration_records_the_v2_jcs_manifest_encoding()
    {
        var registered = RegisterDatasetDecision.Decide(Register(), null, Ctx(Owner));

        Assert.Equal("v2-jcs", registered.ManifestEncoding);
        Assert.Equal("v2-jcs", GivenDataset(registered).ManifestEncoding);
    }

    [Fact]
    public void The_issues_two_datasets_no_longer_share_a_digest_the_forged_path_is_refused_naming_it()
    {
        // Issue 10, item 4: under the v1 text manifest, dataset B (one file whose path holds a newline and a forged line)
        // had the same digest as dataset A (a.csv and b.csv).
        var a = new DatasetFile("a.csv", Digest.OfText("a,1\n"), 4);
        var b = new DatasetFile("b.csv", Digest.OfText("b,2\n"), 4);
        var forged = new DatasetFile($"a.csv\n{b.Sha256[7..]}  4  b.csv", a.Sha256, 4);
        var v1Lines = $"{a.Sha256[7..]}  4  a.csv\n{b.Sha256[7..]}  4  b.csv\n";
        Assert.Equal(v1Lines, $"{forged.Sha256[7..]}  {forged.SizeBytes}  {forged.Path}\n");

        var datasetA = RegisterDatasetDecision.Decide(Register(files: [a, b]), null, Ctx(Owner));
        var refused = InvalidField(() => RegisterDatasetDecision.Decide(Register(files: [forged]), null, Ctx(Owner)), "files[0].path");

        Assert.NotEqual(Digest.OfText(v1Lines), datasetA.ManifestDigest);
        Assert.Contains("single line", Assert.Single(refused.FieldErrors["files[0].path"]));
    }

    [Theory]
    [InlineData("../train.csv")]
    [InlineData("/data/train.csv")]
    [InlineData("data\\train.csv")]
    [InlineData("data/./train.csv")]
    [InlineData("data/train.csv\u202E")]
    [InlineData("cafe\u0301.csv")]
    public void A_path_that_is_not_a_clean_relative_path_is_refused_naming_that_file(string path)
    {
        InvalidField(
            () => RegisterDatasetDecision.Decide(Register(files: [Train, Labels with { Path = path }]), null, Ctx(Owner)),
            "files[1].path"
        );
    }

    [Fact]
    public void Two_paths_differing_only_in_letter_case_are_refused()
    {
        InvalidField(
            () => RegisterDatasetDecision.Decide(Register(files: [Train, Labels with { Path = "DATA/Train.csv" }]), null, Ctx(Owner)),
            "files[1].path"
        );
    }

    [Fact]
    public void The_manifest_digest_does_not_depend_on_the_order_files_are_listed_in()
    {
        Assert.Equal(Dataset.ManifestDigestOf([Train, Labels]), Dataset.ManifestDigestOf([Labels, Train]));
    }

    [Fact]
    public void The_manifest_digest_changes_when_any_file_content_changes()
    {
        var tampered = Train with { Sha256 = "sha256:" + new string('3', 64) };

        Assert.NotEqual(Dataset.ManifestDigestOf([Train, Labels]), Dataset.ManifestDigestOf([tampered, Labels]));
    }

    [Fact]
    public void The_manifest_digest_changes_when_a_file_size_changes()
    {
        Assert.NotEqual(Dataset.ManifestDigestOf([Train, Labels]), Dataset.ManifestDigestOf([Train with { SizeBytes = 1025 }, Labels]));
    }

    [Fact]
    public void A_manifest_digest_that_does_not_match_the_files_is_refused_naming_the_field()
    {
        var ex = InvalidField(
            () => RegisterDatasetDecision.Decide(Register(manifestDigest: OtherDigest), null, Ctx(Owner)),
            "manifestDigest"
        );

        Assert.Contains(ManifestOfTrainAndLabels, Assert.Single(ex.FieldErrors["manifestDigest"]));
    }

    [Fact]
    public void A_matching_manifest_digest_is_accepted_in_any_letter_case()
    {
        var registered = RegisterDatasetDecision.Decide(
            Register(manifestDigest: ManifestOfTrainAndLabels.ToUpperInvariant()),
            null,
            Ctx(Owner)
        );

        Assert.Equal(ManifestOfTrainAndLabels, registered.ManifestDigest);
    }

    [Fact]
    public void Without_a_claimed_manifest_digest_the_ledger_computes_it_from_normalised_file_digests()
    {
        var upperCaseTrain = Train with { Sha256 = Train.Sha256.ToUpperInvariant() };

        var registered = RegisterDatasetDecision.Decide(Register(files: [upperCaseTrain, Labels]), null, Ctx(Owner));

        Assert.Equal(ManifestOfTrainAndLabels, registered.ManifestDigest);
        Assert.Equal("dataset:credit-applications@2025-03", registered.DatasetId);
    }

    [Fact]
    public void A_file_with_a_malformed_digest_names_that_file()
    {
        InvalidField(
            () => RegisterDatasetDecision.Decide(Register(files: [Train, Labels with { Sha256 = "abc" }]), null, Ctx(Owner)),
            "files[1].sha256"
        );
    }

    [Fact]
    public void The_same_path_listed_twice_is_refused()
    {
        InvalidField(
            () => RegisterDatasetDecision.Decide(Register(files: [Train, Train with { SizeBytes = 5 }]), null, Ctx(Owner)),
            "files[1].path"
        );
    }

    [Fact]
    public void A_dataset_with_no_files_is_refused()
    {
        InvalidField(() => RegisterDatasetDecision.Decide(Register(files: []), null, Ctx(Owner)), "files");
    }

    [Fact]
    public void Personal_data_requires_a_lawful_basis()
    {
        InvalidField(() => RegisterDatasetDecision.Decide(Register(personalData: true, legalBasis: null), null, Ctx(Owner)), "legalBasis");
    }

    [Fact]
    public void Whether_the_dataset_holds_personal_data_must_be_stated()
    {
        InvalidField(() => RegisterDatasetDecision.Decide(Register(personalData: null), null, Ctx(Owner)), "containsPersonalData");
    }

    [Fact]
    public void A_lawful_basis_is_kept_only_for_personal_data()
    {
        var personal = RegisterDatasetDecision.Decide(Register(personalData: true, legalBasis: LegalBasis.Contract), null, Ctx(Owner));
        var anonymous = RegisterDatasetDecision.Decide(Register(personalData: false, legalBasis: LegalBasis.Contract), null, Ctx(Owner));

        Assert.Equal(LegalBasis.Contract, personal.LegalBasis);
        Assert.Null(anonymous.LegalBasis);
    }

    [Fact]
    public void A_dataset_version_cannot_be_registered_twice()
    {
        var existing = GivenDataset(RegisterDatasetDecision.Decide(Register(), null, Ctx(Owner, Day(1))));

        Refused(() => RegisterDatasetDecision.Decide(Register(), existing, Ctx(Owner)), RuleKind.Conflict, "dataset.already_registered");
    }

    [Fact]
    public void The_same_files_cannot_be_registered_under_a_second_name_which_would_make_their_digest_ambiguous()
    {
        var first = GivenDataset(RegisterDatasetDecision.Decide(Register(), null, Ctx(Owner, Day(1))));
        var copy = Register() with { Name = "copy-of-the-same-files" };

        Assert.Equal(first.ManifestDigest, RegisterDatasetDecision.ManifestDigestOf(copy));
        Refused(() => RegisterDatasetDecision.Decide(copy, null, first, Ctx(Owner)), RuleKind.Conflict, "dataset.files_already_registered");
    }

    [Fact]
    public void A_registered_dataset_remembers_who_registered_it_and_its_manifest()
    {
        var dataset = GivenDataset(RegisterDatasetDecision.Decide(Register(), null, Ctx(Developer, Day(1))));

        Assert.Equal(Developer, dataset.RegisteredBy);
        Assert.Equal(Day(1), dataset.RegisteredAt);
        Assert.Equal(ManifestOfTrainAndLabels, dataset.ManifestDigest);
        Assert.Equal(2, dataset.Files.Count);
    }
}
