using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;

namespace Governance.Domain.Deployments;

/// <summary>
/// A model server reports that the model it serves passed a periodic re-verification (expiry, revocation and the ledger's
/// record of the approval): the artifact it loaded, under the approval it loaded it with, still stands.
/// </summary>
public sealed record RecordVerification(string? Environment, string? Host, string? ArtifactDigest, string? ApprovalId);

/// <summary>
/// When a host last re-verified the model version it serves. Operational telemetry, not evidence: the ledger keeps one
/// record per (model, version, environment, host), overwritten by each report, outside the version's stream, so
/// re-verifications add no event and never change the version's ETag.
/// </summary>
/// <param name="VerifiedAt">The ledger's time when it received the report.</param>
public sealed record LastVerification(
    string Id,
    string ModelId,
    string Version,
    string Environment,
    string Host,
    string ArtifactDigest,
    string ApprovalId,
    DateTimeOffset VerifiedAt,
    Actor ReportedBy
)
{
    /// <summary>The record's key: one per host serving a version in an environment (identifiers cannot hold <c>|</c>).</summary>
    public static string KeyOf(string modelId, string version, string environment, string host) =>
        $"{ModelVersion.StreamKey(modelId, version)}|{environment}|{host}";
}

/// <summary>Decides what a model server's verification report leaves: the host's new last-verified record, or a
/// refusal.</summary>
public static class RecordVerificationDecision
{
    /// <summary>
    /// The record a passing re-verification leaves. The host's last report of this version in this environment must be a
    /// load of the same artifact under the same approval: a host that never reported the load, or reported a refusal
    /// since, or loaded something else, is refused (nothing is recorded).
    /// </summary>
    /// <exception cref="GovernanceRuleException">Invalid input; conflict <c>verification.not_loaded</c> or
    /// <c>verification.load_mismatch</c>.</exception>
    public static LastVerification Decide(RecordVerification command, ModelVersion version, Actor actor, DateTimeOffset now)
    {
        new InputCheck()
            .ServingReport(command.Environment, command.Host, command.ArtifactDigest)
            .Slug(command.ApprovalId, "approvalId")
            .ThrowIfAny();
        var (environment, host) = (command.Environment!, command.Host!);
        var digest = Digest.Normalize(command.ArtifactDigest!);
        var last = version.Loads.LastOrDefault(l => l.Environment == environment && l.Host == host);
        if (last is not { Loaded: true })
            throw GovernanceRuleException.Conflict(
                "verification.not_loaded",
                last is null
                    ? $"No load of {version.ModelId} {version.Version} by host '{host}' in '{environment}' is recorded: a host "
                        + "reports its load (POST .../loads) before its verifications."
                    : $"The last report of host '{host}' in '{environment}' is a refusal ({last.RefusalCode}, {last.At:u}): it "
                        + "reports a new load before its verifications."
            );
        if (last.ArtifactDigest != digest || last.ApprovalId != command.ApprovalId)
            throw GovernanceRuleException.Conflict(
                "verification.load_mismatch",
                $"Host '{host}' in '{environment}' last reported loading {last.ArtifactDigest} under approval "
                    + $"{last.ApprovalId ?? "(none)"}, not {digest} under approval {command.ApprovalId}."
            );
        return new LastVerification(
            LastVerification.KeyOf(version.ModelId, version.Version, environment, host),
            version.ModelId,
            version.Version,
            environment,
            host,
            digest,
            command.ApprovalId!,
            now,
            actor
        );
    }
}

/// <summary>
/// A host that reported loading a model version: its last load report (a fact of the version's stream: a load, or a
/// refusal that stopped it) and its last passing re-verification, if it reported one.
/// </summary>
public sealed record ServingHost(
    string ModelId,
    string Version,
    string Environment,
    string Host,
    LoadReport LastReport,
    LastVerification? LastVerification
)
{
    /// <summary>True while the host's last report is a load; false once it reported a refusal.</summary>
    public bool Serving => LastReport.Loaded;

    /// <summary>Every host that reported on <paramref name="version"/>, by environment then host, with its last verification
    /// among <paramref name="verifications"/>.</summary>
    public static IReadOnlyList<ServingHost> Of(ModelVersion version, IEnumerable<LastVerification> verifications)
    {
        var verified = verifications
            .Where(v => v.ModelId == version.ModelId && v.Version == version.Version)
            .ToDictionary(v => (v.Environment, v.Host));
        return version
            .Loads.GroupBy(l => (l.Environment, l.Host))
            .Select(reports => reports.Last())
            .OrderBy(l => l.Environment, StringComparer.Ordinal)
            .ThenBy(l => l.Host, StringComparer.Ordinal)
            .Select(l => new ServingHost(
                version.ModelId,
                version.Version,
                l.Environment,
                l.Host,
                l,
                verified.GetValueOrDefault((l.Environment, l.Host))
            ))
            .ToArray();
    }
}
