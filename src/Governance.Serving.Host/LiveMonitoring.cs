using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Governance.Domain.Monitoring;
using Governance.Explainability.Data;
using Governance.Monitoring;

namespace Governance.Serving.Host;

/// <summary>Configuration section <c>Serving:Monitoring</c>: the host samples what it scores for the approval's signed
/// monitoring plan (EU AI Act Art. 72) and records reports through the ledger.</summary>
public sealed class LiveMonitoringOptions
{
    /// <summary>The reference CSV: a file of the dataset the signed plan names (its columns include the plan's features and
    /// score). Required to monitor.</summary>
    public string? ReferencePath { get; set; }

    /// <summary>Where each report's sample is written (<c>{model}-{version}-{environment}-{window end}.csv</c>): it holds
    /// production inputs (personal data), so it stays with the owner, and only its SHA-256 is recorded; an auditor
    /// recomputes the report from it and the reference (<c>governance monitor verify</c>). Required to monitor.</summary>
    public string? SampleFolder { get; set; }

    /// <summary>Rows kept per window: a uniform random sample of everything scored in it (reservoir sampling).</summary>
    public int SampleSize { get; set; } = 10_000;
}

/// <summary>
/// A uniform random sample of the rows scored since the window began, of the columns the served approval's signed plan
/// monitors (its features as model input columns, then its score): reservoir sampling, Vitter's Algorithm R (J. S.
/// Vitter, "Random sampling with a reservoir", ACM TOMS 11(1), 1985), so memory stays at <see cref="Capacity"/> rows
/// whatever the traffic. A different served approval starts a new window. Thread-safe.
/// </summary>
public sealed class LiveSample(ScoringHostOptions options, TimeProvider clock)
{
    private static readonly JsonSerializerOptions PlanJson = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    private readonly Lock _gate = new();
    private readonly Random _random = new();
    private readonly List<string[]> _rows = [];
    private ServedModel.Loaded? _model;
    private MonitoringPlan? _plan;
    private long _seen;
    private DateTimeOffset _windowStart = clock.GetUtcNow();

    /// <summary>Rows kept per window; 0 when monitoring is not configured.</summary>
    public int Capacity { get; } = options.Monitoring?.ReferencePath is null ? 0 : options.Monitoring.SampleSize;

    /// <summary>The signed monitoring plan of an approval (predicate version 3), or null when it signs none.</summary>
    public static MonitoringPlan? PlanOf(ServedModel.Loaded model) =>
        model.Artifact.Approval.MonitoringPlan is { } plan ? plan.Deserialize<MonitoringPlan>(PlanJson) : null;

    /// <summary>Offers scored rows: <paramref name="cells"/> are the model's input columns as CSV cells, per row;
    /// <paramref name="results"/> the scores.</summary>
    internal void Offer(
        ServedModel.Loaded model,
        string[] columns,
        IReadOnlyList<string[]> cells,
        IReadOnlyList<Dictionary<string, object>> results
    )
    {
        if (Capacity == 0)
            return;
        lock (_gate)
        {
            if (!ReferenceEquals(model, _model))
            {
                (_model, _plan, _seen, _windowStart) = (model, PlanOf(model), 0, clock.GetUtcNow());
                _rows.Clear();
            }
            if (_plan is null)
                return;
            var indexes = _plan.Features.Select(f => Array.IndexOf(columns, f.Name)).ToArray();
            for (var r = 0; r < cells.Count; r++)
            {
                var row = indexes
                    .Select(i => i < 0 ? "" : cells[r][i])
                    .Append(
                        results[r].TryGetValue(_plan.Prediction.Name, out var score)
                            ? Convert.ToString(score, CultureInfo.InvariantCulture) ?? ""
                            : ""
                    )
                    .ToArray();
                _seen++;
                if (_rows.Count < Capacity)
                    _rows.Add(row);
                else if (_random.NextInt64(_seen) is var slot && slot < Capacity)
                    _rows[(int)slot] = row;
            }
        }
    }

    /// <summary>Takes the window's sample and starts the next window at <paramref name="end"/>.</summary>
    /// <returns>The served model and its plan, the header (plan features, then score), the rows kept, how many were scored,
    /// and the window's start; null when nothing served under a signed plan was scored.</returns>
    internal (ServedModel.Loaded Model, MonitoringPlan Plan, string[] Header, string[][] Rows, long Seen, DateTimeOffset Start)? Take(
        DateTimeOffset end
    )
    {
        lock (_gate)
        {
            if (_model is null || _plan is null || _rows.Count == 0)
                return null;
            var taken = (
                _model,
                _plan,
                _plan.Features.Select(f => f.Name).Append(_plan.Prediction.Name).ToArray(),
                _rows.ToArray(),
                _seen,
                _windowStart
            );
            (_seen, _windowStart) = (0, end);
            _rows.Clear();
            return taken;
        }
    }
}

/// <summary>
/// The scoring host's monitoring report (issue 15 item 3, the library call beside <c>governance monitor</c>): the window's
/// live sample is written to <see cref="LiveMonitoringOptions.SampleFolder"/>, the signed plan's tests are computed on it
/// against the reference (<see cref="MonitoringComputation"/>, the same code as the CLI, so <c>governance monitor verify</c>
/// recomputes it from the two files), and the report is recorded through the ledger, which applies a breach to the
/// approval. Call it at the plan's cadence (<c>POST /monitoring/report</c> on the management port, e.g. from a scheduler).
/// </summary>
public sealed class LiveMonitor(LiveSample sample, ScoringHostOptions options, ILedgerClient ledger, TimeProvider clock)
{
    /// <summary>Records the report of the window ending now.</summary>
    /// <returns>The ledger's answer: the recorded report, with the breach it applied, if any.</returns>
    /// <exception cref="InvalidOperationException">Monitoring is not configured, or nothing was scored under a signed plan
    /// in the window; the ledger refused the report (its problem in the message).</exception>
    /// <exception cref="LedgerUnreachableException">The ledger could not be reached.</exception>
    public async Task<JsonElement> RecordAsync(CancellationToken ct)
    {
        var monitoring = options.Monitoring;
        if (sample.Capacity == 0 || monitoring?.ReferencePath is null || monitoring.SampleFolder is null)
            throw new InvalidOperationException("Monitoring is not configured: set Serving:Monitoring:ReferencePath and SampleFolder.");
        var end = clock.GetUtcNow();
        var window =
            sample.Take(end)
            ?? throw new InvalidOperationException(
                "Nothing was scored under an approval with a signed monitoring plan since the last report: no sample to test."
            );
        Directory.CreateDirectory(monitoring.SampleFolder);
        var path = Path.Combine(
            monitoring.SampleFolder,
            $"{window.Model.Model}-{window.Model.Version}-{options.Environment}-{end:yyyyMMdd'T'HHmmss'Z'}.csv"
        );
        var csv = new StringBuilder().AppendJoin(',', window.Header).Append('\n');
        foreach (var row in window.Rows)
            csv.AppendJoin(',', row).Append('\n');
        await File.WriteAllTextAsync(path, csv.ToString(), ct);
        var reference = CsvTable.Read(monitoring.ReferencePath);
        var taken = CsvTable.Read(path);
        var report = MonitoringComputation.Compute(
            window.Plan,
            MonitoringComparison.Drift,
            new MonitoringTable("reference", reference.Columns, reference.Cells, reference.Sha256),
            new MonitoringTable("sample", taken.Columns, taken.Cells, taken.Sha256),
            window.Start,
            end
        );
        return await ledger.RecordMonitoringReportAsync(
            window.Model.Model,
            window.Model.Version,
            options.Environment,
            JsonSerializer.SerializeToElement(
                new
                {
                    environment = options.Environment,
                    report,
                    reason = $"Scoring host sample: {window.Rows.Length} of {window.Seen} rows scored in the window, kept at {path}",
                },
                new JsonSerializerOptions(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } }
            ),
            ct
        );
    }
}
