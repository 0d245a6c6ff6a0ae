using Governance.Domain.Shared;

namespace Governance.Domain.TechnicalDocumentation;

/// <summary>
/// The items of the technical documentation (EU AI Act Art. 11 and Annex IV) that the provider states in words, each recorded
/// on a model (for every version) or on one version. What the ledger already knows from events (versions, datasets, validation,
/// evidence, approvals, deployments) is not restated here.
/// </summary>
public enum DocumentationItem
{
    /// <summary>Annex IV 1(a): intended purpose, the provider, the system's name and versions.</summary>
    GeneralDescription,

    /// <summary>Annex IV 1(b)-(c): how the system interacts with hardware or software (including other AI systems) that is not
    /// part of it, and the versions of relevant software or firmware.</summary>
    InteractingSystems,

    /// <summary>Annex IV 1(d)-(f): all forms in which the system is placed on the market or put into service (a software
    /// package, an API, embedded), the hardware it runs on and the user interface given to deployers.</summary>
    FormsOfSupply,

    /// <summary>Annex IV 1(h) and Art. 13: instructions for use for deployers.</summary>
    InstructionsForUse,

    /// <summary>Annex IV 2(a)-(b): methods, design specifications, the general logic, key design choices with their rationale and
    /// the trade-offs made, what the system is designed to optimise; third-party tools.</summary>
    DesignSpecification,

    /// <summary>Annex IV 2(c): the system architecture, how software components build on or feed into each other.</summary>
    SystemArchitecture,

    /// <summary>Annex IV 2(c): the computational resources used to develop, train, test and validate the system.</summary>
    ComputationalResources,

    /// <summary>Annex IV 2(d) and Art. 10: data requirements, provenance, scope, labelling and cleaning; registered datasets are
    /// linked by their manifest digest.</summary>
    DataRequirements,

    /// <summary>Annex IV 2(e) and Art. 14: the human oversight measures and the assessment of them.</summary>
    HumanOversight,

    /// <summary>Annex IV 2(h) and Art. 15: the measures for accuracy, robustness and cybersecurity.</summary>
    AccuracyRobustnessCybersecurity,

    /// <summary>Annex IV 3: capabilities and limitations in performance, foreseeable unintended outcomes and sources of risk,
    /// and the specifications of input data.</summary>
    CapabilitiesAndLimitations,

    /// <summary>Annex IV 4: why the chosen performance metrics are appropriate for this system.</summary>
    MetricsRationale,

    /// <summary>Annex IV 7: the harmonised standards applied (with references), or the other solutions and specifications
    /// adopted to meet Chapter III Section 2.</summary>
    StandardsApplied,
}

/// <summary>Where each item sits in Annex IV, and what it is called there; used by the packs, the UI checklist and the API.</summary>
public static class DocumentationItems
{
    /// <summary>The Annex IV point (and article) and the item's name in the regulation's words.</summary>
    public static (string Point, string Title) Describe(DocumentationItem item) =>
        item switch
        {
            DocumentationItem.GeneralDescription => ("Annex IV 1(a)", "General description and intended purpose"),
            DocumentationItem.InteractingSystems => ("Annex IV 1(b)-(c)", "Interaction with other hardware or software"),
            DocumentationItem.FormsOfSupply => (
                "Annex IV 1(d)-(f)",
                "Forms of placing on the market or putting into service, hardware and user interface"
            ),
            DocumentationItem.InstructionsForUse => ("Annex IV 1(h), Art. 13", "Instructions for use for deployers"),
            DocumentationItem.DesignSpecification => ("Annex IV 2(a)-(b)", "Design specifications, key design choices and trade-offs"),
            DocumentationItem.SystemArchitecture => ("Annex IV 2(c)", "System architecture"),
            DocumentationItem.ComputationalResources => ("Annex IV 2(c)", "Computational resources"),
            DocumentationItem.DataRequirements => ("Annex IV 2(d), Art. 10", "Data requirements and provenance"),
            DocumentationItem.HumanOversight => ("Annex IV 2(e), Art. 14", "Human oversight measures"),
            DocumentationItem.AccuracyRobustnessCybersecurity => (
                "Annex IV 2(h), Art. 15",
                "Accuracy, robustness and cybersecurity measures"
            ),
            DocumentationItem.CapabilitiesAndLimitations => (
                "Annex IV 3",
                "Capabilities and limitations, foreseeable unintended outcomes, input data specifications"
            ),
            DocumentationItem.MetricsRationale => ("Annex IV 4", "Rationale for the chosen performance metrics"),
            DocumentationItem.StandardsApplied => ("Annex IV 7", "Harmonised standards and other specifications applied"),
            _ => throw new ArgumentOutOfRangeException(nameof(item), item, null),
        };
}

/// <summary>A document the statement rests on, named by the SHA-256 of its bytes; the bytes stay with the owner.</summary>
/// <param name="Sha256"><c>sha256:</c> and 64 lower-case hex digits.</param>
/// <param name="SizeBytes">The document's size in bytes.</param>
/// <param name="MediaType">Its IANA media type (RFC 6838), e.g. <c>application/pdf</c>.</param>
public sealed record DocumentAttachment(string Title, string Sha256, long SizeBytes, string MediaType);

/// <summary>How likely a risk is to materialise (a five-point scale, as in ISO 31000 practice and ISO/IEC 23894).</summary>
public enum Likelihood
{
    Rare,
    Unlikely,
    Possible,
    Likely,
    AlmostCertain,
}

/// <summary>How severe the harm to health, safety or fundamental rights would be (five points).</summary>
public enum HarmSeverity
{
    Negligible,
    Minor,
    Moderate,
    Major,
    Critical,
}

/// <summary>Every event of a model's technical file names the model.</summary>
public interface ITechnicalFileEvent : ILedgerEvent
{
    string ModelId { get; }
}

/// <summary>
/// A statement of the technical documentation was recorded: revision <paramref name="Revision"/> of <paramref name="Item"/> on
/// the model (<paramref name="Version"/> null: for every version) or on one version. A later revision supersedes it; none is
/// ever edited.
/// </summary>
/// <param name="Revision">1 for the first statement of the item, then one more than the revision it supersedes.</param>
/// <param name="References">Standards, specifications or documents referred to (e.g. "ISO/IEC 42001:2023").</param>
/// <param name="DatasetDigests">Registered datasets the statement covers, by manifest digest.</param>
public sealed record TechnicalDocumentationRecorded(
    string ModelId,
    string? Version,
    DocumentationItem Item,
    int Revision,
    string Text,
    IReadOnlyList<string> References,
    IReadOnlyList<DocumentAttachment> Attachments,
    IReadOnlyList<string> DatasetDigests,
    Audit Audit
) : ITechnicalFileEvent;

/// <summary>
/// A risk of the risk management file (EU AI Act Art. 9) was recorded, or reassessed: revision <paramref name="Revision"/> of
/// risk <paramref name="RiskId"/>, which supersedes the earlier ones (and needs its residual risk accepted again).
/// </summary>
/// <param name="AffectedPersons">The persons or groups, and the fundamental rights, the risk affects (Art. 9(2)(a), 9(9)).</param>
/// <param name="Likelihood">Before the measures.</param>
/// <param name="Severity">Before the measures.</param>
/// <param name="Measures">The risk management measures adopted (Art. 9(2)(d), 9(5)).</param>
/// <param name="ResidualRisk">What remains after the measures, and why it is judged acceptable (Art. 9(5)).</param>
/// <param name="Tests">The tests that evaluated the risk or its measures (Art. 9(6)-(8)): evidence reports, validation findings.</param>
/// <param name="ReviewDue">When the risk is next to be reviewed (a calendar date, UTC).</param>
public sealed record RiskRecorded(
    string ModelId,
    string RiskId,
    int Revision,
    string Title,
    string Description,
    string AffectedPersons,
    Likelihood Likelihood,
    HarmSeverity Severity,
    string Measures,
    Likelihood ResidualLikelihood,
    HarmSeverity ResidualSeverity,
    string ResidualRisk,
    IReadOnlyList<string> Tests,
    DateOnly ReviewDue,
    Audit Audit
) : ITechnicalFileEvent;

/// <summary>A risk officer (a person) accepted the residual risk of revision <paramref name="Revision"/> of a risk (Art. 9(5)).</summary>
public sealed record ResidualRiskAccepted(string ModelId, string RiskId, int Revision, string Rationale, Audit Audit) : ITechnicalFileEvent;

/// <summary>One revision of a statement, with who recorded it, when and why.</summary>
public sealed record DocumentationRecord(
    string? Version,
    DocumentationItem Item,
    int Revision,
    string Text,
    IReadOnlyList<string> References,
    IReadOnlyList<DocumentAttachment> Attachments,
    IReadOnlyList<string> DatasetDigests,
    Actor RecordedBy,
    DateTimeOffset RecordedAt,
    string Reason
);

/// <summary>One revision of a risk's assessment, with who recorded it and when.</summary>
public sealed record RiskAssessment(
    int Revision,
    string Title,
    string Description,
    string AffectedPersons,
    Likelihood Likelihood,
    HarmSeverity Severity,
    string Measures,
    Likelihood ResidualLikelihood,
    HarmSeverity ResidualSeverity,
    string ResidualRisk,
    IReadOnlyList<string> Tests,
    DateOnly ReviewDue,
    Actor RecordedBy,
    DateTimeOffset RecordedAt,
    string Reason
);

/// <summary>A recorded acceptance of a revision's residual risk.</summary>
public sealed record RiskAcceptance(int Revision, string Rationale, Actor AcceptedBy, DateTimeOffset AcceptedAt);

/// <summary>A risk's standing: its residual risk accepted for the current revision, or awaiting acceptance.</summary>
public enum RiskStatus
{
    AwaitingAcceptance,
    Accepted,
}

/// <summary>A tracked risk: every revision of its assessment (the last is current) and every acceptance.</summary>
public sealed record TrackedRisk(string Id, IReadOnlyList<RiskAssessment> Revisions, IReadOnlyList<RiskAcceptance> Acceptances)
{
    public RiskAssessment Current => Revisions[^1];

    /// <summary>The acceptance of the current revision; an acceptance of an earlier one no longer counts.</summary>
    public RiskAcceptance? CurrentAcceptance => Acceptances.LastOrDefault(a => a.Revision == Current.Revision);

    public RiskStatus Status => CurrentAcceptance is null ? RiskStatus.AwaitingAcceptance : RiskStatus.Accepted;

    /// <summary>True when the current revision's review date has passed at <paramref name="now"/> (dates are UTC).</summary>
    public bool ReviewOverdueAt(DateTimeOffset now) => DateOnly.FromDateTime(now.UtcDateTime) > Current.ReviewDue;
}

/// <summary>
/// A model's technical file, folded from its own stream (<see cref="StreamKey"/>): every revision of every documentation
/// statement on the model and its versions, and the risk management file. Nothing in it is ever edited: a later revision
/// supersedes, and the history keeps every one.
/// </summary>
public sealed record TechnicalFile
{
    public required string Id { get; init; }
    public required string ModelId { get; init; }

    /// <summary>Every revision of every statement, in the order recorded.</summary>
    public IReadOnlyList<DocumentationRecord> Records { get; init; } = [];

    /// <summary>The risk management file, in the order the risks were first recorded.</summary>
    public IReadOnlyList<TrackedRisk> Risks { get; init; } = [];

    /// <summary>The stream of a model's technical file.</summary>
    public static string StreamKey(string modelId) => $"technical-file:{modelId}";

    /// <summary>Every revision of one item on the model (<paramref name="version"/> null) or on one version, oldest first.</summary>
    public IReadOnlyList<DocumentationRecord> History(DocumentationItem item, string? version) =>
        Records.Where(r => r.Item == item && r.Version == version).ToArray();

    /// <summary>The latest revision of one item on exactly the model (null) or exactly one version.</summary>
    public DocumentationRecord? Latest(DocumentationItem item, string? version) =>
        Records.LastOrDefault(r => r.Item == item && r.Version == version);

    /// <summary>What holds for <paramref name="version"/>: its own latest statement of the item, else the model's.</summary>
    public DocumentationRecord? InForce(DocumentationItem item, string version) => Latest(item, version) ?? Latest(item, null);

    public TrackedRisk? Risk(string riskId) => Risks.FirstOrDefault(r => r.Id == riskId);

    public static TechnicalFile? Evolve(TechnicalFile? state, object @event)
    {
        if (@event is not ITechnicalFileEvent e)
            return state;
        var file = state ?? new TechnicalFile { Id = StreamKey(e.ModelId), ModelId = e.ModelId };
        return @event switch
        {
            TechnicalDocumentationRecorded d => file with
            {
                Records =
                [
                    .. file.Records,
                    new DocumentationRecord(
                        d.Version,
                        d.Item,
                        d.Revision,
                        d.Text,
                        d.References,
                        d.Attachments,
                        d.DatasetDigests,
                        d.Audit.Actor,
                        d.Audit.At,
                        d.Audit.Reason
                    ),
                ],
            },
            RiskRecorded r => file with
            {
                Risks = Upsert(file.Risks, r.RiskId, risk => risk with { Revisions = [.. risk.Revisions, r.Assessment()] }, r),
            },
            ResidualRiskAccepted a => file with
            {
                Risks = file
                    .Risks.Select(risk =>
                        risk.Id == a.RiskId
                            ? risk with
                            {
                                Acceptances = [.. risk.Acceptances, new RiskAcceptance(a.Revision, a.Rationale, a.Audit.Actor, a.Audit.At)],
                            }
                            : risk
                    )
                    .ToArray(),
            },
            _ => file,
        };
    }

    private static IReadOnlyList<TrackedRisk> Upsert(
        IReadOnlyList<TrackedRisk> risks,
        string id,
        Func<TrackedRisk, TrackedRisk> revise,
        RiskRecorded first
    ) =>
        risks.Any(r => r.Id == id)
            ? risks.Select(r => r.Id == id ? revise(r) : r).ToArray()
            : [.. risks, new TrackedRisk(id, [first.Assessment()], [])];
}

internal static class RiskRecordedExtensions
{
    public static RiskAssessment Assessment(this RiskRecorded r) =>
        new(
            r.Revision,
            r.Title,
            r.Description,
            r.AffectedPersons,
            r.Likelihood,
            r.Severity,
            r.Measures,
            r.ResidualLikelihood,
            r.ResidualSeverity,
            r.ResidualRisk,
            r.Tests,
            r.ReviewDue,
            r.Audit.Actor,
            r.Audit.At,
            r.Audit.Reason
        );
}
