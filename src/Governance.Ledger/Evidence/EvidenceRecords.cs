using Governance.Domain.Datasets;
using Governance.Domain.Evidence;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Ledger.ModelVersions;
using Governance.Ledger.Writing;
using Marten;

namespace Governance.Ledger.Evidence;

/// <summary>
/// Explainability and validation evidence on a model version (TreeSHAP, permutation importance, metrics, calibration,
/// threshold, bias), as computed by <c>governance evidence compute</c>.
/// </summary>
public sealed class EvidenceRecords(IDocumentStore store, LedgerWriter writer)
{
    /// <summary>
    /// Recording evidence is the validator's act: it is the outcomes analysis of independent validation (SR 11-7 / SR 26-2
    /// effective challenge, EU AI Act Art. 17(1)(d) examination and test). A model owner's own figures belong in the
    /// version's registration metrics; the decider also refuses the owner and the registrant who hold the Validator role.
    /// </summary>
    public static readonly IReadOnlyList<string> RecordRoles = [Roles.Validator];

    /// <summary>Records a report on the version; the dataset is the registered one holding a file with the report's CSV digest.</summary>
    /// <exception cref="GovernanceRuleException">
    /// Invalid fields (named, e.g. <c>report.artifactDigest</c>); not found (version); conflict (retired, stale version);
    /// forbidden (not independent).
    /// </exception>
    public async Task<Written<ModelVersion>> RecordAsync(
        VersionRef target,
        RecordEvidenceReport command,
        CommandCall call,
        CancellationToken ct
    )
    {
        Dataset? dataset = null;
        if (Digest.IsSha256(command.Report?.DatasetFileDigest))
        {
            var digest = Digest.Normalize(command.Report!.DatasetFileDigest);
            await using var session = store.QuerySession();
            // The oldest registration holding the file, so that the same file always names the same dataset.
            dataset = (await session.Query<Dataset>().Where(d => d.Files.Any(f => f.Sha256 == digest)).ToListAsync(ct))
                .OrderBy(d => d.RegisteredAt)
                .FirstOrDefault();
        }
        return await writer.DecideOnVersionAsync(
            store,
            target,
            call,
            _ => RecordRoles,
            (model, version, context) => RecordEvidenceReportDecision.Decide(command, model, version, dataset, context),
            w => w.After!,
            ct
        );
    }
}
