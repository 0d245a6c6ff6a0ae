using System.Text.Json;
using System.Text.Json.Serialization;
using Governance.Domain.Deployments;
using Governance.Domain.Evidence;
using Governance.Domain.ModelVersions;
using static Governance.Domain.Tests.TestLedger;

namespace Governance.Domain.Tests;

public class DeploymentGateTests
{
    private static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };

    private static string Gate(ModelVersion version) => JsonSerializer.Serialize(DeploymentGate.Of(version), Json);

    /// <summary>One event of every kind the gate does not read, on the version of <see cref="TestLedger"/>.</summary>
    private static IModelVersionEvent[] Operational(DateTimeOffset at)
    {
        var audit = AuditOf(Pipeline, at);
        return
        [
            DeployedEvent(at: at),
            new DeploymentReplaced(ModelId, VersionLabel, Production, "2.0.0", "dep-2", audit),
            RolledBackEvent(at: at),
            new ModelVersionRestored(ModelId, VersionLabel, Production, "run-3", ArtifactDigest, "dep-3", null, true, audit),
            RefusedEvent(at: at),
            new ModelLoaded(ModelId, VersionLabel, Production, "scorer-1", ArtifactDigest, ApprovalId, audit),
            new UnapprovedLoadReported(
                ModelId,
                VersionLabel,
                Production,
                "scorer-1",
                OtherDigest,
                null,
                [new("not_approved", "no")],
                audit
            ),
            new ModelLoadRefused(ModelId, VersionLabel, Production, "scorer-1", ArtifactDigest, "approval_revoked", audit),
            SubmittedEvent(at),
            ValidationCompletedEvent(),
            // The report itself is not read by the version's gate, nor by anything this test compares.
            new EvidenceReportRecorded(ModelId, VersionLabel, "EV-1", "x", "1", TrainingDigest, null!, AuditOf(Validator, at)),
            new DeclarationOfConformitySigned(
                ModelId,
                VersionLabel,
                ArtifactDigest,
                "Example Bank AG",
                "Musterstraße 1, 60311 Frankfurt am Main, Germany",
                ConformityAssessmentProcedure.InternalControl,
                null,
                null,
                [],
                [],
                "Frankfurt am Main",
                "Chief Risk Officer",
                AuditOf(OfficerA, at)
            ),
        ];
    }

    [Fact]
    public void Deployments_loads_validation_and_evidence_leave_the_gate_as_it_was_and_are_said_to()
    {
        // Registered, awaiting approval, approved, revoked and retired: a version's row at each stage of its life.
        object[][] histories =
        [
            Registered(),
            AwaitingApproval(),
            Approved(),
            [.. Approved(), RevokedEvent(at: Day(9))],
            [.. Approved(), VersionRetiredEvent(Day(9))],
        ];
        foreach (var history in histories)
        {
            var version = Given(history);
            foreach (var e in Operational(Day(12)))
            {
                var after = ModelVersion.Evolve(version, e)!;
                Assert.False(DeploymentGate.MayChange(e), e.GetType().Name);
                Assert.Equal(Gate(version), Gate(after));
                version = after;
            }
        }
    }

    [Fact]
    public void Every_event_that_changes_the_gate_is_one_it_may_change()
    {
        // The approval's whole life, a suspension and a retirement: each event that changes the row must rewrite it and tell
        // the other nodes, or a revoked approval would still be answered from their memory.
        object[] history =
        [
            .. Approved(),
            new ModelVersionSuspended(ModelId, VersionLabel, [ApprovalId], AuditOf(Owner, Day(9))),
            new ModelVersionSuspensionLifted(ModelId, VersionLabel, [ApprovalId], AuditOf(OfficerA, Day(10))),
            RevokedEvent(at: Day(11)),
            VersionRetiredEvent(Day(12)),
        ];
        ModelVersion? version = null;
        var changes = 0;
        foreach (var e in history.Cast<IModelVersionEvent>())
        {
            var after = ModelVersion.Evolve(version, e)!;
            if (version is null || Gate(version) != Gate(after))
            {
                changes++;
                Assert.True(DeploymentGate.MayChange(e), e.GetType().Name);
            }
            version = after;
        }
        Assert.True(changes >= 8, $"only {changes} events changed the gate");
    }
}
