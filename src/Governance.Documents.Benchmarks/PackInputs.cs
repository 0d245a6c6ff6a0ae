using Governance.Attestations;
using Governance.Documents.EvidencePacks;
using Governance.Documents.Layout;
using Governance.Domain.Approvals;
using Governance.Domain.Datasets;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Domain.Validation;

namespace Governance.Documents.Benchmarks;

/// <summary>
/// Evidence-pack inputs for the benchmarks (and, linked, for the Documents tests): a high-risk version with a stream of
/// <c>events</c> events (registration, validation, two sign-offs, approval, then alternating deployments and load reports).
/// Typical: short texts. Worst legal: every text field and list of the model, the version, its validation and its approval
/// at the maximum docs/limits.md allows (all findings open, so the packs list them twice), actors' display names at 200.
/// </summary>
internal static partial class PackInputs
{
    /// <summary>The version; <paramref name="events"/> is at least 7 (the events before the first deployment).</summary>
    public static EvidencePackInput Build(int events, bool worstLegal)
    {
        // A field at its documented maximum when worstLegal, else its typical value; prose wraps at word boundaries.
        string Text(int max, string typical) => worstLegal ? Fill(max, typical) : typical;

        var t0 = new DateTimeOffset(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);
        // Names come from the people directory at render time, at their maximum length when worstLegal.
        var names = new Dictionary<string, string>();
        Actor Person(string id, string name, string role)
        {
            names[id] = Text(200, name);
            return new(id, role);
        }
        var owner = Person("owner", "Olivia Owner", Roles.ModelOwner);
        var validator = Person("validator", "Victor Validator", Roles.Validator);
        var officers = new[] { Person("rita", "Rita Risk", Roles.RiskOfficer), Person("ravi", "Ravi Risk", Roles.RiskOfficer) };
        var pipeline = new Actor("client:pipeline", Roles.DeploymentPipeline, "pipeline");
        names[pipeline.SubjectId] = Text(200, "Deployment pipeline");
        var people = new PeopleNames(names);
        Audit At(Actor a, int minutes, string reason) => new(a, t0.AddMinutes(minutes), reason, "bench");
        var artifact = Digest.OfText("artifact");
        // At its maximum a dataset lists 10,000 files with 1,000-character paths.
        DatasetFile[] files = worstLegal
            ? [.. Enumerable.Range(0, 10_000).Select(i => new DatasetFile(Fill(1_000, $"part-{i:D5}/"), Digest.OfText($"{i}"), 100_000))]
            : [new DatasetFile("data.csv", Digest.OfText("data"), 100_000)];
        var dataset = Dataset.Evolve(
            null,
            new DatasetRegistered(
                "dataset:data@1",
                "data",
                "1",
                Text(2_000, "Benchmark data"),
                files,
                Dataset.ManifestDigestOf(files),
                FileManifest.Encoding,
                1000,
                [new DatasetColumn("x", "float")],
                false,
                null,
                At(owner, 0, "Registered")
            )
        )!;
        var model = Model.Evolve(
            null,
            new ModelRegistered(
                "bench-model",
                Text(200, "Benchmark model"),
                owner.SubjectId,
                Text(2_000, "Benchmark"),
                RiskTier.High,
                Text(200, "Annex III 5(b)"),
                worstLegal ? Enumerable.Range(0, 50).Select(i => $"{(char)('A' + i / 26)}{(char)('A' + i % 26)}").ToArray() : ["EU"],
                At(owner, 0, "Registered")
            )
        )!;
        var metrics = worstLegal
            ? Enumerable.Range(0, 200).ToDictionary(i => Fill(200, $"metric {i:D3}"), i => i / 200.0)
            : new Dictionary<string, double> { ["auc"] = 0.81, ["gini"] = 0.62 };
        var hyperparameters = worstLegal
            ? Enumerable.Range(0, 500).ToDictionary(i => Fill(200, $"parameter {i:D3}"), i => Fill(500, $"value {i}"))
            : new Dictionary<string, string> { ["trees"] = "100" };
        var findings = worstLegal
            ? Enumerable
                .Range(0, 200)
                .Select(i => new ValidationFinding(
                    Fill(100, $"F-{i:D3}"),
                    FindingSeverity.High,
                    Fill(500, $"finding {i}"),
                    Fill(4_000, $"description {i}"),
                    FindingStatus.Open
                ))
                .ToArray()
            : [new ValidationFinding("F-1", FindingSeverity.Low, "Minor", null, FindingStatus.Remediated)];
        string[] conditions = worstLegal ? [.. Enumerable.Range(0, 50).Select(i => Fill(2_000, $"condition {i}"))] : [];
        var history = new List<object>
        {
            new ModelVersionRegistered(
                "bench-model",
                "1.0.0",
                worstLegal ? Fill(2_000, "s3://models/bench/model.zip?part=") : "s3://models/bench/model.zip",
                artifact,
                1_000_000,
                ArtifactFormat.MlNetZip,
                dataset.ManifestDigest,
                dataset.ManifestDigest,
                metrics,
                Text(200, "abc123"),
                hyperparameters,
                RiskTier.High,
                owner.SubjectId,
                At(owner, 1, Text(2_000, "Registered"))
            ),
            new SubmittedForValidation(
                "bench-model",
                "1.0.0",
                Text(2_000, "Evidence"),
                worstLegal ? Fill(2_000, "https://reports.example/validation?part=") : null,
                worstLegal ? Digest.OfText("report") : null,
                At(owner, 2, Text(2_000, "Submitted"))
            ),
            new ValidationCompleted("bench-model", "1.0.0", ValidationOutcome.Passed, findings, At(validator, 3, Text(10_000, "Sound"))),
            new ApprovalRequested(
                "bench-model",
                "1.0.0",
                "approval-1",
                "production",
                Text(5_000, "Production scoring"),
                artifact,
                2,
                At(owner, 4, Text(2_000, "Requested"))
            ),
        };
        history.AddRange(
            officers.Select(
                (o, i) =>
                    new ApprovalSignedOff(
                        "bench-model",
                        "1.0.0",
                        "approval-1",
                        "production",
                        artifact,
                        conditions,
                        t0.AddYears(1),
                        At(o, 5 + i, Text(10_000, "Approve"))
                    )
            )
        );
        history.Add(
            new ModelVersionApproved(
                "bench-model",
                "1.0.0",
                "approval-1",
                "production",
                artifact,
                officers.Select((o, i) => new Approver(o, t0.AddMinutes(5 + i), Text(10_000, "Approve"))).ToArray(),
                conditions,
                t0.AddYears(1),
                At(officers[1], 6, "Approved")
            )
        );
        for (var i = history.Count; i < events; i++)
            history.Add(
                i % 2 == 0
                    ? new ModelVersionDeployed(
                        "bench-model",
                        "1.0.0",
                        "production",
                        Text(200, $"run-{i}"),
                        artifact,
                        "approval-1",
                        At(pipeline, 10 + i * 7, Text(2_000, "Deployed by pipeline"))
                    )
                    : new ModelLoaded(
                        "bench-model",
                        "1.0.0",
                        "production",
                        Text(200, $"scorer-{i % 16}"),
                        artifact,
                        "approval-1",
                        At(pipeline, 10 + i * 7, Text(2_000, "Loaded after verification"))
                    )
            );
        var state = history.Aggregate((ModelVersion?)null, ModelVersion.Evolve)!;
        var trail = history
            .Select(
                (e, i) =>
                {
                    var audit = ((ILedgerEvent)e).Audit;
                    return new TrailEntry(
                        i + 1,
                        i + 1,
                        audit.At,
                        people.Of(audit.Actor),
                        audit.Actor.Role,
                        e.GetType().Name,
                        audit.Reason,
                        Digest.OfText($"{i}:{e}")
                    );
                }
            )
            .ToArray();
        return new EvidencePackInput(model, state, dataset, dataset, trail, people);
    }

    /// <summary>A document with <paramref name="text"/> in every block that wraps or fits text (heading, paragraph, monospace,
    /// key and value, both kinds of table cell, bar label, notice, title fact): what wrapping costs for that text.</summary>
    public static DocumentSpec EveryBlock(string text) =>
        new(
            "Layout of one text",
            "The text in every block that wraps or fits it",
            [new("Model", text)],
            "Running header",
            "Footer note",
            [
                new Heading(1, text),
                new Paragraph(text),
                new Monospace(text),
                new KeyValues([new(text, text)]),
                new Table(
                    ["Metric", "Value"],
                    [1, 1],
                    [
                        [text, "0.5"],
                    ]
                ),
                new Table(
                    ["Digest"],
                    [1],
                    [
                        [text],
                    ],
                    Monospace: true
                ),
                new BarChart("Metrics", [new(text, 0.5)], 1),
                new Notice(text),
            ],
            "Author",
            "Subject",
            "kw",
            new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero)
        );

    /// <summary>Words of the scripts the packs must print besides Latin: Chinese, Arabic, Hindi (Devanagari), and an emoji.</summary>
    private static readonly string[] ScriptWords = ["信用评分", "تقييم", "क्रेडिट", "模型验证", "الائتمان", "मूल्यांकन", "🚀"];

    /// <summary>
    /// <paramref name="spec"/> with every word of Latin letters (two or more, standing alone) in its texts replaced by a word of Chinese,
    /// Arabic or Devanagari (in turn, with an occasional emoji), and everything else (digits, digests, punctuation, the
    /// blocks and their order) kept: the same pack full of other scripts, to compare its cost with the Latin one.
    /// </summary>
    public static DocumentSpec InOtherScripts(DocumentSpec spec)
    {
        var next = 0;
        string T(string text) => LatinWord().Replace(text, _ => ScriptWords[next++ % ScriptWords.Length]);
        IReadOnlyList<KeyValuePair<string, string>> Pairs(IReadOnlyList<KeyValuePair<string, string>> rows) =>
            rows.Select(r => new KeyValuePair<string, string>(T(r.Key), T(r.Value))).ToArray();
        Block Rewrite(Block block) =>
            block switch
            {
                Heading h => h with { Text = T(h.Text) },
                Paragraph p => p with { Text = T(p.Text) },
                Notice n => n with { Text = T(n.Text) },
                KeyValues kv => new KeyValues(Pairs(kv.Rows)),
                Table t => t with
                {
                    Header = t.Header.Select(T).ToArray(),
                    Rows = t.Rows.Select(r => (IReadOnlyList<string>)r.Select(T).ToArray()).ToArray(),
                },
                BarChart b => b with
                {
                    Title = T(b.Title),
                    Bars = b.Bars.Select(x => new KeyValuePair<string, double>(T(x.Key), x.Value)).ToArray(),
                },
                LineChart l => l with { Title = T(l.Title), XLabel = T(l.XLabel), YLabel = T(l.YLabel) },
                _ => block,
            };
        return spec with
        {
            Title = T(spec.Title),
            Subtitle = T(spec.Subtitle),
            TitleFacts = Pairs(spec.TitleFacts),
            RunningHeader = T(spec.RunningHeader),
            FooterNote = T(spec.FooterNote),
            Blocks = spec.Blocks.Select(Rewrite).ToArray(),
        };
    }

    /// <summary>A word of two or more Latin letters standing alone (not the letters of a digest or an identifier).</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"\b[A-Za-z]{2,}\b")]
    private static partial System.Text.RegularExpressions.Regex LatinWord();

    /// <summary><paramref name="start"/> followed by ordinary words up to exactly <paramref name="length"/> characters.</summary>
    public static string Fill(int length, string start)
    {
        const string words = " the validator reviewed the scorecard's calibration, stability and discrimination on the holdout sample";
        var text = new System.Text.StringBuilder(start, length + words.Length);
        while (text.Length < length)
            text.Append(words);
        return text.ToString(0, length);
    }
}
