using Governance.Domain.Approvals;
using Governance.Domain.Datasets;
using Governance.Domain.Deployments;
using Governance.Domain.Evidence;
using Governance.Domain.Incidents;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Monitoring;
using Governance.Domain.Shared;
using Governance.Domain.Validation;
using Governance.Explainability.Evidence;
using Governance.Ledger.Approvals;
using Governance.Ledger.Datasets;
using Governance.Ledger.Deployments;
using Governance.Ledger.Development;
using Governance.Ledger.Evidence;
using Governance.Ledger.Incidents;
using Governance.Ledger.Models;
using Governance.Ledger.ModelVersions;
using Governance.Ledger.Monitoring;
using Governance.Ledger.TechnicalDocumentation;
using Governance.Ledger.Validation;
using Governance.Ledger.Writing;

namespace Governance.Demo;

/// <summary>
/// Seeds a realistic inventory on an empty ledger: a high-risk credit scoring model trained on the Statlog German credit
/// data (registered by real SHA-256), a fraud model on clearly synthetic data, a retired transaction-risk model, and
/// versions in every lifecycle state. Every fact goes through the ledger's features, as the development people, so
/// granted approvals carry their signed attestations exactly as through the API or the UI.
/// </summary>
public sealed class DemoInventory(
    ModelInventory inventory,
    DatasetRegister datasets,
    ModelVersionRecords versions,
    ValidationRecords validation,
    EvidenceRecords evidence,
    ApprovalRecords approvals,
    DeploymentRecords deployments,
    TechnicalFileRecords technicalFiles,
    MonitoringRecords monitoring,
    BreachRecords breaches,
    IncidentRecords incidents,
    TimeProvider clock,
    TextWriter log
)
{
    public const string CreditModel = "credit-scoring-de";
    public const string FraudModel = "card-fraud-detection";
    public const string RetiredModel = "transaction-risk-limits";

    private static Caller Person(string subject)
    {
        var p = DevelopmentParties.People.Single(p => p.Subject == subject);
        return Caller.FromToken(p.Subject, tokenClientId: null, [p.Role]);
    }

    private static readonly Caller Owner = Person("dev-owner-olivia");
    private static readonly Caller Validator = Person("dev-validator-victor");
    private static readonly Caller Rita = Person("dev-officer-rita");
    private static readonly Caller Ravi = Person("dev-officer-ravi");
    private static readonly Caller Pipeline = Caller.FromToken(
        DevelopmentParties.Pipeline.Subject,
        DevelopmentParties.Pipeline.Subject,
        [DevelopmentParties.Pipeline.Role]
    );

    /// <summary>
    /// Trains the demo models into <paramref name="outputFolder"/> and records the inventory, unless the ledger already
    /// holds the demo credit model.
    /// </summary>
    /// <returns>False when the demo was already there and nothing was written.</returns>
    /// <exception cref="FileNotFoundException">The German credit file is missing.</exception>
    public async Task<bool> SeedAsync(string germanCreditCsv, string outputFolder, CancellationToken ct)
    {
        if (await inventory.EntryAsync(CreditModel, ct) is not null)
        {
            log.WriteLine("Demo inventory already present; not seeding again.");
            return false;
        }
        var germanCredit = Path.GetFullPath(germanCreditCsv);
        if (!File.Exists(germanCredit))
            throw new FileNotFoundException(
                $"The demo needs the Statlog German credit data at {germanCredit}; pass --datasets or run with --no-demo.",
                germanCredit
            );
        log.WriteLine($"Seeding the demo inventory: training demo models into {outputFolder}");
        await SeedCreditScoring(germanCredit, Path.Combine(outputFolder, CreditModel), ct);
        await SeedFraudDetection(Path.Combine(outputFolder, FraudModel), ct);
        await SeedRetiredModel(ct);
        log.WriteLine("Demo inventory seeded.");
        return true;
    }

    private static CommandCall As(Caller caller) => new(caller, "demo-seed");

    private async Task SeedCreditScoring(string germanCredit, string output, CancellationToken ct)
    {
        await inventory.RegisterAsync(
            new RegisterModel(
                CreditModel,
                "Retail credit scoring (Germany)",
                "Estimates the probability that a retail loan applicant defaults, to decide and price consumer credit in Germany.",
                RiskTier.High,
                "Annex III 5(b): creditworthiness assessment and credit scoring of natural persons",
                ["EU", "DE"],
                "New scorecard for the retail lending book"
            ),
            As(Owner),
            ct
        );
        await RegisterDataset(
            "german-credit-statlog",
            "1994",
            "Statlog German credit data (Hofmann, UCI, CC BY 4.0), one-hot encoded as shipped by caret.",
            [DemoFile.Of(germanCredit)],
            1000,
            null,
            ct
        );

        var releases = new (string Version, int Trees, int Leaves)[]
        {
            ("1.0.0", 50, 8),
            ("1.1.0", 100, 16),
            ("1.2.0", 150, 16),
            ("1.3.0", 200, 20),
            ("1.4.0", 300, 24),
        };
        var trained = new Dictionary<string, TrainedDemoModel>();
        foreach (var (version, trees, leaves) in releases)
        {
            var model = CreditScoringDemo.Train(germanCredit, Path.Combine(output, version), version, trees, leaves);
            await RegisterVersion(CreditModel, version, model, "german-credit", ct);
            trained[version] = model;
        }

        // The validator computed the explainability and validation evidence of the approved versions on the holdout before
        // signing; 1.2.0, awaiting its second sign-off, has none yet (README: a validator records it with two commands).
        foreach (var version in new[] { "1.0.0", "1.1.0" })
            await RecordEvidence(CreditModel, version, trained[version], CreditEvidence, ct);

        // 1.0.0: approved by two officers, deployed, later rolled back.  1.1.0: approved (expiring within 30 days) and live.
        // 1.2.0: awaiting its second sign-off.  1.3.0: with the validator.  1.4.0: just registered.
        foreach (var version in new[] { "1.0.0", "1.1.0", "1.2.0" })
            await Validate(CreditModel, version, ValidationOutcome.PassedWithConditions, ct);
        await SubmitForValidation(CreditModel, "1.3.0", ct);

        await ApproveFor(CreditModel, "1.0.0", "production", [Rita, Ravi], TimeSpan.FromDays(365), ct);
        await Deploy(CreditModel, "1.0.0", "production", "gh-actions-1812", ct);
        await ApproveFor(CreditModel, "1.1.0", "production", [Rita, Ravi], TimeSpan.FromDays(21), ct);
        await deployments.RecordRollbackAsync(
            new VersionRef(CreditModel, "1.0.0"),
            new RecordRollback("production", "gh-actions-1840", "Replaced by 1.1.0 after the quarterly recalibration"),
            As(Pipeline),
            ct
        );
        await Deploy(CreditModel, "1.1.0", "production", "gh-actions-1841", ct);
        await ApproveFor(CreditModel, "1.2.0", "production", [Rita], TimeSpan.FromDays(365), ct);
        await SeedTechnicalFile(ct);
        await SeedCreditMonitoring(trained["1.1.0"], Path.Combine(output, "monitoring"), ct);
    }

    /// <summary>
    /// Credit 1.1.0, live in production: a month of stable daily reports (samples drawn with replacement from the holdout,
    /// scored by the model) against a plan stated with each report (its approval signs none), and one serious incident
    /// (EU AI Act Art. 73) with a corrective action, its report to the authority still due.
    /// </summary>
    private async Task SeedCreditMonitoring(TrainedDemoModel live, string folder, CancellationToken ct)
    {
        var target = new VersionRef(CreditModel, "1.1.0");
        var lines = File.ReadAllLines(live.ValidationSet.FullPath);
        var header = lines[0].Replace("\"", "");
        var rows = lines.Skip(1).Where(l => l.Length > 0).ToArray();
        var columns = CreditScoringDemo.Columns(header.Split(','));
        var reference = DemoMonitoring.WriteScored(Path.Combine(folder, "reference.csv"), header, rows, live.ArtifactPath, columns);
        var plan = DemoMonitoring.Plan(
            reference.Sha256,
            rows.Length,
            [("Duration", FeatureKind.Numeric), ("Amount", FeatureKind.Numeric), ("Age", FeatureKind.Numeric)],
            cadenceDays: 7,
            BreachAction.UnderReview,
            [Roles.RiskOfficer]
        );
        var now = clock.GetUtcNow();
        for (var day = 1; day <= DemoMonitoring.Days; day++)
        {
            var (start, end) = DemoMonitoring.Window(now, day);
            var random = new Random(DemoTraining.Seed + 100 + day);
            var drawn = Enumerable.Range(0, DemoMonitoring.SampleRows).Select(_ => rows[random.Next(rows.Length)]).ToArray();
            var sample = DemoMonitoring.WriteScored(
                Path.Combine(folder, $"production-{start:yyyy-MM-dd}.csv"),
                header,
                drawn,
                live.ArtifactPath,
                columns
            );
            var report = DemoMonitoring.Compute(plan, reference.FullPath, sample.FullPath, start, end);
            await monitoring.RecordAsync(target, "production", plan, report, "Daily monitoring of the production sample", As(Pipeline), ct);
        }
        log.WriteLine($"  monitoring: {DemoMonitoring.Days} daily reports of {CreditModel} 1.1.0 in production");

        var incident = await incidents.RecordAsync(
            target,
            id => new RecordSeriousIncident(
                id,
                "Applicants over 60 were refused at twice the rate of the validation sample after the 1.1.0 recalibration; "
                    + "the complaints desk traced 37 refusals to the age-related split of the new trees.",
                IncidentCategory.FundamentalRightsInfringement,
                37,
                now.AddDays(-3),
                "Found in the monthly adverse-impact review"
            ),
            As(Owner),
            ct
        );
        await incidents.CorrectAsync(
            incident.Result.Id,
            new RecordCorrectiveAction(
                "Every refusal of an applicant over 60 since the release goes to manual underwriting; the age split is removed "
                    + "in 1.2.0.",
                "Corrective action agreed with the risk committee"
            ),
            As(Owner),
            ct
        );
    }

    /// <summary>The credit model's technical file (<see cref="DemoTechnicalFile"/>): the owner's statements and risks, the second
    /// risk officer's acceptances, and the first risk officer's declaration of conformity for 1.1.0.</summary>
    private async Task SeedTechnicalFile(CancellationToken ct)
    {
        var live = new VersionRef(CreditModel, "1.1.0");
        var version = (await versions.GetAsync(live, ct))!.State;
        foreach (var statement in DemoTechnicalFile.Statements([version.TrainingDatasetDigest, version.ValidationDatasetDigest]))
            await technicalFiles.RecordDocumentationAsync(CreditModel, statement, As(Owner), ct);
        foreach (var risk in DemoTechnicalFile.Risks(DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime)))
            await technicalFiles.RecordRiskAsync(CreditModel, risk, As(Owner), ct);
        foreach (var acceptance in DemoTechnicalFile.Acceptances)
            await technicalFiles.AcceptResidualRiskAsync(CreditModel, acceptance, As(Ravi), ct);
        await technicalFiles.SignDeclarationAsync(live, DemoTechnicalFile.Declaration, As(Rita), ct);
    }

    private async Task SeedFraudDetection(string output, CancellationToken ct)
    {
        await inventory.RegisterAsync(
            new RegisterModel(
                FraudModel,
                "Card transaction fraud detection",
                "Flags card transactions for fraud review in real time.",
                RiskTier.Medium,
                "Not high-risk: AI used to detect financial fraud is excluded from Annex III 5(b)",
                ["EU", "UK"],
                "Fraud rules replaced by a model"
            ),
            As(Owner),
            ct
        );
        var releases = new (string Version, int Trees, int Leaves)[]
        {
            ("0.9.0", 40, 8),
            ("1.0.0", 60, 8),
            ("1.1.0", 80, 12),
            ("1.2.0", 100, 12),
            ("2.0.0", 120, 16),
            ("2.1.0", 150, 16),
        };
        var trained = new Dictionary<string, TrainedDemoModel>();
        foreach (var (version, trees, leaves) in releases)
        {
            var model = FraudDemo.Train(Path.Combine(output, version), version, trees, leaves);
            var reference =
                version == MonitoredFraudVersion
                    ? DemoMonitoring.WriteScored(
                        Path.Combine(output, version, $"{FraudDemo.DatasetStem}_holdout_scored.csv"),
                        FraudDemo.Header,
                        File.ReadAllLines(model.ValidationSet.FullPath).Skip(1).Where(l => l.Length > 0).ToArray(),
                        model.ArtifactPath,
                        FraudDemo.Columns
                    )
                    : null;
            await RegisterVersion(FraudModel, version, model, "card-transactions-synthetic", ct, reference);
            trained[version] = model;
        }
        foreach (var version in new[] { "2.0.0", "2.1.0" })
            await RecordEvidence(FraudModel, version, trained[version], FraudEvidence, ct);

        // 0.9.0: approved for staging, revoked, retired.  1.0.0: deployed, then its approval revoked.  1.1.0: failed validation.
        // 1.2.0: approval rejected.  2.0.0: validated, and a deployment without approval was refused.
        // 2.1.0: approved with a monitoring plan, monitored daily.
        foreach (var version in new[] { "0.9.0", "1.0.0", "1.2.0", "2.0.0", "2.1.0" })
            await Validate(FraudModel, version, ValidationOutcome.Passed, ct);
        await Validate(FraudModel, "1.1.0", ValidationOutcome.Failed, ct);

        var staging = await ApproveFor(FraudModel, "0.9.0", "staging", [Ravi], TimeSpan.FromDays(180), ct);
        await Revoke(FraudModel, "0.9.0", staging, "Superseded by 1.0.0; staging approval withdrawn", ct);
        await versions.RetireAsync(new VersionRef(FraudModel, "0.9.0"), new RetireModelVersion("Superseded by 1.0.0"), As(Owner), ct);

        var production = await ApproveFor(FraudModel, "1.0.0", "production", [Rita], TimeSpan.FromDays(365), ct);
        await Deploy(FraudModel, "1.0.0", "production", "gitlab-pipeline-5521", ct);
        await Revoke(FraudModel, "1.0.0", production, "Recall on the monitoring sample fell below the 0.60 tolerance", ct);

        var rejected = await RequestApproval(FraudModel, "1.2.0", "production", ct);
        await approvals.RejectAsync(
            new VersionRef(FraudModel, "1.2.0"),
            new RejectApproval(rejected, "False-positive rate at the operating threshold is too high for the operations team's capacity"),
            As(Ravi),
            ct
        );

        await Deploy(FraudModel, "2.0.0", "production", "gitlab-pipeline-5607", ct);
        await SeedFraudMonitoring(Path.Combine(output, MonitoredFraudVersion), ct);
    }

    /// <summary>The fraud version approved for production with a monitoring plan and watched daily.</summary>
    public const string MonitoredFraudVersion = "2.1.0";

    /// <summary>
    /// Fraud 2.1.0 approved for production with a monitoring plan (breach: under review), not yet deployed (the demo keeps a
    /// version in every lifecycle state), scored on production traffic beside 2.0.0's rules: a month of daily reports on
    /// synthetic samples scored by 2.1.0, computed with the product's statistics: stable until mid-month,
    /// then an online-shopping campaign drifts amounts, card-present share and distance (and the score). The first breach
    /// opens a review; a risk officer accepts it with a rationale after the month, so the queue is empty for the walkthrough
    /// (README), whose drifted sample (<c>monitoring/sample-drifted.csv</c>) opens a new one.
    /// </summary>
    private async Task SeedFraudMonitoring(string folder, CancellationToken ct)
    {
        var target = new VersionRef(FraudModel, MonitoredFraudVersion);
        var reference = Path.Combine(folder, $"{FraudDemo.DatasetStem}_holdout_scored.csv");
        var referenceRows = File.ReadLines(reference).Count() - 1;
        var plan = DemoMonitoring.Plan(
            (await versions.GetAsync(target, ct))!.State.ValidationDatasetDigest,
            referenceRows,
            [
                ("amount", FeatureKind.Numeric),
                ("hour", FeatureKind.Numeric),
                ("merchant_category", FeatureKind.Categorical),
                ("card_present", FeatureKind.Categorical),
                ("distance_from_home_km", FeatureKind.Numeric),
                ("txn_count_24h", FeatureKind.Numeric),
            ],
            cadenceDays: 7,
            BreachAction.UnderReview,
            [Roles.RiskOfficer, Owner.SubjectId]
        );
        var approvalId = await ApproveFor(FraudModel, MonitoredFraudVersion, "production", [Ravi], TimeSpan.FromDays(365), ct, plan);

        var samples = Path.Combine(folder, "..", "monitoring");
        var model = Path.Combine(folder, $"card-fraud-{MonitoredFraudVersion}.zip");
        string Sample(string name, int seed, double drift) =>
            DemoMonitoring
                .WriteScored(
                    Path.Combine(samples, name),
                    FraudDemo.Header,
                    FraudDemo.Generate(DemoMonitoring.SampleRows, seed, drift),
                    model,
                    FraudDemo.Columns
                )
                .FullPath;
        var now = clock.GetUtcNow();
        for (var day = 1; day <= DemoMonitoring.Days; day++)
        {
            var (start, end) = DemoMonitoring.Window(now, day);
            var sample = Sample($"production-{start:yyyy-MM-dd}.csv", DemoTraining.Seed + day, DemoMonitoring.FraudDrift(day));
            var report = DemoMonitoring.Compute(plan, reference, sample, start, end);
            // Judged against the plan the approval signed; a breaching report records its breach on the approval.
            await monitoring.RecordAsync(target, "production", null, report, "Daily monitoring of the production sample", As(Pipeline), ct);
        }
        log.WriteLine($"  monitoring: {DemoMonitoring.Days} daily reports of {FraudModel} {MonitoredFraudVersion} in production");

        var approval = (await versions.GetAsync(target, ct))!.State.FindApproval(approvalId)!;
        if (approval.OpenReview is { } review)
            await breaches.ResolveAsync(
                target,
                new ResolveBreachReview(
                    approvalId,
                    review.Id,
                    BreachResolution.Accepted,
                    "The shift is the online-shopping campaign that started mid-month: larger card-not-present amounts from "
                        + "further away. Recall on the labelled sample holds; the plan and thresholds stand."
                ),
                As(Rita),
                ct
            );
        // For the walkthrough: tomorrow's sample, still drifted, and a stable one.
        Sample("sample-drifted.csv", DemoTraining.Seed + DemoMonitoring.Days + 1, 1);
        Sample("sample-stable.csv", DemoTraining.Seed + DemoMonitoring.Days + 2, 0);
    }

    private async Task SeedRetiredModel(CancellationToken ct)
    {
        await inventory.RegisterAsync(
            new RegisterModel(
                RetiredModel,
                "Transaction risk credit limits",
                "Set credit-card limits from transaction risk scores.",
                RiskTier.High,
                "Annex III 5(b): sets credit limits for natural persons",
                ["EU"],
                "Legacy limit-setting model"
            ),
            As(Owner),
            ct
        );
        await inventory.RetireAsync(
            new RetireModel(RetiredModel, "Limit setting moved into the credit scoring model; this model takes no new versions"),
            As(Rita),
            ct
        );
    }

    /// <param name="scoredReference">The holdout with the model's score (a monitoring reference): registered with the holdout
    /// as the version's validation dataset.</param>
    private async Task RegisterVersion(
        string modelId,
        string version,
        TrainedDemoModel trained,
        string datasetName,
        CancellationToken ct,
        DemoFile? scoredReference = null
    )
    {
        var schema = trained.Schema.Select(c => new DatasetColumn(c.Name, c.Type)).ToArray();
        var training = await RegisterDataset(
            $"{datasetName}-train",
            DatasetVersion(trained.TrainingSet),
            "Training split (fixed seed).",
            [trained.TrainingSet],
            trained.TrainingRows,
            schema,
            ct
        );
        var holdout = scoredReference is null
            ? await RegisterDataset(
                $"{datasetName}-holdout",
                DatasetVersion(trained.ValidationSet),
                "Holdout split used for validation (fixed seed).",
                [trained.ValidationSet],
                trained.ValidationRows,
                schema,
                ct
            )
            : await RegisterDataset(
                $"{datasetName}-holdout-scored",
                DatasetVersion(scoredReference),
                $"Holdout split used for validation (fixed seed), and the same rows with {version}'s score: the monitoring reference.",
                [trained.ValidationSet, scoredReference],
                trained.ValidationRows,
                [.. schema, new DatasetColumn(DemoMonitoring.ScoreColumn, "float")],
                ct
            );
        await versions.RegisterAsync(
            new RegisterModelVersion(
                modelId,
                version,
                new Uri(trained.ArtifactPath).AbsoluteUri,
                trained.ArtifactSha256,
                trained.ArtifactSizeBytes,
                ArtifactFormat.MlNetZip,
                training.ManifestDigest,
                holdout.ManifestDigest,
                trained.Metrics,
                $"demo-{version}",
                trained.Hyperparameters,
                "Trained by the demo seeder"
            ),
            As(Owner),
            ct
        );
    }

    /// <summary>Splits are deterministic, so most versions share them: a dataset is registered once per distinct content.</summary>
    private static string DatasetVersion(DemoFile file) => file.Sha256[7..19];

    private async Task<Dataset> RegisterDataset(
        string name,
        string version,
        string description,
        IReadOnlyList<DemoFile> files,
        long rows,
        IReadOnlyList<DatasetColumn>? schema,
        CancellationToken ct
    )
    {
        if (await datasets.GetAsync(name, version, ct) is { } existing)
            return existing;
        var registered = await datasets.RegisterAsync(
            new RegisterDataset(
                name,
                version,
                description,
                files.Select(f => new DatasetFile(f.Path, f.Sha256, f.SizeBytes)).ToArray(),
                null,
                rows,
                schema ?? [new DatasetColumn("(see file header)", "csv")],
                true,
                LegalBasis.LegitimateInterests,
                "Dataset used to train and validate a demo model"
            ),
            As(Owner),
            ct
        );
        return registered.Result;
    }

    private Task SubmitForValidation(string modelId, string version, CancellationToken ct) =>
        validation.SubmitAsync(
            new VersionRef(modelId, version),
            new SubmitForValidation(
                "Development evidence: training data lineage, holdout metrics, feature importance and stability analysis.",
                null,
                null,
                null
            ),
            As(Owner),
            ct
        );

    private async Task Validate(string modelId, string version, ValidationOutcome outcome, CancellationToken ct)
    {
        await SubmitForValidation(modelId, version, ct);
        FindingInput[] findings = outcome switch
        {
            ValidationOutcome.Failed =>
            [
                new(
                    "F-1",
                    FindingSeverity.Critical,
                    "Recall below tolerance on the recent sample",
                    "Recall 0.41 against a 0.60 tolerance.",
                    FindingStatus.Open
                ),
            ],
            ValidationOutcome.PassedWithConditions =>
            [
                new(
                    "F-1",
                    FindingSeverity.Medium,
                    "Sex and age used as direct inputs",
                    "The model's features include Age and the one-hot Personal.Female.* columns; the holdout evidence shows their SHAP "
                        + "values and the outcomes by sex and age band. Monitor the adverse-impact ratio across sex and age bands "
                        + "quarterly.",
                    FindingStatus.Accepted
                ),
                new(
                    "F-2",
                    FindingSeverity.Low,
                    "Calibration above the 0.6 score band",
                    "Recalibrate at the next annual review.",
                    FindingStatus.Open
                ),
            ],
            _ => [new("F-1", FindingSeverity.Low, "Documentation of the feature pipeline incomplete", null, FindingStatus.Remediated)],
        };
        var opinion = outcome switch
        {
            ValidationOutcome.Failed => "Not fit for use: outcomes analysis shows recall far below the agreed tolerance.",
            ValidationOutcome.PassedWithConditions =>
                "Conceptually sound and adequately discriminating on the holdout; fit for use subject to the conditions in the findings.",
            _ => "Conceptually sound; performance on the holdout meets the agreed thresholds.",
        };
        await validation.RecordOutcomeAsync(
            new VersionRef(modelId, version),
            new RecordValidationOutcome(outcome, findings, opinion),
            As(Validator),
            ct
        );
    }

    /// <summary>How the validator computes a demo model's evidence on its holdout split, and why it is recorded.</summary>
    private sealed record EvidenceSettings(
        string Label,
        string Positive,
        string[] Protected,
        double CostFalsePositive,
        double CostFalseNegative,
        string Reason
    );

    /// <summary>Credit: costs fp=1, fn=5, and the bias table for sex and age, which the model uses as inputs.</summary>
    private static readonly EvidenceSettings CreditEvidence = new(
        CreditScoringDemo.LabelColumn,
        "Bad",
        ["sex=female:Personal.Female.NotSingle,Personal.Female.Single", "Age=<25,25-59,>=60"],
        1,
        5,
        "Holdout evidence reviewed before the validation opinion; sex and age are model inputs"
    );

    /// <summary>Fraud: its label is <c>is_fraud</c> (true/false); a missed fraud costs ten false alarms; the synthetic
    /// transactions carry no attribute of a person, so there is no protected group to examine.</summary>
    private static readonly EvidenceSettings FraudEvidence = new(
        FraudDemo.LabelColumn,
        "true",
        [],
        1,
        10,
        "Holdout evidence on the synthetic transactions; no attribute of a person is among the inputs"
    );

    /// <summary>
    /// The validator's evidence on the holdout split, computed from the registered artifact (TreeSHAP, permutation importance,
    /// metrics, the cost-minimising threshold and the bias table), with the per-row SHAP file next to the artifact.
    /// </summary>
    private async Task RecordEvidence(
        string modelId,
        string version,
        TrainedDemoModel trained,
        EvidenceSettings settings,
        CancellationToken ct
    )
    {
        var computed = EvidenceComputation.Compute(
            new EvidenceRequest(
                trained.ArtifactPath,
                trained.ValidationSet.FullPath,
                settings.Label,
                settings.Positive,
                DatasetRole.Holdout,
                settings.Protected,
                settings.CostFalsePositive,
                settings.CostFalseNegative,
                Repeats: 3
            )
        );
        await File.WriteAllBytesAsync(Path.ChangeExtension(trained.ArtifactPath, ".shap.csv"), computed.PerRowShapCsv, ct);
        await evidence.RecordAsync(
            new VersionRef(modelId, version),
            new RecordEvidenceReport(computed.Report, settings.Reason),
            As(Validator),
            ct
        );
        log.WriteLine($"  evidence on {modelId} {version}: holdout ROC AUC {computed.Report.Metrics.RocAuc:0.###}");
    }

    private async Task<string> RequestApproval(
        string modelId,
        string version,
        string environment,
        CancellationToken ct,
        MonitoringPlan? plan = null
    ) =>
        (
            await approvals.RequestAsync(
                new VersionRef(modelId, version),
                environment,
                $"Decisions in {environment} for the {modelId} use case, as described in the business purpose.",
                null,
                As(Owner),
                ct,
                plan
            )
        )
            .Result
            .Id;

    private async Task<string> ApproveFor(
        string modelId,
        string version,
        string environment,
        Caller[] officers,
        TimeSpan validFor,
        CancellationToken ct,
        MonitoringPlan? plan = null
    )
    {
        var approvalId = await RequestApproval(modelId, version, environment, ct, plan);
        var target = new VersionRef(modelId, version);
        var digest = (await versions.GetAsync(target, ct))!.State.ArtifactDigest;
        foreach (var officer in officers)
            await approvals.SignOffAsync(
                target,
                new ApproveModelVersion(
                    approvalId,
                    digest,
                    environment,
                    "Validation findings are proportionate and the residual risk is within appetite.",
                    ["Quarterly monitoring of PSI and the adverse-impact ratio", "Re-validation before any retraining"],
                    clock.GetUtcNow() + validFor
                ),
                As(officer),
                ct
            );
        return approvalId;
    }

    private Task Revoke(string modelId, string version, string approvalId, string reason, CancellationToken ct) =>
        approvals.RevokeAsync(new VersionRef(modelId, version), new RevokeApproval(approvalId, reason), As(Rita), ct);

    private async Task Deploy(string modelId, string version, string environment, string run, CancellationToken ct)
    {
        var target = new VersionRef(modelId, version);
        var digest = (await versions.GetAsync(target, ct))!.State.ArtifactDigest;
        await deployments.RecordDeploymentAsync(target, new RecordDeployment(environment, run, digest, null), As(Pipeline), ct);
    }
}
