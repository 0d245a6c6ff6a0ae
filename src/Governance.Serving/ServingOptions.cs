using Governance.Attestations;

namespace Governance.Serving;

/// <summary>How a model server decides whether it may load an artifact.</summary>
public sealed class ServingOptions
{
    /// <summary>The environment this server runs in; an attestation for any other environment is refused.</summary>
    public required string Environment { get; init; }

    /// <summary>This server's name, reported to the ledger with each load or refusal.</summary>
    public string Host { get; init; } = System.Environment.MachineName;

    /// <summary>Pinned attestation keys. When null, the keys are fetched from the ledger's JWKS (and cached for <see
    /// cref="KeyCacheDuration"/>).</summary>
    public JwkSet? PinnedKeys { get; init; }

    public TimeSpan KeyCacheDuration { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a revocation answer from the ledger is trusted before it is asked again.</summary>
    public TimeSpan RevocationCacheDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long after its last answer expired a model that is already serving keeps serving while the ledger is
    /// unreachable ("stale-if-error"); then it stops. A model not yet loaded never loads without a fresh answer.
    /// Default 5 minutes.
    /// </summary>
    public TimeSpan OutageGrace { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Artifacts up to this size are read once into memory, hashed and loaded from those same bytes, so nothing can swap the file
    /// in between.</summary>
    public long MaxInMemoryArtifactBytes { get; init; } = 512L * 1024 * 1024;

    /// <summary>
    /// Refuse an attestation that signs no decision policy (a predicate older than version 3, or one without a policy):
    /// the server must apply the thresholds the risk officers approved.
    /// </summary>
    public bool EnforceDecisionPolicy { get; init; }

    /// <summary>The score threshold(s) this server is configured to apply, or null. When set, the policy is enforced and an
    /// attestation that signs other thresholds is refused (<c>decision_threshold_mismatch</c>).</summary>
    public IReadOnlyList<double>? DecisionThresholds { get; init; }
}
