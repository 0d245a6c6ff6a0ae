using Governance.Documents.Layout;
using Governance.Domain.TechnicalDocumentation;
using static Governance.Documents.EvidencePacks.Sections;

namespace Governance.Documents.EvidencePacks;

/// <summary>
/// The three evidence packs, as document definitions: which sections, in which order, filled from which ledger facts.
/// Where the ledger does not hold what a section asks for, the pack says so instead of inventing text.
/// </summary>
public static class EvidencePack
{
    /// <summary>Renders the pack of <paramref name="kind"/> for <paramref name="input"/>: the PDF's bytes and its number of
    /// pages (see <see cref="Composer.Render(DocumentSpec, CancellationToken)"/>).</summary>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled before the render finished.</exception>
    public static (byte[] Pdf, int Pages) Render(EvidencePackKind kind, EvidencePackInput input, CancellationToken ct = default) =>
        Composer.Render(Define(kind, input), ct);

    public static string Slug(EvidencePackKind kind) =>
        kind switch
        {
            EvidencePackKind.ModelCard => "model-card",
            EvidencePackKind.EuAiActAnnexIV => "eu-ai-act-annex-iv",
            _ => "sr-11-7",
        };

    public static EvidencePackKind? FromSlug(string slug) =>
        Enum.GetValues<EvidencePackKind>().Cast<EvidencePackKind?>().FirstOrDefault(k => Slug(k!.Value) == slug);

    public static DocumentSpec Define(EvidencePackKind kind, EvidencePackInput i)
    {
        var (title, subtitle, blocks) = kind switch
        {
            EvidencePackKind.ModelCard => (
                $"Model card: {i.Model.Name} {i.Version.Version}",
                "Model card (Mitchell et al., 2019), from the governance ledger",
                ModelCard(i)
            ),
            EvidencePackKind.EuAiActAnnexIV => (
                $"Technical documentation: {i.Model.Name} {i.Version.Version}",
                "EU AI Act (Regulation (EU) 2024/1689), Article 11 and Annex IV, from the governance ledger",
                AnnexIV(i)
            ),
            _ => (
                $"Validation and approval pack: {i.Model.Name} {i.Version.Version}",
                "Model risk management evidence for SR 11-7 / SR 26-2 and PRA SS1/23, from the governance ledger",
                Sr117(i)
            ),
        };
        return new DocumentSpec(
            title,
            subtitle,
            TitleFacts(i),
            $"{title} · {i.Version.ArtifactDigest[..19]}…",
            $"Generated from the ledger at position {i.Position} by renderer version {RendererVersion.Current}",
            [.. ReRenderNotice(i), .. blocks, .. Appendix(i), .. LogProofAppendix.Blocks(i)],
            "Governance ledger",
            subtitle,
            $"{i.Model.Id} {i.Version.Version} {Slug(kind)}",
            i.AsOf
        );
    }

    private static IReadOnlyList<Block> ModelCard(EvidencePackInput i) =>
        [
            new Heading(1, "1. Model details"),
            .. ModelFacts(i),
            new Heading(2, "Training configuration"),
            .. Hyperparameters(i),
            new Heading(1, "2. Intended use"),
            new Paragraph(i.Model.BusinessPurpose),
            .. TechnicalFileSections.Statement(i, DocumentationItem.GeneralDescription),
            .. i.Version.Approvals.Select(a =>
                (Block)new Paragraph($"Approval requested for {a.Environment} ({a.Status}): {a.IntendedUse}")
            ),
            new Heading(2, "Out-of-scope uses"),
            new Paragraph(
                $"Use is approved only in the environments listed under approvals, for the intended use stated there, and only for the "
                    + $"artifact with SHA-256 {i.Version.ArtifactDigest}."
            ),
            .. TechnicalFileSections.Statement(i, DocumentationItem.InstructionsForUse),
            new Heading(1, "3. Factors"),
            .. EvidenceSections.Factors(i),
            Missing(
                "Instrumentation and environmental factors are not registered. The datasets below record whether personal data are "
                    + "involved."
            ),
            new Heading(1, "4. Metrics"),
            .. Metrics(i),
            .. TechnicalFileSections.Statement(i, DocumentationItem.MetricsRationale),
            new Heading(2, "Recorded validation evidence"),
            .. EvidenceSections.AccuracyLevels(i),
            new Heading(2, "Explainability: what drives the scores"),
            .. EvidenceSections.Explainability(i),
            new Heading(1, "5. Evaluation data"),
            .. Dataset("validation", i.Version.ValidationDatasetDigest, i.ValidationDataset, i.People),
            new Heading(1, "6. Training data"),
            .. Dataset("training", i.Version.TrainingDatasetDigest, i.TrainingDataset, i.People),
            .. TechnicalFileSections.Statement(i, DocumentationItem.DataRequirements),
            new Heading(1, "7. Quantitative analyses"),
            .. EvidenceSections.GroupOutcomes(i),
            new Heading(1, "8. Ethical considerations"),
            new Paragraph(
                i.TrainingDataset?.ContainsPersonalData == true || i.ValidationDataset?.ContainsPersonalData == true
                    ? "The training or validation data contain personal data (see sections 5 and 6 for the recorded legal basis)."
                    : "Neither the training nor the validation dataset is registered as containing personal data."
            ),
            new Heading(2, "Risks and their mitigation (risk management file)"),
            .. TechnicalFileSections.RiskSummary(i),
            new Heading(1, "9. Caveats and recommendations"),
            .. TechnicalFileSections.Statement(i, DocumentationItem.CapabilitiesAndLimitations),
            .. EvidenceSections.Caveats(i),
            .. OpenFindingsAndConditions(i),
            new Heading(2, "Independent validation"),
            .. Validation(i),
        ];

    private static IReadOnlyList<Block> AnnexIV(EvidencePackInput i) =>
        [
            new Paragraph(
                "One section per item of Annex IV. Each is filled from the governance ledger where it records the item; where it does "
                    + "not, the section says so. "
                    + "This document is generated evidence for the provider's technical documentation, not a substitute for it."
            ),
            new Heading(1, "1. General description of the AI system"),
            .. ModelFacts(i),
            .. i.Version.Approvals.Select(a => (Block)new Paragraph($"Intended purpose in {a.Environment}: {a.IntendedUse}")),
            .. TechnicalFileSections.Statement(i, DocumentationItem.GeneralDescription),
            .. TechnicalFileSections.Statement(i, DocumentationItem.InteractingSystems),
            .. TechnicalFileSections.Statement(i, DocumentationItem.FormsOfSupply),
            .. TechnicalFileSections.Statement(i, DocumentationItem.InstructionsForUse),
            new Heading(1, "2. Elements of the AI system and its development process"),
            new Heading(2, "2(a)-(b) Methods, design choices and third-party components"),
            .. Hyperparameters(i),
            new Paragraph($"Code commit: {i.Version.CodeCommit}. Artifact format: {i.Version.Format}."),
            .. TechnicalFileSections.Statement(i, DocumentationItem.DesignSpecification),
            new Heading(2, "2(b) What the model relies on, and the operating point it optimises"),
            .. EvidenceSections.DesignChoices(i),
            new Heading(2, "2(c) System architecture and computational resources"),
            .. TechnicalFileSections.Statement(i, DocumentationItem.SystemArchitecture),
            .. TechnicalFileSections.Statement(i, DocumentationItem.ComputationalResources),
            new Heading(2, "2(d) Data requirements: datasheets of the training and validation data"),
            .. TechnicalFileSections.Statement(i, DocumentationItem.DataRequirements),
            .. Dataset("training", i.Version.TrainingDatasetDigest, i.TrainingDataset, i.People),
            .. Dataset("validation", i.Version.ValidationDatasetDigest, i.ValidationDataset, i.People),
            new Heading(2, "2(e) Assessment of the human oversight measures"),
            .. TechnicalFileSections.Statement(i, DocumentationItem.HumanOversight),
            .. SegregationOfDuties(i),
            new Heading(2, "2(g) Validation and testing procedures, metrics and test logs"),
            .. Metrics(i),
            .. Validation(i),
            new Heading(2, "2(g) Recorded validation evidence, including discriminatory impacts"),
            .. EvidenceSections.Testing(i),
            new Heading(2, "2(h) Cybersecurity measures"),
            .. TechnicalFileSections.Statement(i, DocumentationItem.AccuracyRobustnessCybersecurity),
            new Paragraph(
                "The artifact is bound by SHA-256 to each approval; approvals are signed (in-toto statement in a DSSE envelope, ES256) "
                    + "and model servers verify the signature, digest, environment, expiry and revocation before loading."
            ),
            new Heading(1, "3. Monitoring, functioning and control"),
            .. OpenFindingsAndConditions(i),
            .. TechnicalFileSections.Statement(i, DocumentationItem.CapabilitiesAndLimitations),
            .. EvidenceSections.PerformanceLimits(i),
            new Heading(1, "4. Appropriateness of the performance metrics"),
            .. TechnicalFileSections.Statement(i, DocumentationItem.MetricsRationale),
            .. EvidenceSections.MetricAppropriateness(i),
            new Heading(1, "5. Risk management system (Article 9)"),
            new Paragraph(
                $"Risk tier: {i.Model.RiskTier}. EU AI Act category: {i.Model.EuAiActCategory ?? "not recorded"}. "
                    + $"Required approvals: {RequiredApprovals(i.Version)}."
            ),
            .. TechnicalFileSections.RiskFile(i),
            new Heading(1, "6. Changes through the lifecycle"),
            new Paragraph(
                "Every change to this version is an event in the appendix; each new model version is a separate ledger record with its "
                    + "own validation and approvals."
            ),
            new Heading(1, "7. Harmonised standards and other specifications applied"),
            .. TechnicalFileSections.Statement(i, DocumentationItem.StandardsApplied),
            new Heading(1, "8. EU declaration of conformity"),
            .. TechnicalFileSections.Declaration(i),
            new Heading(1, "9. Post-market monitoring plan (Article 72)"),
            .. Deployments(i),
            .. MonitoringPlans(i),
            new Heading(2, "Serious incidents and corrective actions (Article 73)"),
            .. Incidents(i),
            new Heading(1, "Article 12: record-keeping"),
            new Paragraph(
                $"The ledger keeps every event of this version immutably, with actor, time, reason and correlation id; {i.Trail.Count} "
                    + $"events are listed in Appendix A."
            ),
            new Heading(1, "Article 13: transparency and information to deployers"),
            new Paragraph(RecordedIn(i, DocumentationItem.InstructionsForUse, "section 1")),
            .. EvidenceSections.Interpretation(i),
            new Heading(1, "Article 14: human oversight"),
            new Paragraph(RecordedIn(i, DocumentationItem.HumanOversight, "section 2(e)")),
            .. Approvals(i),
            new Heading(1, "Article 15: accuracy, robustness and cybersecurity"),
            new Paragraph(RecordedIn(i, DocumentationItem.AccuracyRobustnessCybersecurity, "section 2(h)")),
            .. Metrics(i),
            .. EvidenceSections.AccuracyLevels(i),
        ];

    /// <summary>Where the statement an article asks for is, or that it is not recorded.</summary>
    private static string RecordedIn(EvidencePackInput i, DocumentationItem item, string section) =>
        TechnicalFileSections.Has(i, item)
            ? $"The provider's statement ({DocumentationItems.Describe(item).Title.ToLowerInvariant()}) is in {section}."
            : $"{NotRecorded} {DocumentationItems.Describe(item).Title}: no statement is recorded (see {section}).";

    /// <summary>The sign-offs each approval request was recorded as needing (the policy in force when it was requested).</summary>
    private static string RequiredApprovals(Domain.ModelVersions.ModelVersion version) =>
        version.Approvals.Select(a => a.RequiredApprovals).Distinct().Order().ToArray() switch
        {
            [] => "not recorded (no approval has been requested)",
            var counts => $"{string.Join(" or ", counts)} distinct risk officer(s)",
        };

    private static IReadOnlyList<Block> Sr117(EvidencePackInput i) =>
        [
            new Heading(1, "1. Model inventory entry and risk tier (SS1/23 principle 1)"),
            .. ModelFacts(i),
            new Heading(1, "2. Model development, implementation and use (SR 11-7 III; SS1/23 principle 3)"),
            .. TechnicalFileSections.Statement(i, DocumentationItem.DesignSpecification),
            .. Hyperparameters(i),
            .. Metrics(i),
            new Heading(2, "Training data"),
            .. Dataset("training", i.Version.TrainingDatasetDigest, i.TrainingDataset, i.People),
            .. TechnicalFileSections.Statement(i, DocumentationItem.DataRequirements),
            new Heading(2, "Validation data"),
            .. Dataset("validation", i.Version.ValidationDatasetDigest, i.ValidationDataset, i.People),
            new Heading(1, "3. Independent validation (SR 11-7 V; SS1/23 principle 4)"),
            .. Validation(i),
            new Heading(2, "Explainability: what drives the scores"),
            .. EvidenceSections.Explainability(i),
            new Heading(2, "Outcomes analysis (SR 11-7 V; SR 26-2)"),
            .. EvidenceSections.Testing(i),
            new Heading(2, "Benchmarking against the previous version (SR 11-7 V)"),
            .. EvidenceSections.Benchmarking(i),
            new Heading(1, "4. Approvals and segregation of duties (SS1/23 principles 2 and 5)"),
            .. SegregationOfDuties(i),
            .. Approvals(i),
            new Heading(1, "5. Conditions, findings and expiry (SS1/23 principle 5)"),
            .. OpenFindingsAndConditions(i),
            new Heading(2, "Model risk mitigants: the risk management file"),
            .. TechnicalFileSections.RiskSummary(i),
            new Heading(1, "6. Deployment history, refusals and revocations"),
            .. Deployments(i),
            .. i
                .Version.Approvals.Where(a => a.RevokedAt is not null)
                .Select(a =>
                    (Block)
                        new Paragraph(
                            $"Approval {a.Id} for {a.Environment} was revoked on {Time(a.RevokedAt)} by {i.People.Of(a.RevokedBy)}: "
                                + $"{a.RevocationReason}"
                        )
                ),
            new Heading(1, "7. Incidents and corrective actions (ongoing monitoring; EU AI Act Article 73)"),
            .. Incidents(i),
        ];
}
