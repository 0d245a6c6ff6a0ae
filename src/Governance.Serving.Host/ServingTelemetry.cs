using System.Diagnostics.Metrics;

namespace Governance.Serving.Host;

/// <summary>
/// The scoring host's OpenTelemetry instruments (issue 19 item 3), on the <see cref="Meter"/> named <see cref="Name"/>,
/// exported for Prometheus at <c>/metrics</c> on the management port (<see cref="ScoringHostOptions.MetricsPort"/>). Every
/// series is tagged with the host's configured model, version and environment; refusals with their code (e.g.
/// <c>approval_revoked</c>, <c>approval_suspended</c>, <c>decision_policy_mismatch</c>), a bounded set.
/// </summary>
public sealed class ServingTelemetry
{
    /// <summary>The meter's name, to subscribe to in the host.</summary>
    public const string Name = "Governance.Serving";

    private readonly Counter<long> _loads;
    private readonly Counter<long> _reverifications;
    private readonly Counter<long> _scoredRows;
    private readonly KeyValuePair<string, object?>[] _model;
    private int _serving;

    public ServingTelemetry(IMeterFactory meters, ScoringHostOptions options)
    {
        var meter = meters.Create(Name);
        _model = [new("model", options.Model), new("version", options.Version), new("environment", options.Environment)];
        _loads = meter.CreateCounter<long>(
            "governance.serving.loads",
            "{load}",
            "Model loads tried (at start, on /reload, or after a refusal), by outcome (loaded, refused) and refusal code."
        );
        _reverifications = meter.CreateCounter<long>(
            "governance.serving.reverifications",
            "{reverification}",
            "Periodic re-verifications of the served model's approval, by outcome (passed, refused) and refusal code."
        );
        _scoredRows = meter.CreateCounter<long>("governance.serving.scored_rows", "{row}", "Rows scored under a verified approval.");
        meter.CreateObservableGauge(
            "governance.serving.serving",
            () => new Measurement<int>(Volatile.Read(ref _serving), _model),
            "{model}",
            "1 while an approved model is served, 0 while the host refuses to serve."
        );
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
        _reverifications.Add(1, Tags(refusedCode is null ? "passed" : "refused", refusedCode));
    }

    /// <summary><paramref name="rows"/> rows scored.</summary>
    public void Scored(int rows) => _scoredRows.Add(rows, _model);

    private void Load(string outcome, string? code)
    {
        Volatile.Write(ref _serving, code is null ? 1 : 0);
        _loads.Add(1, Tags(outcome, code));
    }

    private ReadOnlySpan<KeyValuePair<string, object?>> Tags(string outcome, string? code) =>
        (KeyValuePair<string, object?>[])[.. _model, new("outcome", outcome), new("code", code ?? "")];
}
