using Governance.Api.Features.Attestations;
using Governance.Api.Hosting;
using Governance.Api.Identity;
using Governance.Api.Ledger;
using Governance.Demo;
using Governance.Domain.Approvals;
using Governance.Domain.Datasets;
using Governance.Domain.Deployments;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Domain.Validation;
using Marten;

namespace Governance.Api.Demo;

/// <summary>
/// Seeds a realistic inventory on an empty ledger (Governance:SeedDemo): a high-risk credit scoring model trained on the
/// Statlog German credit data (registered by real SHA-256), a fraud model on clearly synthetic data, a retired
/// transaction-risk model, and versions in every lifecycle state. Every fact goes through the same deciders as the API.
/// </summary>
public sealed class DemoInventory(
    IDocumentStore store,
    TimeProvider clock,
    AttestationKeyRing attestationKeys,
    IConfiguration configuration,
    IHostEnvironment environment,
    ILogger<DemoInventory> log
) : IHostedService
{
    public const string CreditModel = "credit-scoring-de";
    public const string FraudModel = "card-fraud-detection";
    public const string RetiredModel = "transaction-risk-limits";

    private static Actor Person(string subject)
    {
        var p = DevelopmentIdentities.People.Single(p => p.Subject == subject);
        return new Actor(p.Subject, p.Name, p.Role);
    }

    private static readonly Actor Owner = Person("dev-owner-olivia");
    private static readonly Actor Validator = Person("dev-validator-victor");
    private static readonly Actor Rita = Person("dev-officer-rita");
    private static readonly Actor Ravi = Person("dev-officer-ravi");
    private static readonly Actor Pipeline = new(
        DevelopmentIdentities.Pipeline.Subject,
        DevelopmentIdentities.Pipeline.Name,
        DevelopmentIdentities.Pipeline.Role,
        DevelopmentIdentities.Pipeline.Subject
    );

    public async Task StartAsync(CancellationToken ct)
    {
        if (!configuration.GetValue<bool>("Governance:SeedDemo"))
            return;
        await using (var query = store.QuerySession())
            if (await query.LoadAsync<Model>(CreditModel, ct) is not null)
            {
                log.LogInformation("Demo inventory already present; not seeding again.");
                return;
            }

        var datasets =
            configuration["Governance:DatasetsFolder"] ?? Path.Combine(environment.ContentRootPath, "..", "..", "..", "shared", "datasets");
        var germanCredit = Path.GetFullPath(Path.Combine(datasets, "german_credit.csv"));
        if (!File.Exists(germanCredit))
            throw new FileNotFoundException(
                $"The demo needs the Statlog German credit data at {germanCredit}; set Governance:DatasetsFolder or run with --no-demo."
            );
        var output = Path.Combine(GovernanceHost.DataFolder(configuration, environment), "demo");
        log.LogInformation("Seeding the demo inventory: training demo models into {Folder}", output);
        await SeedCreditScoring(germanCredit, Path.Combine(output, CreditModel), ct);
        await SeedFraudDetection(Path.Combine(output, FraudModel), ct);
        await SeedRetiredModel(ct);
        log.LogInformation("Demo inventory seeded.");
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;

    private async Task SeedCreditScoring(string germanCredit, string output, CancellationToken ct)
    {
        await Execute<Model>(
            CreditModel,
            Owner,
            (m, c) =>
                [
                    RegisterModelDecision.Decide(
                        new RegisterModel(
                            CreditModel,
                            "Retail credit scoring (Germany)",
                            "Estimates the probability that a retail loan applicant defaults, to decide and price consumer credit in Germany.",
                            RiskTier.High,
                            "Annex III 5(b): creditworthiness assessment and credit scoring of natural persons",
                            ["EU", "DE"],
                            "New scorecard for the retail lending book"
                        ),
                        m,
                        c
                    ),
                ],
            Model.Evolve,
            ct
        );
        var source = new FileInfo(germanCredit);
        await RegisterDataset(
            "german-credit-statlog",
            "1994",
            "Statlog German credit data (Hofmann, UCI, CC BY 4.0), one-hot encoded as shipped by caret.",
            [new DemoFile(source.Name, source.FullName, Digest.OfBytes(await File.ReadAllBytesAsync(source.FullName, ct)), source.Length)],
            1000,
            null,
            ct
        );

        var versions = new (string Version, int Trees, int Leaves)[]
        {
            ("1.0.0", 50, 8),
            ("1.1.0", 100, 16),
            ("1.2.0", 150, 16),
            ("1.3.0", 200, 20),
            ("1.4.0", 300, 24),
        };
        foreach (var (version, trees, leaves) in versions)
        {
            var model = CreditScoringDemo.Train(germanCredit, Path.Combine(output, version), version, trees, leaves);
            await RegisterVersion(CreditModel, version, model, "german-credit", ct);
        }

        // 1.0.0: approved by two officers, deployed, later rolled back.  1.1.0: approved (expiring within 30 days) and live.
        // 1.2.0: awaiting its second sign-off.  1.3.0: with the validator.  1.4.0: just registered.
        foreach (var version in new[] { "1.0.0", "1.1.0", "1.2.0" })
            await Validate(CreditModel, version, ValidationOutcome.PassedWithConditions, ct);
        await SubmitForValidation(CreditModel, "1.3.0", ct);

        await ApproveFor(CreditModel, "1.0.0", "production", [Rita, Ravi], TimeSpan.FromDays(365), ct);
        await Deploy(CreditModel, "1.0.0", "production", "gh-actions-1812", ct);
        await ApproveFor(CreditModel, "1.1.0", "production", [Rita, Ravi], TimeSpan.FromDays(21), ct);
        await Execute<ModelVersion>(
            ModelVersion.StreamKey(CreditModel, "1.0.0"),
            Pipeline,
            (v, c) =>
                [
                    DeploymentDecisions.Decide(
                        new RecordRollback("production", "gh-actions-1840", "Replaced by 1.1.0 after the quarterly recalibration"),
                        v!,
                        c
                    ),
                ],
            ModelVersion.Evolve,
            ct
        );
        await Deploy(CreditModel, "1.1.0", "production", "gh-actions-1841", ct);
        await ApproveFor(CreditModel, "1.2.0", "production", [Rita], TimeSpan.FromDays(365), ct);
    }

    private async Task SeedFraudDetection(string output, CancellationToken ct)
    {
        await Execute<Model>(
            FraudModel,
            Owner,
            (m, c) =>
                [
                    RegisterModelDecision.Decide(
                        new RegisterModel(
                            FraudModel,
                            "Card transaction fraud detection",
                            "Flags card transactions for fraud review in real time.",
                            RiskTier.Medium,
                            "Not high-risk: AI used to detect financial fraud is excluded from Annex III 5(b)",
                            ["EU", "UK"],
                            "Fraud rules replaced by a model"
                        ),
                        m,
                        c
                    ),
                ],
            Model.Evolve,
            ct
        );
        var versions = new (string Version, int Trees, int Leaves)[]
        {
            ("0.9.0", 40, 8),
            ("1.0.0", 60, 8),
            ("1.1.0", 80, 12),
            ("1.2.0", 100, 12),
            ("2.0.0", 120, 16),
            ("2.1.0", 150, 16),
        };
        foreach (var (version, trees, leaves) in versions)
        {
            var model = FraudDemo.Train(Path.Combine(output, version), version, trees, leaves);
            await RegisterVersion(FraudModel, version, model, "card-transactions-synthetic", ct);
        }

        // 0.9.0: approved for staging, revoked, retired.  1.0.0: deployed, then its approval revoked.  1.1.0: failed validation.
        // 1.2.0: approval rejected.  2.0.0: validated, and a deployment without approval was refused.  2.1.0: approved, not yet deployed.
        foreach (var version in new[] { "0.9.0", "1.0.0", "1.2.0", "2.0.0", "2.1.0" })
            await Validate(FraudModel, version, ValidationOutcome.Passed, ct);
        await Validate(FraudModel, "1.1.0", ValidationOutcome.Failed, ct);

        var staging = await ApproveFor(FraudModel, "0.9.0", "staging", [Ravi], TimeSpan.FromDays(180), ct);
        await Revoke(FraudModel, "0.9.0", staging, "Superseded by 1.0.0; staging approval withdrawn", ct);
        await Execute<ModelVersion>(
            ModelVersion.StreamKey(FraudModel, "0.9.0"),
            Owner,
            (v, c) => [RetireModelVersionDecision.Decide(new RetireModelVersion("Superseded by 1.0.0"), v!, c)],
            ModelVersion.Evolve,
            ct
        );

        var production = await ApproveFor(FraudModel, "1.0.0", "production", [Rita], TimeSpan.FromDays(365), ct);
        await Deploy(FraudModel, "1.0.0", "production", "gitlab-pipeline-5521", ct);
        await Revoke(FraudModel, "1.0.0", production, "Recall on the monitoring sample fell below the 0.60 tolerance", ct);

        var rejected = await RequestApproval(FraudModel, "1.2.0", "production", ct);
        await Execute<ModelVersion>(
            ModelVersion.StreamKey(FraudModel, "1.2.0"),
            Ravi,
            (v, c) =>
                [
                    ApprovalDecisions.Decide(
                        new RejectApproval(
                            rejected,
                            "False-positive rate at the operating threshold is too high for the operations team's capacity"
                        ),
                        v!,
                        c
                    ),
                ],
            ModelVersion.Evolve,
            ct
        );

        await Deploy(FraudModel, "2.0.0", "production", "gitlab-pipeline-5607", ct);
        await ApproveFor(FraudModel, "2.1.0", "production", [Ravi], TimeSpan.FromDays(365), ct);
    }

    private async Task SeedRetiredModel(CancellationToken ct)
    {
        await Execute<Model>(
            RetiredModel,
            Owner,
            (m, c) =>
                [
                    RegisterModelDecision.Decide(
                        new RegisterModel(
                            RetiredModel,
                            "Transaction risk credit limits",
                            "Set credit-card limits from transaction risk scores.",
                            RiskTier.High,
                            "Annex III 5(b): sets credit limits for natural persons",
                            ["EU"],
                            "Legacy limit-setting model"
                        ),
                        m,
                        c
                    ),
                ],
            Model.Evolve,
            ct
        );
        await Execute<Model>(
            RetiredModel,
            Rita,
            (m, c) =>
                [
                    RetireModelDecision.Decide(
                        new RetireModel(
                            RetiredModel,
                            "Limit setting moved into the credit scoring model; this model takes no new versions"
                        ),
                        m,
                        c
                    ),
                ],
            Model.Evolve,
            ct
        );
    }

    private async Task RegisterVersion(string modelId, string version, TrainedDemoModel trained, string datasetName, CancellationToken ct)
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
        var validation = await RegisterDataset(
            $"{datasetName}-holdout",
            DatasetVersion(trained.ValidationSet),
            "Holdout split used for validation (fixed seed).",
            [trained.ValidationSet],
            trained.ValidationRows,
            schema,
            ct
        );
        await using var query = store.QuerySession();
        var model = await query.LoadAsync<Model>(modelId, ct);
        await Execute<ModelVersion>(
            ModelVersion.StreamKey(modelId, version),
            Owner,
            (existing, c) =>
                [
                    RegisterModelVersionDecision.Decide(
                        new RegisterModelVersion(
                            modelId,
                            version,
                            new Uri(trained.ArtifactPath).AbsoluteUri,
                            trained.ArtifactSha256,
                            trained.ArtifactSizeBytes,
                            ArtifactFormat.MlNetZip,
                            training.ManifestDigest,
                            validation.ManifestDigest,
                            trained.Metrics,
                            $"demo-{version}",
                            trained.Hyperparameters,
                            "Trained by the demo seeder"
                        ),
                        model,
                        existing,
                        training,
                        validation,
                        c
                    ),
                ],
            ModelVersion.Evolve,
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
        await using (var query = store.QuerySession())
            if (await query.LoadAsync<Dataset>(Dataset.StreamKey(name, version), ct) is { } existing)
                return existing;
        return (
            await Execute<Dataset>(
                Dataset.StreamKey(name, version),
                Owner,
                (d, c) =>
                    [
                        RegisterDatasetDecision.Decide(
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
                            d,
                            c
                        ),
                    ],
                Dataset.Evolve,
                ct
            )
        )!;
    }

    private Task SubmitForValidation(string modelId, string version, CancellationToken ct) =>
        Execute<ModelVersion>(
            ModelVersion.StreamKey(modelId, version),
            Owner,
            (v, c) =>
                [
                    ValidationDecisions.Decide(
                        new SubmitForValidation(
                            "Development evidence: training data lineage, holdout metrics, feature importance and stability analysis.",
                            null,
                            null,
                            null
                        ),
                        v!,
                        c
                    ),
                ],
            ModelVersion.Evolve,
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
                    "Age used as a direct input",
                    "Monitor the adverse-impact ratio across age bands quarterly.",
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
        await Execute<ModelVersion>(
            ModelVersion.StreamKey(modelId, version),
            Validator,
            (v, c) => [ValidationDecisions.Decide(new RecordValidationOutcome(outcome, findings, opinion), v!, c)],
            ModelVersion.Evolve,
            ct
        );
    }

    private async Task<string> RequestApproval(string modelId, string version, string environment, CancellationToken ct)
    {
        var approvalId = Guid.CreateVersion7().ToString();
        await Execute<ModelVersion>(
            ModelVersion.StreamKey(modelId, version),
            Owner,
            (v, c) =>
                [
                    RequestApprovalDecision.Decide(
                        new RequestApproval(
                            approvalId,
                            environment,
                            $"Decisions in {environment} for the {modelId} use case, as described in the business purpose.",
                            null
                        ),
                        v!,
                        c
                    ),
                ],
            ModelVersion.Evolve,
            ct
        );
        return approvalId;
    }

    private async Task<string> ApproveFor(
        string modelId,
        string version,
        string environment,
        Actor[] officers,
        TimeSpan validFor,
        CancellationToken ct
    )
    {
        var approvalId = await RequestApproval(modelId, version, environment, ct);
        foreach (var officer in officers)
            await Execute<ModelVersion>(
                ModelVersion.StreamKey(modelId, version),
                officer,
                (v, c) =>
                    [
                        .. ApproveModelVersionDecision.Decide(
                            new ApproveModelVersion(
                                approvalId,
                                v!.ArtifactDigest,
                                environment,
                                "Validation findings are proportionate and the residual risk is within appetite.",
                                ["Quarterly monitoring of PSI and the adverse-impact ratio", "Re-validation before any retraining"],
                                c.Now + validFor
                            ),
                            v,
                            c
                        ),
                    ],
                ModelVersion.Evolve,
                ct,
                AttestationEndpoints.AttestWhenApproved(attestationKeys)
            );
        return approvalId;
    }

    private Task Revoke(string modelId, string version, string approvalId, string reason, CancellationToken ct) =>
        Execute<ModelVersion>(
            ModelVersion.StreamKey(modelId, version),
            Rita,
            (v, c) => [ApprovalDecisions.Decide(new RevokeApproval(approvalId, reason), v!, c)],
            ModelVersion.Evolve,
            ct
        );

    private Task Deploy(string modelId, string version, string environment, string run, CancellationToken ct) =>
        Execute<ModelVersion>(
            ModelVersion.StreamKey(modelId, version),
            Pipeline,
            (v, c) => [DeploymentDecisions.Decide(new RecordDeployment(environment, run, v!.ArtifactDigest, null), v, c)],
            ModelVersion.Evolve,
            ct
        );

    private async Task<TState?> Execute<TState>(
        string streamKey,
        Actor actor,
        Func<TState?, CommandContext, IReadOnlyList<object>> decide,
        Func<TState?, object, TState?> evolve,
        CancellationToken ct,
        Func<Decided<TState>, IReadOnlyList<object>>? followUp = null
    )
        where TState : class
    {
        await using var session = store.LightweightSession();
        var context = new CommandContext(actor, clock.GetUtcNow(), $"demo-seed-{streamKey}");
        session.CorrelationId = context.CorrelationId;
        var decided = await session.DecideAsync(streamKey, null, state => decide(state, context), evolve, ct, followUp);
        await session.SaveChangesAsync(ct);
        return decided.After;
    }
}
