using System.Globalization;
using Governance.Documents.Layout;
using Governance.Domain.ModelVersions;
using Governance.Domain.TechnicalDocumentation;
using static Governance.Documents.EvidencePacks.Sections;

namespace Governance.Documents.EvidencePacks;

/// <summary>
/// The technical file in the packs: each statement in force for the version, naming who recorded it, when, and which revision;
/// the risk management file (Art. 9) and the EU declaration of conformity (Art. 47). Where nothing is recorded, the section
/// says so.
/// </summary>
internal static class TechnicalFileSections
{
    private static DocumentationRecord? InForce(EvidencePackInput i, DocumentationItem item) =>
        i.Documentation?.InForce(item, i.Version.Version);

    /// <summary>True when a statement of <paramref name="item"/> is in force for the pack's version.</summary>
    public static bool Has(EvidencePackInput i, DocumentationItem item) => InForce(i, item) is not null;

    /// <summary>The statement of <paramref name="item"/> in force for the version, with its provenance, references,
    /// attachments and linked datasets; or that it is not recorded.</summary>
    public static IEnumerable<Block> Statement(EvidencePackInput i, DocumentationItem item)
    {
        var (point, title) = DocumentationItems.Describe(item);
        if (InForce(i, item) is not { } r)
        {
            yield return Missing($"{title} ({point}): no statement is recorded.");
            yield break;
        }
        yield return new Paragraph($"{title} ({point})", Emphasis: true);
        yield return new Paragraph(r.Text);
        yield return new KeyValues([
            Fact(
                "Recorded",
                $"{Time(r.RecordedAt)} by {i.People.Of(r.RecordedBy)} ({r.RecordedBy.Role}): revision {r.Revision}"
                    + (r.Revision > 1 ? $", superseding revision {r.Revision - 1}" : "")
                    + (r.Version is null ? ", for every version of the model" : $", for version {r.Version} only")
            ),
            .. r.References.Count == 0 ? [] : new[] { Fact("References", string.Join("; ", r.References)) },
        ]);
        if (r.Attachments.Count > 0)
            yield return new Table(
                ["Attached document (kept by the owner)", "Media type", "Bytes", "SHA-256"],
                [2.4f, 1.4f, 0.9f],
                r.Attachments.Select(a =>
                        (IReadOnlyList<string>)[a.Title, a.MediaType, a.SizeBytes.ToString("N0", CultureInfo.InvariantCulture), a.Sha256]
                    )
                    .ToArray(),
                SpanLastColumn: true
            );
        if (r.DatasetDigests.Count > 0)
            yield return new Monospace(string.Join("\n", r.DatasetDigests.Select(d => $"linked dataset manifest  {d}")));
    }

    /// <summary>Annex IV 5: the risk management file, each risk's current assessment and whether its residual risk is accepted.</summary>
    public static IEnumerable<Block> RiskFile(EvidencePackInput i)
    {
        var risks = i.Documentation?.Risks ?? [];
        if (risks.Count == 0)
        {
            yield return Missing("The risk management file (risks identified, measures, residual risk) is not recorded.");
            yield break;
        }
        var accepted = risks.Count(r => r.Status == RiskStatus.Accepted);
        var overdue = risks.Count(r => r.ReviewOverdueAt(i.AsOf));
        yield return new Paragraph(
            $"{risks.Count} risk(s) are tracked in the risk management file; the residual risk of {accepted} is accepted by a risk "
                + $"officer for the current assessment; {overdue} review(s) were overdue on {Time(i.AsOf)}. Likelihood and severity "
                + "are on five-point scales, before and after the measures."
        );
        yield return new Table(
            ["Risk", "Before", "After", "Residual risk", "Review due"],
            [2.6f, 1.6f, 1.6f, 2.2f, 1.2f],
            risks
                .Select(r =>
                    (IReadOnlyList<string>)
                        [
                            $"{r.Id} {r.Current.Title}",
                            $"{r.Current.Likelihood} / {r.Current.Severity}",
                            $"{r.Current.ResidualLikelihood} / {r.Current.ResidualSeverity}",
                            r.CurrentAcceptance is { } a ? $"Accepted by {i.People.Of(a.AcceptedBy)}" : "Awaiting acceptance",
                            r.Current.ReviewDue.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                        ]
                )
                .ToArray()
        );
        foreach (var r in risks)
        {
            var c = r.Current;
            yield return new Heading(2, $"{r.Id} {c.Title}");
            yield return new KeyValues([
                Fact("Description", c.Description),
                Fact("Affected persons and rights", c.AffectedPersons),
                Fact("Measures", c.Measures),
                Fact("Residual risk", c.ResidualRisk),
                Fact("Tests that evaluated it", c.Tests.Count == 0 ? "None recorded" : string.Join("; ", c.Tests)),
                Fact(
                    "Assessed",
                    $"{Time(c.RecordedAt)} by {i.People.Of(c.RecordedBy)}: revision {c.Revision}"
                        + (c.Revision > 1 ? $", superseding revision {c.Revision - 1}" : "")
                ),
                Fact(
                    "Residual risk accepted",
                    r.CurrentAcceptance is { } a
                        ? $"{Time(a.AcceptedAt)} by {i.People.Of(a.AcceptedBy)} ({a.AcceptedBy.Role}): {a.Rationale}"
                        : "Not yet accepted for this revision"
                ),
            ]);
        }
    }

    /// <summary>Model card and SR 11-7 pack: the risk file in one table (the Annex IV pack has it in full).</summary>
    public static IEnumerable<Block> RiskSummary(EvidencePackInput i) =>
        i.Documentation?.Risks is not { Count: > 0 } risks
            ? [Missing("No risk of the risk management file is recorded.")]
            :
            [
                new Table(
                    ["Risk", "Measures", "Residual risk", "Accepted"],
                    [2, 3.2f, 2.4f, 1.8f],
                    risks
                        .Select(r =>
                            (IReadOnlyList<string>)
                                [
                                    $"{r.Id} {r.Current.Title}",
                                    r.Current.Measures,
                                    r.Current.ResidualRisk,
                                    r.CurrentAcceptance is { } a ? $"{i.People.Of(a.AcceptedBy)}, {Time(a.AcceptedAt)}" : "Awaiting",
                                ]
                        )
                        .ToArray()
                ),
            ];

    /// <summary>Annex IV 8: the EU declaration of conformity in force for the version (Annex V's points), and earlier ones.</summary>
    public static IEnumerable<Block> Declaration(EvidencePackInput i)
    {
        if (i.Version.Declarations.Count == 0)
        {
            yield return Missing("No EU declaration of conformity is signed for this version.");
            yield break;
        }
        var d = i.Version.Declarations[^1];
        yield return new Paragraph(
            $"This declaration of conformity is issued under the sole responsibility of the provider. The AI system {i.Model.Name} "
                + $"({i.Model.Id}) version {i.Version.Version} is in conformity with Regulation (EU) 2024/1689"
                + (d.OtherUnionLaw.Count == 0 ? "." : $" and with {string.Join("; ", d.OtherUnionLaw)}.")
        );
        yield return new KeyValues([
            Fact("Provider", $"{d.ProviderName}, {d.ProviderAddress}"),
            Fact("AI system", $"{i.Model.Name} ({i.Model.Id}) {i.Version.Version}"),
            Fact("Conformity assessment", Procedure(d)),
            Fact("Certificate", d.Certificate ?? "None (no notified body certificate)"),
            Fact("Standards and specifications", d.Standards.Count == 0 ? "None listed" : string.Join("; ", d.Standards)),
            Fact("Place and date of issue", $"{d.PlaceOfIssue}, {Time(d.SignedAt)}"),
            Fact("Signed by", $"{i.People.Of(d.SignedBy)} ({d.SignedBy.SubjectId}, {d.SignedBy.Role}), {d.SignatoryFunction}"),
        ]);
        yield return new Monospace($"artifact sha256  {d.ArtifactDigest}");
        if (d.ArtifactDigest != i.Version.ArtifactDigest)
            yield return new Notice("The declaration names another artifact than this version's: it does not cover these bytes.");
        if (i.Version.Declarations.Count > 1)
            yield return new Paragraph(
                $"It supersedes {i.Version.Declarations.Count - 1} earlier declaration(s): "
                    + string.Join("; ", i.Version.Declarations.SkipLast(1).Select(e => $"{Time(e.SignedAt)} by {i.People.Of(e.SignedBy)}"))
                    + "."
            );
    }

    private static string Procedure(DeclarationOfConformity d) =>
        d.Procedure switch
        {
            ConformityAssessmentProcedure.InternalControl => "Internal control (Art. 43, Annex VI)",
            _ => $"Notified body {d.NotifiedBody} (Art. 43, Annex VII)",
        };

    /// <summary>Appendix A's continuation: the events of the model's technical file the pack cites.</summary>
    public static IEnumerable<Block> Trail(EvidencePackInput i)
    {
        if (i.DocumentationTrail.Count == 0)
            yield break;
        yield return new Heading(2, "The model's technical file");
        yield return new Paragraph(
            $"Every event of stream {TechnicalFile.StreamKey(i.Model.Id)} up to this pack's date: {i.DocumentationTrail.Count} events "
                + "(statements, risks and acceptances), with the same payload digests as the audit trail."
        );
        yield return TrailTable(i.DocumentationTrail);
    }
}
