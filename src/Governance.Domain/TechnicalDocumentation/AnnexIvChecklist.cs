using Governance.Domain.ModelVersions;

namespace Governance.Domain.TechnicalDocumentation;

/// <summary>One item of Annex IV for a version: filled or not, by what.</summary>
/// <param name="Point">The Annex IV point, e.g. "2(a)-(b)".</param>
/// <param name="FilledBy">What fills it (a statement and its revision, a ledger record), or what is missing.</param>
/// <param name="Item">The statement that fills it, where the item is recorded as one (the UI links to its form).</param>
public sealed record AnnexIvItem(string Point, string Title, bool Filled, string FilledBy, DocumentationItem? Item = null);

/// <summary>
/// Completeness of a version's technical documentation against Annex IV, from the ledger's records: the statements of the
/// technical file in force for the version, and what the ledger records on its own (datasets, validation, evidence, the risk
/// file, the declaration of conformity). Item 9, the post-market monitoring plan (Art. 72), has no record type yet.
/// </summary>
public static class AnnexIvChecklist
{
    public static IReadOnlyList<AnnexIvItem> For(ModelVersion version, TechnicalFile file)
    {
        AnnexIvItem Statement(DocumentationItem item)
        {
            var (point, title) = DocumentationItems.Describe(item);
            var record = file.InForce(item, version.Version);
            return new AnnexIvItem(
                point.Replace("Annex IV ", "", StringComparison.Ordinal),
                title,
                record is not null,
                record is null
                    ? "Not recorded"
                    : $"{(record.Version is null ? "Model" : "Version")} statement, revision {record.Revision}, "
                        + $"{record.RecordedAt:yyyy-MM-dd}",
                item
            );
        }
        AnnexIvItem Fact(string point, string title, bool filled, string by, string missing) =>
            new(point, title, filled, filled ? by : missing);

        var evidence = version.Evidence.Count > 0 ? version.Evidence[^1] : null;
        var risks = file.Risks.Count;
        var accepted = file.Risks.Count(r => r.Status == RiskStatus.Accepted);
        var declaration = version.Declarations.Count > 0 ? version.Declarations[^1] : null;
        return
        [
            Statement(DocumentationItem.GeneralDescription),
            Statement(DocumentationItem.InteractingSystems),
            Statement(DocumentationItem.FormsOfSupply),
            Statement(DocumentationItem.InstructionsForUse),
            Statement(DocumentationItem.DesignSpecification),
            Fact(
                "2(b)",
                "What the model relies on and the operating point (explainability evidence)",
                evidence is not null,
                $"Evidence report {evidence?.ReportId}",
                "No evidence report recorded"
            ),
            Statement(DocumentationItem.SystemArchitecture),
            Statement(DocumentationItem.ComputationalResources),
            Statement(DocumentationItem.DataRequirements),
            Statement(DocumentationItem.HumanOversight),
            Fact(
                "2(g)",
                "Validation and testing procedures and results",
                version.Validation is not null,
                $"Independent validation: {version.Validation?.Outcome}",
                "No validation outcome recorded"
            ),
            Statement(DocumentationItem.AccuracyRobustnessCybersecurity),
            Statement(DocumentationItem.CapabilitiesAndLimitations),
            Fact(
                "3",
                "Performance per group of persons",
                evidence?.Report.Bias.Count > 0,
                $"Bias examination in evidence report {evidence?.ReportId}",
                "No per-group performance in the recorded evidence"
            ),
            Statement(DocumentationItem.MetricsRationale),
            Fact(
                "5",
                "Risk management system (Art. 9)",
                risks > 0,
                $"{risks} risk(s), {accepted} with residual risk accepted",
                "No risk recorded"
            ),
            new AnnexIvItem("6", "Changes through the lifecycle", true, "Every change is an event of the version's trail"),
            Statement(DocumentationItem.StandardsApplied),
            Fact(
                "8",
                "EU declaration of conformity (Art. 47)",
                declaration is not null,
                $"Signed {declaration?.SignedAt:yyyy-MM-dd}",
                "No declaration signed for this version"
            ),
            new AnnexIvItem(
                "9",
                "Post-market monitoring plan (Art. 72)",
                false,
                "No record type yet: the monitoring plan belongs to the post-market monitoring feature"
            ),
        ];
    }
}
