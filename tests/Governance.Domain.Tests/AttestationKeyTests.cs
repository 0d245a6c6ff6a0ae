using Governance.Domain.AttestationKeys;
using Governance.Domain.Shared;
using static Governance.Domain.Tests.TestLedger;

namespace Governance.Domain.Tests;

/// <summary>Key rotation, retirement and compromise as decided facts (issue 11, item 1).</summary>
public class AttestationKeyTests
{
    private static readonly Actor Admin = new("admin-ada", "Ada Admin", Roles.Admin);
    private static readonly NewAttestationKey First = new("key-1", "ES256", "spki-1", "file");
    private static readonly NewAttestationKey Second = new("key-2", "ES256", "spki-2", "file");
    private static readonly NewAttestationKey Third = new("key-3", "ES256", "spki-3", "pkcs11");
    private const string Keys = AttestationKeyLog.Subject;

    private static AttestationKeySet Given(params IReadOnlyList<object> events) =>
        events.Aggregate(AttestationKeySet.Empty, AttestationKeySet.Evolve!);

    private static IReadOnlyList<object> Rotate(
        AttestationKeySet keys,
        NewAttestationKey key,
        double day,
        string? reason = "Scheduled rotation"
    ) => AttestationKeyDecisions.Decide(new RotateAttestationKey(key, reason), keys, Ctx(Admin, Day(day)));

    [Fact]
    public void The_first_key_becomes_current_from_its_activation()
    {
        var events = Rotate(AttestationKeySet.Empty, First, 0);

        Assert.Equal(
            [new AttestationKeyActivated(Keys, "key-1", "ES256", "spki-1", "file", Day(0), Ctx(Admin, Day(0)).Audit("Scheduled rotation"))],
            events
        );
        var current = Given(events).Current!;
        Assert.Equal(("current", Day(0), (DateTimeOffset?)null), (current.Status, current.NotBefore, current.ValidUntil));
    }

    [Fact]
    public void A_rotation_retires_the_current_key_at_the_instant_the_new_one_starts()
    {
        var events = Rotate(Given(Rotate(AttestationKeySet.Empty, First, 0)), Second, 30);

        var audit = Ctx(Admin, Day(30)).Audit("Scheduled rotation");
        Assert.Equal(
            [
                new AttestationKeyRetired(Keys, "key-1", Day(30), audit),
                new AttestationKeyActivated(Keys, "key-2", "ES256", "spki-2", "file", Day(30), audit),
            ],
            events
        );
        var keys = Given([.. Rotate(AttestationKeySet.Empty, First, 0), .. events]);
        Assert.Equal(("retired", (DateTimeOffset?)Day(30)), (keys.Find("key-1")!.Status, keys.Find("key-1")!.ValidUntil));
        Assert.Equal("key-2", keys.Current!.KeyId);
    }

    [Fact]
    public void A_rotation_needs_a_reason_and_a_key_never_recorded_before()
    {
        var keys = Given(Rotate(AttestationKeySet.Empty, First, 0));

        InvalidField(() => Rotate(keys, Second, 1, reason: " "), "reason");
        var again = Assert.Throws<GovernanceRuleException>(() => Rotate(keys, First, 1));
        Assert.Equal("attestation_key.already_recorded", again.Code);
    }

    [Fact]
    public void A_compromised_current_key_is_replaced_at_once_and_its_window_ends_at_the_compromise()
    {
        var keys = Given(Rotate(AttestationKeySet.Empty, First, 0));
        var report = new ReportAttestationKeyCompromise("key-1", Day(10), "Key file found on a shared drive", Third);

        var events = AttestationKeyDecisions.Decide(report, keys, Ctx(Admin, Day(12)));

        var audit = Ctx(Admin, Day(12)).Audit("Key file found on a shared drive");
        Assert.Equal(
            [
                new AttestationKeyCompromised(Keys, "key-1", Day(10), audit),
                new AttestationKeyRetired(Keys, "key-1", Day(12), audit),
                new AttestationKeyActivated(Keys, "key-3", "ES256", "spki-3", "pkcs11", Day(12), audit),
            ],
            events
        );
        var after = Given([.. Rotate(AttestationKeySet.Empty, First, 0), .. events]);
        Assert.Equal(("compromised", (DateTimeOffset?)Day(10)), (after.Find("key-1")!.Status, after.Find("key-1")!.ValidUntil));
        Assert.Equal("key-3", after.Current!.KeyId);
    }

    [Fact]
    public void A_compromised_current_key_without_a_replacement_is_refused()
    {
        var keys = Given(Rotate(AttestationKeySet.Empty, First, 0));
        var refused = Assert.Throws<GovernanceRuleException>(() =>
            AttestationKeyDecisions.Decide(new ReportAttestationKeyCompromise("key-1", Day(1), "Leaked", null), keys, Ctx(Admin, Day(2)))
        );
        Assert.Equal("attestation_key.replacement_required", refused.Code);
    }

    [Fact]
    public void A_retired_key_reported_compromised_records_only_the_compromise()
    {
        IReadOnlyList<object> history = [.. Rotate(AttestationKeySet.Empty, First, 0)];
        history = [.. history, .. Rotate(Given(history), Second, 30)];
        var report = new ReportAttestationKeyCompromise("key-1", Day(20), "Old backup tape stolen", null);

        var events = AttestationKeyDecisions.Decide(report, Given(history), Ctx(Admin, Day(40)));

        Assert.Equal([new AttestationKeyCompromised(Keys, "key-1", Day(20), Ctx(Admin, Day(40)).Audit("Old backup tape stolen"))], events);
        var after = Given([.. history, .. events]);
        Assert.Equal(("compromised", (DateTimeOffset?)Day(20)), (after.Find("key-1")!.Status, after.Find("key-1")!.ValidUntil));
        Assert.Equal("key-2", after.Current!.KeyId);
    }

    [Theory]
    [InlineData(null, "compromisedAt")]
    [InlineData(5.0, "compromisedAt")]
    [InlineData(-1.0, "compromisedAt")]
    public void A_compromise_time_is_required_not_in_the_future_and_within_the_key_window(double? day, string field)
    {
        var keys = Given(Rotate(AttestationKeySet.Empty, First, 0));
        InvalidField(
            () =>
                AttestationKeyDecisions.Decide(
                    new ReportAttestationKeyCompromise("key-1", day is null ? null : Day(day.Value), "Leaked", Second),
                    keys,
                    Ctx(Admin, Day(2))
                ),
            field
        );
    }

    [Fact]
    public void An_unknown_key_or_one_already_compromised_is_refused()
    {
        var keys = Given(Rotate(AttestationKeySet.Empty, First, 0));
        var unknown = Assert.Throws<GovernanceRuleException>(() =>
            AttestationKeyDecisions.Decide(new ReportAttestationKeyCompromise("key-9", Day(1), "Leaked", Second), keys, Ctx(Admin, Day(2)))
        );
        Assert.Equal((RuleKind.NotFound, "attestation_key.not_found"), (unknown.Kind, unknown.Code));

        var compromised = Given([
            .. Rotate(AttestationKeySet.Empty, First, 0),
            .. AttestationKeyDecisions.Decide(
                new ReportAttestationKeyCompromise("key-1", Day(1), "Leaked", Second),
                keys,
                Ctx(Admin, Day(2))
            ),
        ]);
        var twice = Assert.Throws<GovernanceRuleException>(() =>
            AttestationKeyDecisions.Decide(
                new ReportAttestationKeyCompromise("key-1", Day(1), "Leaked", Third),
                compromised,
                Ctx(Admin, Day(3))
            )
        );
        Assert.Equal("attestation_key.already_compromised", twice.Code);
    }

    [Fact]
    public void Keys_an_earlier_release_left_are_recorded_once_with_estimated_windows()
    {
        var events = AttestationKeyDecisions.Decide(
            new RecordEarlierReleaseKeys(Second, [First], Day(30)),
            AttestationKeySet.Empty,
            Ctx(Admin, Day(50))
        );

        var keys = Given(events);
        Assert.Equal(
            (DateTimeOffset.UnixEpoch, (DateTimeOffset?)Day(30), "retired"),
            (keys.Find("key-1")!.NotBefore, keys.Find("key-1")!.ValidUntil, keys.Find("key-1")!.Status)
        );
        Assert.Equal(("key-2", DateTimeOffset.UnixEpoch), (keys.Current!.KeyId, keys.Current.NotBefore));
        var again = Assert.Throws<GovernanceRuleException>(() =>
            AttestationKeyDecisions.Decide(new RecordEarlierReleaseKeys(Third, [], Day(30)), keys, Ctx(Admin, Day(51)))
        );
        Assert.Equal("attestation_key.already_recorded", again.Code);
    }
}
