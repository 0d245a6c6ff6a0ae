using System.Diagnostics;
using System.Diagnostics.Metrics;
using Governance.Domain.Shared;
using JasperFx.Events;

namespace Governance.Ledger.Telemetry;

/// <summary>
/// The ledger's OpenTelemetry instruments, on the .NET <see cref="Meter"/> and <see cref="ActivitySource"/> named
/// <see cref="Name"/>; a host exports them (the API at <c>/metrics</c>, behind the <c>metrics:read</c> scope). Series names
/// follow the OpenTelemetry semantic conventions' style; Prometheus sees dots as underscores and counters with
/// <c>_total</c>. Tags are bounded sets (event types, rule codes, reasons, environments): never a person, a digest or free text.
/// </summary>
public static class LedgerTelemetry
{
    /// <summary>The meter's and activity source's name, to subscribe to in a host.</summary>
    public const string Name = "Governance";

    private static readonly Meter Meter = new(Name);

    /// <summary>Spans around the ledger's commands and answers, under the caller's request span.</summary>
    public static readonly ActivitySource Activities = new(Name);

    private static readonly Counter<long> Commands = Meter.CreateCounter<long>(
        "governance.ledger.commands",
        "{command}",
        "Commands through the ledger's single write path, by the first event type they append and outcome: committed, "
            + "replayed (an idempotent retry) or conflict (another writer got there first)."
    );

    private static readonly Counter<long> Refusals = Meter.CreateCounter<long>(
        "governance.refusals",
        "{refusal}",
        "Commands refused by a rule, by rule code (e.g. approval.segregation_of_duties), kind and front door (api, ui)."
    );

    private static readonly Counter<long> Checks = Meter.CreateCounter<long>(
        "governance.approval.checks",
        "{check}",
        "Approval checks answered, by decision (allowed, denied), reason code and environment."
    );

    private static readonly Counter<long> Events = Meter.CreateCounter<long>(
        "governance.ledger.events",
        "{event}",
        "Events committed, by type: attestations issued are approval_attested, breaches, incidents, deployments and model "
            + "servers' load reports each their own type."
    );

    private static readonly Histogram<int> CommitGroups = Meter.CreateHistogram(
        "governance.ledger.commit.commands",
        "{command}",
        "Commands written per transaction (group commit), by how: together (one transaction for all) or alone (one by itself, "
            + "or each again by itself after its group's transaction failed on one command's lost race).",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32] }
    );

    private static readonly Counter<long> ReplicaReads = Meter.CreateCounter<long>(
        "governance.replica.reads",
        "{read}",
        "Read-only sessions asked of the read replica, by where they were answered: replica, primary_lagging (the replica had not "
            + "replayed the primary's position within the lag bound) or primary_unreachable."
    );

    /// <summary>Counts where a read-only session was answered (<see cref="Sequencing.ReplicaReads"/>).</summary>
    /// <param name="source"><c>replica</c>, <c>primary_lagging</c> or <c>primary_unreachable</c>.</param>
    public static void ReplicaRead(string source) => ReplicaReads.Add(1, new KeyValuePair<string, object?>("source", source));

    /// <summary>Counts a command that reached the ledger's commit.</summary>
    /// <param name="events">The events it appended (the first names the command), empty for a replay.</param>
    /// <param name="outcome"><c>committed</c>, <c>replayed</c> or <c>conflict</c>.</param>
    public static void Command(IReadOnlyList<object> events, string outcome) =>
        Commands.Add(
            1,
            new KeyValuePair<string, object?>("event_type", events.Count > 0 ? events[0].GetType().GetEventTypeName() : "none"),
            new KeyValuePair<string, object?>("outcome", outcome)
        );

    /// <summary>Records one transaction of group commit (<see cref="Writing.GroupCommit"/>).</summary>
    /// <param name="commands">The commands it wrote (or tried to).</param>
    /// <param name="how"><c>together</c> or <c>alone</c>.</param>
    public static void CommitGroup(int commands, string how) =>
        CommitGroups.Record(commands, new KeyValuePair<string, object?>("how", how));

    /// <summary>Counts a refusal as a front door answers it.</summary>
    /// <param name="frontDoor"><c>api</c> or <c>ui</c>.</param>
    public static void Refused(GovernanceRuleException refusal, string frontDoor) =>
        Refusals.Add(
            1,
            new KeyValuePair<string, object?>("rule", refusal.Code),
            new KeyValuePair<string, object?>("kind", refusal.Kind.ToString()),
            new KeyValuePair<string, object?>("front_door", frontDoor)
        );

    /// <summary>Counts an approval check's answer.</summary>
    /// <param name="allowed">The decision.</param>
    /// <param name="reason">The answer's reason code (<c>approved</c> when allowed without caveat).</param>
    /// <param name="environment">The environment asked about (a slug).</param>
    public static void Check(bool allowed, string reason, string environment) =>
        Checks.Add(
            1,
            new KeyValuePair<string, object?>("decision", allowed ? "allowed" : "denied"),
            new KeyValuePair<string, object?>("reason", reason),
            new KeyValuePair<string, object?>("environment", environment)
        );

    /// <summary>Counts committed events by type.</summary>
    public static void Committed(IReadOnlyList<object> events)
    {
        foreach (var e in events)
            Events.Add(1, new KeyValuePair<string, object?>("event_type", e.GetType().GetEventTypeName()));
    }

    private static LedgerLag? _lag;

    /// <summary>The latest lag sample (<see cref="LedgerLagSampler"/> refreshes it), read by the gauges at each collection, so a
    /// scrape never queries the database. Null until sampled (no gauge is reported).</summary>
    public static LedgerLag? Lag
    {
        get => Volatile.Read(ref _lag);
        internal set => Volatile.Write(ref _lag, value);
    }

    // Gauges read the latest sample at each collection.
    static LedgerTelemetry()
    {
        Meter.CreateObservableGauge(
            "governance.tlog.unsealed_events",
            () => Lag?.UnsealedEvents is { } unsealed ? [new Measurement<long>(unsealed)] : Array.Empty<Measurement<long>>(),
            "{event}",
            "Events committed but not yet sealed into the transparency log."
        );

        Meter.CreateObservableGauge(
            "governance.tlog.sealing_lag",
            () => Lag?.SealingLagSeconds is { } age ? [new Measurement<double>(age)] : Array.Empty<Measurement<double>>(),
            "s",
            "Age of the oldest committed event not yet sealed into the transparency log (0 when every event is sealed)."
        );

        Meter.CreateObservableGauge(
            "governance.webhooks.outbox",
            () => Lag is { } lag ? [new Measurement<long>(lag.WebhookBacklog)] : Array.Empty<Measurement<long>>(),
            "{message}",
            "Webhook messages committed but not yet fanned out to their subscriptions."
        );

        Meter.CreateObservableGauge(
            "governance.tlog.alarm",
            () => Lag?.IntegrityAlarm is { } alarm ? [new Measurement<int>(alarm ? 1 : 0)] : Array.Empty<Measurement<int>>(),
            "{alarm}",
            "1 when the transparency log's sealer has raised its integrity alarm (see ledger verify), else 0."
        );
    }
}
