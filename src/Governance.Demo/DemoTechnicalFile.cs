using Governance.Domain.ModelVersions;
using Governance.Domain.TechnicalDocumentation;

namespace Governance.Demo;

/// <summary>
/// The demo credit model's technical file: illustrative statements for each Annex IV item, a risk management file of seven
/// risks and a declaration of conformity for 1.1.0, written as a fictitious provider (Musterbank AG) would. The same records
/// feed the golden packs (tests/Governance.Documents.Tests links this file), so the golden text is what the demo shows.
/// Depends on Governance.Domain only.
/// </summary>
public static class DemoTechnicalFile
{
    /// <summary>The audit reason of every seeded record: it is illustrative, not a real provider's statement.</summary>
    public const string Reason = "Illustrative demo record (seeded)";

    private static RecordTechnicalDocumentation Statement(
        DocumentationItem item,
        string text,
        IReadOnlyList<string?>? references = null,
        IReadOnlyList<AttachmentInput?>? attachments = null,
        IReadOnlyList<string?>? datasets = null,
        int? supersedes = null
    ) => new(null, item, text, references ?? [], attachments ?? [], datasets ?? [], supersedes, Reason);

    /// <summary>The model's statements, in the order recorded; the design specification is recorded twice, the second revision
    /// superseding the first, so the history shows a superseded statement.</summary>
    /// <param name="datasetDigests">The manifest digests of the registered training and validation datasets.</param>
    public static IReadOnlyList<RecordTechnicalDocumentation> Statements(IReadOnlyList<string> datasetDigests) =>
        [
            Statement(
                DocumentationItem.GeneralDescription,
                "Illustrative demo record. The system estimates the probability that a retail loan applicant in Germany defaults "
                    + "within 12 months. Credit officers of Musterbank AG (a fictitious provider and deployer) use the score, with the "
                    + "reason codes, to decide and price consumer credit up to EUR 50,000. It does not decide alone: every refusal is "
                    + "reviewed by a credit officer. Versions are released by the model risk process; 1.1.0 is the version in production."
            ),
            Statement(
                DocumentationItem.InteractingSystems,
                "Called over HTTPS by the loan origination system (LOS 7.4) with the applicant's application data; reads no other "
                    + "source. Its score and reason codes are written back to the LOS case file. It does not interact with other AI "
                    + "systems. Runs in the Governance scoring host (.NET 10, ML.NET 5.0.1) that verifies the signed approval "
                    + "before loading."
            ),
            Statement(
                DocumentationItem.FormsOfSupply,
                "Put into service internally by the provider (Art. 3(11)); not placed on the market for third parties. Supplied as an "
                    + "ML.NET model artifact bound by SHA-256 to its approval, served as an internal REST API on the bank's Linux "
                    + "servers (x86-64, 2 vCPU). The user interface is the LOS credit decision screen, which shows the score band and "
                    + "the top five reason codes."
            ),
            Statement(
                DocumentationItem.InstructionsForUse,
                "For credit officers: use the score only for retail consumer credit applications of natural persons resident in "
                    + "Germany. Read the score together with the reason codes; do not refuse on the score alone. Override the score "
                    + "when the file shows facts the model cannot see (e.g. a guarantor), and record the reason. Expected accuracy: "
                    + "ROC AUC about 0.79 on the holdout (section 2(g)); performance per age group and sex is in the bias examination. "
                    + "Logs of every score are kept 6 years. Contact the model owner for any suspected malfunction.",
                ["Credit policy handbook CP-12, chapter 4"]
            ),
            Statement(
                DocumentationItem.DesignSpecification,
                "Gradient-boosted decision trees (FastTree) over 61 one-hot encoded application features. Trees were preferred to "
                    + "a logistic scorecard for about 0.03 higher ROC AUC on the holdout.",
                ["Internal model development standard MDS-3"]
            ),
            Statement(
                DocumentationItem.DesignSpecification,
                "Gradient-boosted decision trees (FastTree, 100 trees of 16 leaves) over 61 one-hot encoded application features, "
                    + "trained to minimise log loss. Key choices: trees over a logistic scorecard for about 0.03 higher ROC AUC, at the "
                    + "cost of a less transparent score, offset by exact TreeSHAP reason codes per decision; age kept as an input "
                    + "because removing it lowered discrimination for older applicants, with its effect monitored (risk R-1); the "
                    + "operating threshold minimises the expected cost of the bank's cost matrix (a missed default costs 5, a refused "
                    + "good applicant 1). Third-party components: ML.NET 5.0.1 (MIT licence).",
                ["Internal model development standard MDS-3"],
                [new AttachmentInput("Model design note 1.1 (illustrative)", "sha256:" + new string('1', 64), 182_340, "application/pdf")],
                supersedes: 1
            ),
            Statement(
                DocumentationItem.SystemArchitecture,
                "Three components: the LOS sends an application to the scoring host; the host maps it to the 61 features, scores "
                    + "it with the approved artifact and computes reason codes; the governance ledger holds the version, its approval "
                    + "and every deployment. The host loads only an artifact whose signed approval verifies."
            ),
            Statement(
                DocumentationItem.ComputationalResources,
                "Trained and validated on one 2-core virtual machine in under a minute per version; no GPU. Scoring takes under "
                    + "5 ms per application on one core."
            ),
            Statement(
                DocumentationItem.DataRequirements,
                "Training and validation data: the Statlog German credit data (1,000 applications, UCI, CC BY 4.0), split 70/30 "
                    + "with a fixed seed; labels are the recorded repayment outcome (Good/Bad). The data are old (1994) and from one "
                    + "lender: they stand in for the bank's own application history in this demo. Personal data are processed on the "
                    + "basis of legitimate interests (GDPR Art. 6(1)(f)); special categories are not used. Known gaps: few applicants "
                    + "under 25 and over 65.",
                ["Datasheets for datasets (Gebru et al. 2021)"],
                datasets: [.. datasetDigests]
            ),
            Statement(
                DocumentationItem.HumanOversight,
                "Credit officers see each score with its reason codes and may override it; overrides are sampled monthly by the "
                    + "second line. The model owner can suspend a version at once, which model servers honour on the next request; "
                    + "risk officers can revoke an approval. Officers are trained on automation bias before they get access (risk R-4)."
            ),
            Statement(
                DocumentationItem.AccuracyRobustnessCybersecurity,
                "Accuracy is measured on the holdout before approval and monitored quarterly with PSI and the adverse-impact ratio. "
                    + "Robustness: inputs outside the ranges seen in training are refused by the scoring host. Cybersecurity: the "
                    + "artifact is bound by SHA-256 to a signed approval, so a replaced or poisoned model is refused at load; the API "
                    + "requires OAuth 2.0 client credentials inside the bank network."
            ),
            Statement(
                DocumentationItem.CapabilitiesAndLimitations,
                "Ranks applicants by default risk; it is not calibrated above the 0.6 score band (finding F-2). It has not been "
                    + "tested on self-employed applicants or on applications outside Germany, where it must not be used. Foreseeable "
                    + "unintended outcomes: higher refusal rates for groups under-represented in the data (risk R-1). Input "
                    + "specification: the 61 features of the application form, numeric or one-hot, none missing."
            ),
            Statement(
                DocumentationItem.MetricsRationale,
                "ROC AUC, Gini and KS measure ranking, which is what credit officers use the score for; the Brier score and "
                    + "calibration measure whether probabilities can be used for pricing; the expected cost at the threshold reflects "
                    + "the bank's loss of a missed default (5) against a refused good applicant (1), set by the credit committee; "
                    + "per-group selection rates and equal opportunity address non-discrimination (Art. 10(2)(f))."
            ),
            Statement(
                DocumentationItem.StandardsApplied,
                "No harmonised standard under Regulation (EU) 2024/1689 has been published in the Official Journal for this kind "
                    + "of system; the provider follows the standards below as other technical specifications (Art. 40).",
                ["ISO/IEC 42001:2023 AI management system", "ISO/IEC 23894:2023 AI risk management", "EBA/GL/2020/06 loan origination"]
            ),
        ];

    private static RecordRisk Risk(
        string title,
        string description,
        string affected,
        Likelihood likelihood,
        HarmSeverity severity,
        string measures,
        Likelihood residualLikelihood,
        HarmSeverity residualSeverity,
        string residual,
        IReadOnlyList<string?> tests,
        DateOnly reviewDue
    ) =>
        new(
            null,
            null,
            title,
            description,
            affected,
            likelihood,
            severity,
            measures,
            residualLikelihood,
            residualSeverity,
            residual,
            tests,
            reviewDue,
            Reason
        );

    /// <summary>The risk management file (Art. 9), R-1 to R-7 in order.</summary>
    /// <param name="today">The day they are recorded: review dates fall 3 to 12 months later.</param>
    public static IReadOnlyList<RecordRisk> Risks(DateOnly today) =>
        [
            Risk(
                "Discrimination by age or sex",
                "Older applicants and women may be refused more often for reasons tied to age or sex rather than repayment.",
                "Applicants by age band and sex; non-discrimination (Charter Art. 21), consumer credit access",
                Likelihood.Possible,
                HarmSeverity.Major,
                "Bias examination on the holdout before approval (selection rate and equal opportunity by age band and sex); "
                    + "quarterly adverse-impact ratio with a 0.8 screen; the data's combined sex and marital-status feature is "
                    + "reviewed each release.",
                Likelihood.Unlikely,
                HarmSeverity.Moderate,
                "Differences remain within bootstrap intervals; small groups make estimates uncertain.",
                ["Evidence report EV-1: bias examination", "Validation finding F-1"],
                today.AddMonths(3)
            ),
            Risk(
                "Data drift after a macroeconomic shock",
                "A recession or rate shock changes applicants' profiles and default rates, so scores understate risk.",
                "All applicants; the bank's customers through unsuitable credit",
                Likelihood.Likely,
                HarmSeverity.Major,
                "Quarterly PSI per feature and score band (watch at 0.10, act at 0.25); re-validation before any retraining.",
                Likelihood.Possible,
                HarmSeverity.Moderate,
                "Drift is detected within a quarter; decisions in between may be mispriced.",
                ["Approval condition: quarterly PSI monitoring"],
                today.AddMonths(3)
            ),
            Risk(
                "Proxy variables for protected characteristics",
                "Features such as housing, foreign-worker status or employment length may stand in for nationality or age.",
                "Applicants of foreign nationality; non-discrimination (Charter Art. 21)",
                Likelihood.Possible,
                HarmSeverity.Major,
                "Feature review by the validator; TreeSHAP importance reviewed for proxies each release; foreign-worker flag "
                    + "excluded from reason codes shown to applicants.",
                Likelihood.Unlikely,
                HarmSeverity.Moderate,
                "Indirect effects cannot be excluded from data of this size.",
                ["Evidence report EV-1: SHAP importance"],
                today.AddMonths(6)
            ),
            Risk(
                "Automation bias of credit officers",
                "Officers may follow the score without weighing the file, so the human review becomes a formality.",
                "Applicants refused without a meaningful human review; right to human intervention (GDPR Art. 22(3))",
                Likelihood.Likely,
                HarmSeverity.Moderate,
                "Training before access; reason codes shown with every score; monthly sampling of overrides and agreements by "
                    + "the second line.",
                Likelihood.Possible,
                HarmSeverity.Minor,
                "Some reliance on the score remains; sampling detects patterns, not single cases.",
                [],
                today.AddMonths(6)
            ),
            Risk(
                "Use outside Germany or for other products",
                "The model may be used for applicants in other Member States or for SME loans it was never tested on.",
                "Applicants outside its scope; the bank through mispriced credit",
                Likelihood.Unlikely,
                HarmSeverity.Major,
                "Approval limited to retail consumer credit in Germany; the LOS only calls the model for that product.",
                Likelihood.Rare,
                HarmSeverity.Major,
                "Manual misuse through another channel remains possible.",
                [],
                today.AddMonths(12)
            ),
            Risk(
                "Data-subject rights: explanation and contest",
                "Applicants refused with the score's help have the right to an explanation and to contest the decision.",
                "Refused applicants; GDPR Art. 22 and the right to an explanation (AI Act Art. 86)",
                Likelihood.Possible,
                HarmSeverity.Moderate,
                "Exact TreeSHAP reason codes per decision; a documented contest procedure with review by a second officer.",
                Likelihood.Unlikely,
                HarmSeverity.Minor,
                "Reason codes describe the model, not every factor of the officer's decision.",
                ["Evidence report EV-1: additivity of reason codes"],
                today.AddMonths(12)
            ),
            Risk(
                "Poisoned or replaced model artifact",
                "An attacker or a faulty pipeline deploys an artifact that was not validated.",
                "All applicants; integrity of credit decisions",
                Likelihood.Unlikely,
                HarmSeverity.Critical,
                "Artifacts bound by SHA-256 to signed approvals; model servers verify before loading; tamper-evident ledger.",
                Likelihood.Rare,
                HarmSeverity.Major,
                "A compromised signing key would defeat the check until revoked.",
                [],
                today.AddMonths(12)
            ),
        ];

    /// <summary>The risks whose residual risk the second risk officer accepted; the others await acceptance.</summary>
    public static IReadOnlyList<AcceptResidualRisk> Acceptances =>
        [
            new("R-1", 1, "Measures proportionate; residual risk within the bank's appetite while the 0.8 screen holds."),
            new("R-2", 1, "Quarterly PSI is adequate for a book of this size."),
            new("R-3", 1, "Accepted with the validator's feature review."),
            new("R-5", 1, "Scope restriction is enforced by the LOS."),
            new("R-6", 1, "Reason codes and the contest procedure meet Art. 22(3)."),
        ];

    /// <summary>The EU declaration of conformity for 1.1.0, signed by a risk officer for the fictitious provider.</summary>
    public static SignDeclarationOfConformity Declaration =>
        new(
            "Musterbank AG (fictitious demo provider)",
            "Musterstraße 1, 60311 Frankfurt am Main, Germany",
            ConformityAssessmentProcedure.InternalControl,
            null,
            null,
            ["ISO/IEC 42001:2023", "ISO/IEC 23894:2023"],
            ["Regulation (EU) 2016/679 (GDPR)"],
            "Frankfurt am Main",
            "Head of Model Risk, for and on behalf of Musterbank AG",
            Reason
        );
}
