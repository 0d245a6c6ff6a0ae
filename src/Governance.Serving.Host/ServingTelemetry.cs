using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Governance.Serving.Host;

/// <summary>
/// The scoring host's OpenTelemetry instruments (issue 19 item 3), on the <see cref="Meter"/> named <see cref="Name"/>,
/// exported for Prometheus at <c>/metrics</c> on the management port (<see cref="ScoringHostOptions.MetricsPort"/>). Every
/// series is tagged with the host's configured model, version and environment; refusals with their code (e.g.
/// <c>approval_revoked</c>, <c>approval_suspended</c>, <c>decision_policy_mismatch</c>), a bounded set.
/// </summary>
public sealed class ServingTelemetry : IDisposable
{
    /// <summary>The meter's name, to subscribe to in the host.</summary>
    public const string Name = "Governance.Serving";

    // One meter per process, as the ledger's: every host's measurements carry its model tags, and a listener sees each
    // instrument once (meters of the same name made per host would be told apart by no exporter).
    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> Loads = Meter.CreateCounter<long>(
        "governance.serving.loads",
        "{load}",
        "Model loads tried (at start, on /reload, or after a refusal), by outcome (loaded, refused) and refusal code."
    );

    private static readonly Counter<long> Reverifications = Meter.CreateCounter<long>(
        "governance.serving.reverifications",
        "{reverification}",
        "Periodic re-verifications of the served model's approval, by outcome (passed, refused) and refusal code."
    );

    private static readonly Counter<long> ScoredRows = Meter.CreateCounter<long>(
        "governance.serving.scored_rows",
        "{row}",
        "Rows scored under a verified approval."
    );

    /// <summary>The hosts of this process (one in production; several in tests), for the gauge.</summary>
    private static readonly ConcurrentDictionary<ServingTelemetry, byte> Hosts = new();

    private readonly KeyValuePair<string, object?>[] _model;
    private int _serving;

    static ServingTelemetry() =>
        Meter.CreateObservableGauge(
            "governance.serving.serving",
            () => Hosts.Keys.Select(h => new Measurement<int>(Volatile.Read(ref h._serving), h._model)),
            "{model}",
            "1 while an approved model is served, 0 while the host refuses to serve."
        );

    public ServingTelemetry(ScoringHostOptions options)
    {
        _model = [new("model", options.Model), new("version", options.Version), new("environment", options.Environment)];
        Hosts.TryAdd(this, 0);
    }

    /// <summary>A load verified and the model is served.</summary>
    public void Loaded() => Load("loaded", null);

    /// <summary>A load refused with <paramref name="code"/>; nothing is served.</summary>
    public void LoadRefused(string code) => Load("refused", code);

    /// <summary>A re-verification passed (null), or was refused with <paramref name="refusedCode"/> (serving stops).</summary>
    public void Reverified(string? refusedCode)
    {
        if (refusedCode is not null)
            Volatile.Write(ref _serving, 0);
        Reverifications.Add(1, Tags(refusedCode is null ? "passed" : "refused", refusedCode));
    }

    /// <summary><paramref name="rows"/> rows scored.</summary>
    public void Scored(int rows) => ScoredRows.Add(rows, _model);

    public void Dispose() => Hosts.TryRemove(this, out _);

    private void Load(string outcome, string? code)
    {
        Volatile.Write(ref _serving, code is null ? 1 : 0);
        Loads.Add(1, Tags(outcome, code));
    }

    private ReadOnlySpan<KeyValuePair<string, object?>> Tags(string outcome, string? code) =>
        (KeyValuePair<string, object?>[])[.. _model, new("outcome", outcome), new("code", code ?? "")];
}
