using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Governance.Serving.Host;

/// <summary>The ML.NET model currently served, or why none is: only ever a model whose approval verified.</summary>
public sealed class ServedModel(
    ScoringHostOptions options,
    ApprovedModelLoader loader,
    ILedgerClient ledger,
    ServingTelemetry telemetry,
    LiveSample sample,
    ILogger<ServedModel> log
)
{
    /// <summary>The model served: its transformer and input schema, the request fields that feed its columns, what
    /// verified it, and its reason codes when configured.</summary>
    public sealed record Loaded(
        string Model,
        string Version,
        ITransformer Transformer,
        DataViewSchema InputSchema,
        FeatureMap Features,
        VerifiedArtifact Artifact,
        ReasonCodeExplainer? Reasons
    );

    public sealed record Refused(string Code, string Message);

    private readonly MLContext _ml = new(seed: 0);
    private readonly SemaphoreSlim _gate = new(1, 1);

    public Loaded? Current { get; private set; }
    public Refused? Refusal { get; private set; }

    public async Task LoadAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var envelope = options.AttestationPath is not null
                ? await File.ReadAllBytesAsync(options.AttestationPath, ct)
                : await ledger.GetAttestationAsync(
                    options.ApprovalId ?? throw new InvalidOperationException("Set Serving:AttestationPath or Serving:ApprovalId."),
                    ct
                );
            var intended = new IntendedModel(options.Model, options.Version);
            var ((transformer, schema, features), artifact) = Directory.Exists(options.ArtifactPath)
                ? await loader.LoadDirectoryAsync(options.ArtifactPath, envelope, intended, LoadDirectory, ct)
                : await loader.LoadAsync(
                    options.ArtifactPath,
                    envelope,
                    intended,
                    stream => (_ml.Model.Load(stream, out var inputSchema), inputSchema, FeatureMap.Identity),
                    ct
                );
            if (artifact.Approval.DecisionPolicy is not null && transformer.GetOutputSchema(schema).GetColumnOrNull("Probability") is null)
                throw new InvalidDataException(
                    "The approval signs a decision policy (thresholds on the probability), but the model outputs no Probability."
                );
            var reasons = options.ReasonCodesFile is null
                ? null
                : ReasonCodeExplainer.For(_ml, transformer, schema, ReasonCodeFile.Read(options.ReasonCodesFile));
            // Counted before it shows: whoever sees the host serving finds the load counted.
            telemetry.Loaded();
            Current = new Loaded(options.Model, options.Version, transformer, schema, features, artifact, reasons);
            Refusal = null;
        }
        catch (InvalidDataException unloadable)
        {
            Refuse(new Refused("model_unloadable", unloadable.Message));
            log.LogError("Verified but not loadable: {Message}", unloadable.Message);
        }
        catch (ModelLoadRefusedException refused)
        {
            if (Current is not null)
                log.LogError("Stopped serving {Model} {Version}: {Code}", options.Model, options.Version, refused.Code);
            Refuse(new Refused(refused.Code, refused.Message));
        }
        catch (Exception e) when (e is LedgerUnreachableException or InvalidOperationException or IOException)
        {
            Refuse(new Refused(e is LedgerUnreachableException ? "ledger_unreachable" : "attestation_unavailable", e.Message));
            log.LogError("No model served: {Message}", e.Message);
        }
        finally
        {
            _gate.Release();
        }
    }

    private void Refuse(Refused refusal)
    {
        Current = null;
        Refusal = refusal;
        telemetry.LoadRefused(refusal.Code);
    }

    /// <summary>The ML.NET model (<see cref="ScoringHostOptions.ModelFile"/>) and feature map of a verified model directory,
    /// read from the verified bytes.</summary>
    /// <exception cref="InvalidDataException">The model file is not in the directory, or the feature map is invalid.</exception>
    private (ITransformer, DataViewSchema, FeatureMap) LoadDirectory(VerifiedFiles files)
    {
        if (!files.Files.Any(f => f.Path == options.ModelFile))
            throw new InvalidDataException($"The approved model directory has no model file '{options.ModelFile}'.");
        using var model = files.Open(options.ModelFile);
        var transformer = _ml.Model.Load(model, out var schema);
        if (options.FeatureMapFile is null)
            return (transformer, schema, FeatureMap.Identity);
        if (!files.Files.Any(f => f.Path == options.FeatureMapFile))
            throw new InvalidDataException($"The approved model directory has no feature map '{options.FeatureMapFile}'.");
        using var map = files.Open(options.FeatureMapFile);
        return (transformer, schema, FeatureMap.Read(map, options.FeatureMapFile, schema));
    }

    /// <summary>
    /// The periodic check: a served model is re-verified without reloading (its approval's standing and expiry; through a
    /// ledger outage it keeps serving for the configured grace); a refusal stops scoring. With no model served, a full load
    /// is tried, which needs a fresh answer from the ledger.
    /// </summary>
    public async Task ReverifyAsync(CancellationToken ct)
    {
        if (Current is not { } current)
        {
            await LoadAsync(ct);
            return;
        }
        await _gate.WaitAsync(ct);
        try
        {
            await loader.ReverifyAsync(current.Artifact, new IntendedModel(current.Model, current.Version), ct);
            telemetry.Reverified(null);
        }
        catch (ModelLoadRefusedException refused)
        {
            log.LogError("Stopped serving {Model} {Version}: {Code}", current.Model, current.Version, refused.Code);
            Current = null;
            Refusal = new Refused(refused.Code, refused.Message);
            telemetry.Reverified(refused.Code);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Scores rows given as JSON objects of input column name to value; every feature column of the model is required.
    /// Each result holds <c>Probability</c>, <c>Score</c>, <c>PredictedLabel</c> and, with reason codes configured,
    /// <c>reasons</c> (<see cref="ReasonCode"/>, at most the file's topK, largest first). Under an approval that signs a
    /// decision policy, the decision applies exactly its thresholds: <c>decision</c> is how many of them the probability
    /// reaches (0 to their count), and with one threshold <c>PredictedLabel</c> is probability &#8805; threshold.
    /// </summary>
    public IReadOnlyList<Dictionary<string, object>> Score(IReadOnlyList<JsonElement> rows)
    {
        var model = Current ?? throw new InvalidOperationException("No model is loaded.");
        var columns = model.InputSchema.Select(c => (c.Name, Kind: KindOf(c))).ToArray();
        var cells = new string[rows.Count][];
        var csv = new StringBuilder();
        for (var r = 0; r < rows.Count; r++)
        {
            if (rows[r].ValueKind != JsonValueKind.Object)
                throw new ArgumentException($"Row {r} is not a JSON object of feature values.");
            cells[r] = columns.Select(c => Cell(rows[r], r, c.Name, model.Features.FieldFor(c.Name), c.Kind)).ToArray();
            csv.AppendJoin(',', cells[r]).Append('\n');
        }
        var loader = _ml.Data.CreateTextLoader(
            columns.Select((c, i) => new TextLoader.Column(c.Name, c.Kind, i)).ToArray(),
            separatorChar: ',',
            hasHeader: false,
            allowQuoting: true
        );
        var scored = model.Transformer.Transform(loader.Load(new InMemoryText(csv.ToString())));

        var results = Enumerable.Range(0, rows.Count).Select(_ => new Dictionary<string, object>()).ToList();
        Collect<float>(scored, "Probability", results);
        Collect<float>(scored, "Score", results);
        Collect<bool>(scored, "PredictedLabel", results);
        if (model.Artifact.Approval.DecisionPolicy is { Thresholds: { Count: > 0 } thresholds })
            foreach (var result in results)
            {
                var probability = (float)result["Probability"];
                var decision = thresholds.Count(t => probability >= t);
                result["decision"] = decision;
                if (thresholds.Count == 1)
                    result["PredictedLabel"] = decision == 1;
            }
        sample.Offer(model, columns.Select(c => c.Name).ToArray(), cells, results);
        if (model.Reasons is { } reasons)
        {
            var i = 0;
            foreach (var vector in scored.GetColumn<VBuffer<float>>(scored.Schema[reasons.FeatureColumn]))
                results[i++]["reasons"] = reasons.Explain(vector.DenseValues().Select(v => (double)v).ToArray());
        }
        return results;
    }

    private static void Collect<T>(IDataView data, string column, List<Dictionary<string, object>> results)
    {
        if (data.Schema.GetColumnOrNull(column) is null)
            return;
        var i = 0;
        foreach (var value in data.GetColumn<T>(column))
            results[i++][column] = value!;
    }

    /// <summary>One CSV cell: column <paramref name="name"/>'s value, read from the row's <paramref name="field"/>.</summary>
    private string Cell(JsonElement row, int index, string name, string field, DataKind kind)
    {
        if (Find(row, field) is not { } value)
        {
            if (options.NonFeatureColumns.Contains(name))
                return kind == DataKind.Boolean ? "false"
                    : kind == DataKind.String ? ""
                    : "0";
            throw new ArgumentException($"Row {index} lacks the feature '{field}'.");
        }
        return (kind, value.ValueKind) switch
        {
            (DataKind.Single or DataKind.Double, JsonValueKind.Number) => value.GetDouble().ToString("R", CultureInfo.InvariantCulture),
            (DataKind.Boolean, JsonValueKind.True or JsonValueKind.False) => value.GetBoolean() ? "true" : "false",
            (DataKind.String, JsonValueKind.String) => "\"" + value.GetString()!.Replace("\"", "\"\"") + "\"",
            _ => throw new ArgumentException($"Row {index}: feature '{field}' must be a {kind} value."),
        };
    }

    /// <summary>Exact column names first; JSON clients that camelCase them are matched case-insensitively.</summary>
    private static JsonElement? Find(JsonElement row, string name)
    {
        if (row.TryGetProperty(name, out var exact))
            return exact;
        foreach (var property in row.EnumerateObject())
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
                return property.Value;
        return null;
    }

    private static DataKind KindOf(DataViewSchema.Column column) =>
        column.Type switch
        {
            NumberDataViewType n when n == NumberDataViewType.Single => DataKind.Single,
            NumberDataViewType n when n == NumberDataViewType.Double => DataKind.Double,
            BooleanDataViewType => DataKind.Boolean,
            TextDataViewType => DataKind.String,
            _ => throw new NotSupportedException(
                $"Input column '{column.Name}' is {column.Type}; this host serves models with scalar number, boolean or text inputs."
            ),
        };

    /// <summary>One in-memory "file" of CSV rows for ML.NET's text loader.</summary>
    private sealed class InMemoryText(string text) : IMultiStreamSource
    {
        public int Count => 1;

        public string? GetPathOrNull(int index) => null;

        public Stream Open(int index) => new MemoryStream(Encoding.UTF8.GetBytes(text));

        public TextReader OpenTextReader(int index) => new StringReader(text);
    }
}
