using Governance.Attestations;
using Microsoft.Extensions.Logging.Abstractions;

namespace Governance.Serving.Tests;

/// <summary>
/// The serving library against the approved decision policy (predicate version 3) and a suspension by a monitoring breach:
/// the signed threshold or nothing, an older predicate refused under enforcement, the drain period on the server's clock.
/// </summary>
public sealed class DecisionPolicyTests : IDisposable
{
    private readonly LoaderFixture _given = new();
    private static readonly IntendedModel Intended = new(LoaderFixture.Model, LoaderFixture.Version);

    public void Dispose() => _given.Dispose();

    private ApprovedModelLoader Loader(bool enforce = false, double[]? thresholds = null) =>
        new(
            new ServingOptions
            {
                Environment = LoaderFixture.Environment,
                Host = "scorer-test",
                PinnedKeys = _given.Ledger.Keys,
                RevocationCacheDuration = TimeSpan.Zero,
                OutageGrace = TimeSpan.FromHours(1),
                EnforceDecisionPolicy = enforce,
                DecisionThresholds = thresholds,
            },
            _given.Ledger,
            _given.Clock,
            NullLogger<ApprovedModelLoader>.Instance
        );

    private Statement WithPolicy(string predicateType = ModelApprovalPredicate.Type, params double[] thresholds)
    {
        var statement = _given.Statement();
        return statement with
        {
            PredicateType = predicateType,
            Predicate = statement.Predicate with
            {
                DecisionPolicy = thresholds.Length == 0 ? null : new DecisionPolicyClaim(thresholds, null, "platt"),
            },
        };
    }

    private byte[] _envelope = [];

    /// <summary>Loads <paramref name="statement"/>'s envelope, recorded by the ledger as the issued one.</summary>
    private async Task<VerifiedArtifact> Load(ApprovedModelLoader loader, Statement statement)
    {
        var envelope = _envelope = _given.Envelope(statement);
        _given.Approved();
        _given.Ledger.Standings["approval-1"] = _given.Ledger.Standings["approval-1"] with
        {
            AttestationDigest = Dsse.DigestOf(System.Text.Json.JsonSerializer.Deserialize<Envelope>(envelope, AttestationJson.Options)!),
        };
        return (await loader.LoadAsync(_given.ArtifactPath, envelope, Intended, s => s.Length)).Artifact;
    }

    private async Task<string> Refusal(ApprovedModelLoader loader, Statement statement) =>
        (await Assert.ThrowsAsync<ModelLoadRefusedException>(() => Load(loader, statement))).Code;

    [Fact]
    public async Task The_signed_thresholds_load_and_any_other_configured_threshold_is_refused()
    {
        var artifact = await Load(Loader(thresholds: [0.42]), WithPolicy(thresholds: 0.42));

        Assert.Equal([0.42], artifact.Approval.DecisionPolicy!.Thresholds);
        Assert.Equal(ModelApprovalPredicate.Type, artifact.PredicateType);
        Assert.Equal("decision_threshold_mismatch", await Refusal(Loader(thresholds: [0.5]), WithPolicy(thresholds: 0.42)));
        Assert.Equal("decision_threshold_mismatch", await Refusal(Loader(thresholds: [0.42, 0.8]), WithPolicy(thresholds: 0.42)));
        Assert.Equal("decision_threshold_mismatch", _given.Ledger.Reports[^1].ReasonCode);
    }

    [Theory]
    [InlineData(ModelApprovalPredicate.TypeV2)]
    [InlineData(ModelApprovalPredicate.TypeV1)]
    public async Task An_older_predicate_verifies_but_is_refused_when_the_server_enforces_a_decision_policy(string olderType)
    {
        await Load(Loader(), WithPolicy(olderType));

        Assert.Equal("predicate_version_unsupported", await Refusal(Loader(enforce: true), WithPolicy(olderType)));
        Assert.Equal("predicate_version_unsupported", await Refusal(Loader(thresholds: [0.42]), WithPolicy(olderType, 0.42)));
    }

    [Fact]
    public async Task A_version_3_approval_without_a_policy_is_refused_under_enforcement()
    {
        Assert.Equal("decision_policy_missing", await Refusal(Loader(enforce: true), WithPolicy()));
    }

    [Fact]
    public async Task Suspended_by_a_breach_a_serving_model_finishes_its_drain_period_then_stops_even_through_an_outage()
    {
        var loader = Loader();
        var artifact = await Load(loader, WithPolicy(thresholds: 0.42));
        var drainUntil = _given.Clock.Now.AddMinutes(10);
        _given.Ledger.Standings["approval-1"] = _given.Ledger.Standings["approval-1"] with
        {
            Status = "Suspended",
            MonitoringState = ApprovalStatusAnswer.Suspended,
            DrainUntil = drainUntil,
        };

        _given.Clock.Now = drainUntil.AddMinutes(-1);
        await loader.ReverifyAsync(artifact, Intended);
        // A load is never allowed under a suspension, drain period or not.
        var load = await Assert.ThrowsAsync<ModelLoadRefusedException>(() =>
            Loader().LoadAsync(_given.ArtifactPath, _envelope, Intended, s => s.Length)
        );
        Assert.Equal("approval_suspended", load.Code);

        // The ledger goes away: its last answer (suspended) still stops the model once the drain period is over, whatever
        // the outage grace (an hour here).
        _given.Ledger.Unreachable = true;
        _given.Clock.Now = drainUntil;
        var stopped = await Assert.ThrowsAsync<ModelLoadRefusedException>(() => loader.ReverifyAsync(artifact, Intended));
        Assert.Equal("approval_suspended", stopped.Code);
    }
}
