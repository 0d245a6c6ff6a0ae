using System.Text.Json;
using System.Text.Json.Serialization;
using Governance.Domain.Deployments;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using static Governance.Domain.Tests.TestLedger;

namespace Governance.Domain.Tests;

/// <summary>Given the slot's recorded events, when a lifecycle command is decided, then exactly these events (compared whole).</summary>
public sealed class EnvironmentSlotTests
{
    private static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };

    private static readonly ModelVersion V1 = TestLedger.Given(Approved());
    private static readonly ModelVersion V2 = V1 with { Id = ModelVersion.StreamKey(ModelId, "1.1.0"), Version = "1.1.0" };

    /// <summary>Folds slot events, numbering them 1, 2, 3… as ledger positions.</summary>
    private static EnvironmentSlot? Slot(params ISlotEvent[] events) =>
        events.Select((e, i) => (e, i)).Aggregate((EnvironmentSlot?)null, (s, x) => EnvironmentSlot.Evolve(s, x.e, x.i + 1));

    private static DeploymentStarted Started(
        string id,
        ModelVersion v,
        DateTimeOffset? at = null,
        SlotKind slot = SlotKind.Live,
        int share = 100
    ) =>
        new(
            ModelId,
            Production,
            id,
            v.Version,
            ArtifactDigest,
            $"run-{id}",
            slot,
            share,
            ApprovalId,
            DefaultExpiry,
            AuditOf(Pipeline, at ?? Day(7))
        );

    private static DeploymentCompleted Completed(
        string id,
        ModelVersion v,
        string? replacedId = null,
        string? replacedVersion = null,
        SlotKind slot = SlotKind.Live,
        int share = 100
    ) =>
        new(
            ModelId,
            Production,
            id,
            v.Version,
            slot,
            share,
            ApprovalId,
            ApprovalStanding.Valid,
            replacedId,
            replacedVersion,
            AuditOf(Pipeline, Day(7))
        );

    private static void Same(IEnumerable<object> expected, IEnumerable<object> actual) =>
        Assert.Equal(expected.Select(Serialize), actual.Select(Serialize));

    private static string Serialize(object e) => e.GetType().Name + " " + JsonSerializer.Serialize(e, e.GetType(), Json);

    [Fact]
    public void Starting_under_a_valid_approval_records_the_check_answer_approval_and_expiry()
    {
        var ctx = Ctx(Pipeline);
        var started = DeploymentLifecycle.Start(
            new StartDeployment(Production, "run-d1", ArtifactDigest, "d1"),
            V1,
            null,
            false,
            "gen",
            ctx
        );
        Same(
            [
                new DeploymentStarted(
                    ModelId,
                    Production,
                    "d1",
                    "1.0.0",
                    ArtifactDigest,
                    "run-d1",
                    SlotKind.Live,
                    100,
                    ApprovalId,
                    DefaultExpiry,
                    ctx.Audit("Deployment of 1.0.0 started")
                ),
            ],
            [started]
        );
    }

    [Fact]
    public void Starting_without_an_approval_records_the_refusal_on_the_version_instead()
    {
        var unapproved = TestLedger.Given(Validated());
        var refused = DeploymentLifecycle.Start(
            new StartDeployment(Production, "run-x", ArtifactDigest),
            unapproved,
            null,
            false,
            "gen",
            Ctx(Pipeline)
        );
        Assert.Equal("no_approval_for_environment", Assert.IsType<DeploymentRefused>(refused).Reasons[0].Code);
    }

    [Fact]
    public void A_deployment_replaces_the_live_version_and_says_so_on_both_versions()
    {
        var slot = Slot(Started("d1", V1), Completed("d1", V1), Started("d2", V2));
        var ctx = Ctx(Pipeline);
        var decision = DeploymentLifecycle.Complete(new CompleteDeployment("d2"), slot, false, V2, ctx);
        var audit = ctx.Audit("Deployment of 1.1.0 completed");
        Same(
            [
                new DeploymentCompleted(
                    ModelId,
                    Production,
                    "d2",
                    "1.1.0",
                    SlotKind.Live,
                    100,
                    ApprovalId,
                    ApprovalStanding.Valid,
                    "d1",
                    "1.0.0",
                    audit
                ),
            ],
            decision.Slot
        );
        Same(
            [
                new DeploymentReplaced(
                    ModelId,
                    "1.0.0",
                    Production,
                    "1.1.0",
                    "d2",
                    ctx.Audit("Replaced in production by 1.1.0 (deployment d2)")
                ),
                new ModelVersionDeployed(ModelId, "1.1.0", Production, "run-d2", ArtifactDigest, ApprovalId, audit),
            ],
            decision.Versions
        );

        var after = EnvironmentSlot.Evolve(slot, decision.Slot[0], 4)!;
        Assert.Equal("1.1.0", after.Live!.Version);
        Assert.Single(after.History, i => i.IsOpen);
        var first = after.History[0];
        Assert.Equal((2L, 4L, "replaced", "d2"), (first.FromPosition, first.ToPosition!.Value, first.EndedBy!, first.EndedByDeploymentId!));
        Assert.Equal("1.0.0", after.LiveAt(3)!.Version);
        Assert.Equal("1.1.0", after.LiveAt(4)!.Version);
        Assert.Null(after.LiveAt(1));
    }

    [Fact]
    public void An_approval_that_expires_mid_rollout_still_lets_the_deployment_complete_and_it_says_so()
    {
        var expiring = TestLedger.Given(Approved(expiresAt: Day(8)));
        var slot = Slot(Started("d1", expiring, Day(7.9)));
        var decision = DeploymentLifecycle.Complete(new CompleteDeployment("d1"), slot, false, expiring, Ctx(Pipeline, Day(8.1)));
        var completed = Assert.IsType<DeploymentCompleted>(Assert.Single(decision.Slot));
        Assert.Equal(ApprovalStanding.Expired, completed.ApprovalStanding);
        Assert.Contains("expired during the rollout", completed.Audit.Reason);
    }

    [Fact]
    public void An_approval_revoked_mid_rollout_completes_and_the_slot_runs_without_a_valid_approval()
    {
        var revoked = TestLedger.Given([.. Approved(), RevokedEvent(at: Day(7.5))]);
        var slot = Slot(Started("d1", V1));
        var decision = DeploymentLifecycle.Complete(new CompleteDeployment("d1"), slot, false, revoked, Ctx(Pipeline));
        Assert.Equal(ApprovalStanding.Revoked, ((DeploymentCompleted)decision.Slot[0]).ApprovalStanding);
        var live = EnvironmentSlot.Evolve(slot, decision.Slot[0], 2)!.Live!;
        var standing = SlotStanding.Of(live, revoked, Day(10));
        Assert.Equal((false, "approval_revoked"), (standing.RunningWithValidApproval, standing.Code));
    }

    [Fact]
    public void Revoking_or_suspending_while_live_flags_the_live_deployment_until_replaced()
    {
        var live = Slot(Started("d1", V1), Completed("d1", V1))!.Live!;
        Assert.True(SlotStanding.Of(live, V1, Day(10)).RunningWithValidApproval);
        Assert.Equal("approval_revoked", SlotStanding.Of(live, TestLedger.Given([.. Approved(), RevokedEvent()]), Day(10)).Code);
        var suspended = TestLedger.Given([
            .. Approved(),
            new ModelVersionSuspended(ModelId, VersionLabel, [ApprovalId], AuditOf(OfficerA, Day(8), "Breach")),
        ]);
        Assert.Equal("approval_suspended", SlotStanding.Of(live, suspended, Day(10)).Code);
        Assert.Equal("approval_expired", SlotStanding.Of(live, V1, DefaultExpiry.AddDays(1)).Code);
    }

    [Fact]
    public void A_rollback_restores_the_previous_version_when_it_still_holds_a_valid_approval()
    {
        var slot = Slot(Started("d1", V1), Completed("d1", V1), Started("d2", V2), Completed("d2", V2, "d1", "1.0.0"));
        var ctx = Ctx(Pipeline);
        var decision = DeploymentLifecycle.Rollback(new RollbackDeployment("run-9", "Latency regression"), slot, false, V1, "r1", ctx);
        var audit = ctx.Audit("Latency regression");
        Same(
            [
                new LiveVersionRolledBack(
                    ModelId,
                    Production,
                    "r1",
                    "1.0.0",
                    ArtifactDigest,
                    "run-9",
                    "d2",
                    "1.1.0",
                    ApprovalId,
                    DefaultExpiry,
                    false,
                    [],
                    audit
                ),
            ],
            decision.Slot
        );
        Same(
            [
                new DeploymentRolledBack(ModelId, "1.1.0", Production, "run-9", audit),
                new ModelVersionRestored(ModelId, "1.0.0", Production, "run-9", ArtifactDigest, "r1", ApprovalId, false, audit),
            ],
            decision.Versions
        );
        var after = EnvironmentSlot.Evolve(slot, decision.Slot[0], 5)!;
        Assert.Equal(("1.0.0", "1.1.0"), (after.Live!.Version, after.PreviousLive!.Version));
        Assert.Equal("rolled_back", after.History[1].EndedBy);
        // A rollback that names its own deployment id cannot take one the slot already used.
        Refused(
            () => DeploymentLifecycle.Rollback(new RollbackDeployment("run-9", "x", DeploymentId: "d1"), slot, false, V1, "r1", ctx),
            RuleKind.Conflict,
            "deployment.id_taken"
        );
    }

    [Fact]
    public void A_rollback_to_a_version_without_a_valid_approval_is_refused_or_recorded_as_an_emergency_and_flagged()
    {
        var slot = Slot(Started("d1", V1), Completed("d1", V1), Started("d2", V2), Completed("d2", V2, "d1", "1.0.0"));
        var revokedV1 = TestLedger.Given([.. Approved(), RevokedEvent()]);
        Refused(
            () => DeploymentLifecycle.Rollback(new RollbackDeployment("run-9", "x"), slot, false, revokedV1, "r1", Ctx(Pipeline)),
            RuleKind.Conflict,
            "rollback.no_valid_approval"
        );

        var decision = DeploymentLifecycle.Rollback(
            new RollbackDeployment("run-9", "Outage", Emergency: true),
            slot,
            false,
            revokedV1,
            "r1",
            Ctx(Pipeline)
        );
        var rolledBack = Assert.IsType<LiveVersionRolledBack>(decision.Slot[0]);
        Assert.True(rolledBack.Emergency);
        Assert.Null(rolledBack.ApprovalId);
        Assert.Equal("approval_revoked", rolledBack.WithoutApprovalBecause[0].Code);
        Assert.Equal("Emergency rollback: Outage", rolledBack.Audit.Reason);
        var live = EnvironmentSlot.Evolve(slot, rolledBack, 5)!.Live!;
        Assert.Equal("emergency_rollback", SlotStanding.Of(live, revokedV1, Day(10)).Code);
    }

    [Fact]
    public void Rollback_needs_a_live_version_and_a_previous_one()
    {
        Refused(
            () => DeploymentLifecycle.Rollback(new RollbackDeployment("r", "x"), null, false, V1, "r1", Ctx(Pipeline)),
            RuleKind.Conflict,
            "rollback.nothing_live"
        );
        var slot = Slot(Started("d1", V1), Completed("d1", V1));
        Refused(
            () => DeploymentLifecycle.Rollback(new RollbackDeployment("r", "x"), slot, false, null, "r1", Ctx(Pipeline)),
            RuleKind.Conflict,
            "rollback.no_previous"
        );
        InvalidField(() => DeploymentLifecycle.Rollback(new RollbackDeployment("r", " "), slot, false, V1, "r1", Ctx(Pipeline)), "reason");
    }

    [Fact]
    public void A_failed_deployment_leaves_the_slot_as_it_was_and_cannot_complete_afterwards()
    {
        var slot = Slot(Started("d1", V1), Completed("d1", V1), Started("d2", V2));
        var failed = DeploymentLifecycle.Fail(new FailDeployment("d2", "Health checks failed"), slot, false, Ctx(Pipeline));
        Same([new DeploymentFailed(ModelId, Production, "d2", "1.1.0", Ctx(Pipeline).Audit("Health checks failed"))], [failed]);
        var after = EnvironmentSlot.Evolve(slot, failed, 4)!;
        Assert.Equal("1.0.0", after.Live!.Version);
        Assert.Empty(after.InFlight);
        Refused(
            () => DeploymentLifecycle.Complete(new CompleteDeployment("d2"), after, false, V2, Ctx(Pipeline)),
            RuleKind.Conflict,
            "deployment.not_in_flight"
        );
        Refused(
            () => DeploymentLifecycle.Complete(new CompleteDeployment("nope"), after, false, V2, Ctx(Pipeline)),
            RuleKind.NotFound,
            "deployment.not_found"
        );
        InvalidField(() => DeploymentLifecycle.Fail(new FailDeployment("d2", null), slot, false, Ctx(Pipeline)), "reason");
        // The failed deployment keeps its id: a retry is a new deployment.
        Refused(
            () =>
                DeploymentLifecycle.Start(new StartDeployment(Production, "r", ArtifactDigest, "d2"), V2, after, false, "g", Ctx(Pipeline)),
            RuleKind.Conflict,
            "deployment.id_taken"
        );
    }

    [Fact]
    public void A_canary_takes_its_own_slot_with_its_share_and_is_promoted_when_its_version_goes_live()
    {
        var slot = Slot(Started("d1", V1), Completed("d1", V1), Started("c1", V2, slot: SlotKind.Canary, share: 10));
        var canary = DeploymentLifecycle.Complete(new CompleteDeployment("c1"), slot, false, V2, Ctx(Pipeline));
        Assert.Empty(canary.Versions);
        slot = EnvironmentSlot.Evolve(slot, canary.Slot[0], 4)!;
        Assert.Equal(("1.0.0", "1.1.0", 10), (slot.Live!.Version, slot.Canary!.Version, slot.Canary.TrafficPercent));
        slot = EnvironmentSlot.Evolve(EnvironmentSlot.Evolve(slot, Started("d2", V2), 5), Completed("d2", V2, "d1", "1.0.0"), 6)!;
        Assert.Equal("1.1.0", slot.Live!.Version);
        Assert.Null(slot.Canary);
        Assert.Equal("promoted", slot.History.Single(i => i.DeploymentId == "c1").EndedBy);
    }

    [Fact]
    public void Start_refuses_bad_shares_slots_and_a_deployment_id_already_used()
    {
        InvalidField(
            () =>
                DeploymentLifecycle.Start(
                    new StartDeployment(Production, "r", ArtifactDigest, Slot: SlotKind.Canary),
                    V1,
                    null,
                    false,
                    "g",
                    Ctx(Pipeline)
                ),
            "trafficPercent"
        );
        InvalidField(
            () =>
                DeploymentLifecycle.Start(
                    new StartDeployment(Production, "r", ArtifactDigest, Slot: SlotKind.Canary, TrafficPercent: 100),
                    V1,
                    null,
                    false,
                    "g",
                    Ctx(Pipeline)
                ),
            "trafficPercent"
        );
        InvalidField(
            () =>
                DeploymentLifecycle.Start(
                    new StartDeployment(Production, "r", ArtifactDigest, Slot: (SlotKind)7),
                    V1,
                    null,
                    false,
                    "g",
                    Ctx(Pipeline)
                ),
            "slot"
        );
        InvalidField(
            () =>
                DeploymentLifecycle.Start(
                    new StartDeployment(Production, "r", ArtifactDigest, DeploymentId: "a b"),
                    V1,
                    null,
                    false,
                    "g",
                    Ctx(Pipeline)
                ),
            "deploymentId"
        );
        var slot = Slot(Started("d1", V1));
        Refused(
            () =>
                DeploymentLifecycle.Start(new StartDeployment(Production, "r", ArtifactDigest, "d1"), V1, slot, false, "g", Ctx(Pipeline)),
            RuleKind.Conflict,
            "deployment.id_taken"
        );
    }

    [Fact]
    public void Commands_decide_on_the_bounded_slot_as_on_its_whole_history_and_it_stays_small()
    {
        // 400 random lifecycle steps over three versions (live and canary deployments, failures, rollbacks, withdrawals), each
        // decided twice: on the whole slot, and on the slot kept bounded after every event as its inline document is.
        ModelVersion[] versions = [V1, V2, V1 with { Id = ModelVersion.StreamKey(ModelId, "1.2.0"), Version = "1.2.0" }];
        var random = new Random(19);
        EnvironmentSlot? whole = null;
        EnvironmentSlot? bounded = null;
        var position = 0;
        var ctx = Ctx(Pipeline);
        void Record(IEnumerable<ISlotEvent> events)
        {
            foreach (var e in events)
            {
                position++;
                whole = EnvironmentSlot.Evolve(whole, e, position);
                bounded = EnvironmentSlot.Evolve(bounded, e, position)!.Bounded();
            }
        }
        // The events decided on both slots (the same), or null when both refused with the same code.
        IReadOnlyList<ISlotEvent>? Decide(Func<EnvironmentSlot?, IReadOnlyList<ISlotEvent>> decide)
        {
            string Outcome(EnvironmentSlot? slot)
            {
                try
                {
                    return string.Join("\n", decide(slot).Select(Serialize));
                }
                catch (GovernanceRuleException refused)
                {
                    return refused.Code;
                }
            }
            Assert.Equal(Outcome(whole), Outcome(bounded));
            try
            {
                return decide(whole);
            }
            catch (GovernanceRuleException)
            {
                return null;
            }
        }
        ModelVersion? Previous(EnvironmentSlot? slot) => versions.FirstOrDefault(v => v.Version == slot?.PreviousLive?.Version);

        for (var step = 0; step < 400; step++)
        {
            var version = versions[random.Next(versions.Length)];
            var id = $"d{step}";
            switch (random.Next(5))
            {
                case 0 or 1 or 2:
                    var canary = random.Next(4) == 0;
                    var start = new StartDeployment(
                        Production,
                        $"run-{id}",
                        ArtifactDigest,
                        id,
                        canary ? SlotKind.Canary : SlotKind.Live,
                        canary ? 10 : null
                    );
                    Record(Decide(slot => [(ISlotEvent)DeploymentLifecycle.Start(start, version, slot, false, "g", ctx)])!);
                    if (random.Next(6) == 0)
                        break; // left in flight, to complete or fail later
                    Record(Decide(slot => DeploymentLifecycle.Complete(new CompleteDeployment(id), slot, false, version, ctx).Slot)!);
                    break;
                case 3 when whole?.InFlight is [var oldest, ..]:
                    var fail = random.Next(2) == 0;
                    Record(
                        Decide(slot =>
                            fail
                                ?
                                [
                                    DeploymentLifecycle.Fail(
                                        new FailDeployment(oldest.DeploymentId, "Health checks failed"),
                                        slot,
                                        false,
                                        ctx
                                    ),
                                ]
                                : DeploymentLifecycle
                                    .Complete(
                                        new CompleteDeployment(oldest.DeploymentId),
                                        slot,
                                        false,
                                        versions.Single(v => v.Version == oldest.Version),
                                        ctx
                                    )
                                    .Slot
                        )!
                    );
                    break;
                case 3 when whole?.Live is { } live:
                    var pulled = new DeploymentRolledBack(ModelId, live.Version, Production, $"run-{id}", ctx.Audit("Pulled"));
                    Record(Decide(slot => DeploymentLifecycle.Withdraw(slot, pulled))!);
                    break;
                default:
                    var rollback = new RollbackDeployment($"run-{id}", "Latency regression", Emergency: random.Next(2) == 0);
                    Record(Decide(slot => DeploymentLifecycle.Rollback(rollback, slot, false, Previous(slot), id, ctx).Slot) ?? []);
                    break;
            }
            Assert.Equal(
                Serialize(
                    new
                    {
                        whole!.Live,
                        whole.Canary,
                        whole.Shadow,
                        whole.InFlight,
                        whole.PreviousLive,
                    }
                ),
                Serialize(
                    new
                    {
                        bounded!.Live,
                        bounded.Canary,
                        bounded.Shadow,
                        bounded.InFlight,
                        bounded.PreviousLive,
                    }
                )
            );
            Assert.InRange(bounded.History.Count, 0, 5);
        }
        Assert.InRange(whole!.History.Count, 300, 400);
    }

    [Fact]
    public void A_deployment_id_the_bounded_slot_no_longer_holds_is_still_taken_when_its_events_record_it()
    {
        var slot = Slot(
                Started("d1", V1),
                Completed("d1", V1),
                Started("d2", V2),
                Completed("d2", V2, "d1", "1.0.0"),
                Started("d3", V1),
                Completed("d3", V1, "d2", "1.1.0"),
                Started("d4", V2),
                Completed("d4", V2, "d3", "1.0.0")
            )!
            .Bounded();
        Assert.False(slot.Holds("d1"));
        var ctx = Ctx(Pipeline);
        var again = new StartDeployment(Production, "run-x", ArtifactDigest, "d1");
        Assert.IsType<DeploymentStarted>(DeploymentLifecycle.Start(again, V1, slot, false, "g", ctx));
        Refused(() => DeploymentLifecycle.Start(again, V1, slot, true, "g", ctx), RuleKind.Conflict, "deployment.id_taken");
        Refused(
            () => DeploymentLifecycle.Complete(new CompleteDeployment("d1"), slot, true, V1, ctx),
            RuleKind.Conflict,
            "deployment.not_in_flight"
        );
        Refused(() => DeploymentLifecycle.Fail(new FailDeployment("d1", "x"), slot, false, ctx), RuleKind.NotFound, "deployment.not_found");
    }

    [Fact]
    public void A_replaced_or_rolled_back_version_is_no_longer_live_on_its_own_record()
    {
        var v1 = TestLedger.Given([
            .. Approved(),
            DeployedEvent(),
            new DeploymentReplaced(ModelId, VersionLabel, Production, "1.1.0", "d2", AuditOf(Pipeline, Day(9))),
        ]);
        Assert.Empty(v1.LiveEnvironments);
        Assert.Equal(ModelVersionStatus.Deployed, v1.Status);
        var restored = ModelVersion.Evolve(
            v1,
            new ModelVersionRestored(
                ModelId,
                VersionLabel,
                Production,
                "run-9",
                ArtifactDigest,
                "r1",
                ApprovalId,
                false,
                AuditOf(Pipeline, Day(10))
            )
        )!;
        Assert.Equal([Production], restored.LiveEnvironments);
        Assert.Equal(ModelVersionStatus.Deployed, restored.Status);
    }
}
