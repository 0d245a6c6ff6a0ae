using System.Diagnostics;
using System.Net;
using System.Text;
using Governance.Attestations;
using Governance.Documents.EvidencePacks;
using Governance.Documents.Layout;
using Governance.Domain.Approvals;
using Governance.Domain.Datasets;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Domain.Validation;

// Usage: dotnet run -c Release --project src/Governance.Documents.Benchmarks -- [events=10000] [rounds=5] [chromium=/usr/bin/chromium]
// Builds a version whose stream holds `events` events (registration, validation, approval, then deployments and load
// reports), renders its SR 11-7 pack with the SkiaSharp composer `rounds` times, writes the same content as HTML and
// times Chromium's headless --print-to-pdf of it (whole command, same number of rounds). Prints medians and the ratio.
var events = args.Length > 0 ? int.Parse(args[0]) : 10_000;
var rounds = args.Length > 1 ? int.Parse(args[1]) : 5;
var chromium = args.Length > 2 ? args[2] : "/usr/bin/chromium";

var input = Build(events);
var spec = EvidencePack.Define(EvidencePackKind.Sr117ValidationAndApproval, input);
EvidencePack.Render(EvidencePackKind.Sr117ValidationAndApproval, input); // warm-up: fonts, JIT
var skia = new List<double>();
(byte[] Pdf, int Pages) result = default;
for (var r = 0; r < rounds; r++)
{
    var watch = Stopwatch.StartNew();
    result = Composer.Render(spec);
    skia.Add(watch.Elapsed.TotalSeconds);
}

var folder = Directory.CreateTempSubdirectory("pack-bench-").FullName;
var html = Path.Combine(folder, "pack.html");
File.WriteAllText(html, Html(spec));
var browser = new List<double>();
long chromiumBytes = 0;
for (var r = 0; r < rounds; r++)
{
    var output = Path.Combine(folder, $"chromium-{r}.pdf");
    var watch = Stopwatch.StartNew();
    using (
        var process = Process.Start(
            new ProcessStartInfo(
                chromium,
                [
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                    $"--user-data-dir={Path.Combine(folder, "profile")}",
                    "--no-pdf-header-footer",
                    $"--print-to-pdf={output}",
                    new Uri(html).AbsoluteUri,
                ]
            )
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            }
        )!
    )
    {
        process.StandardError.ReadToEnd();
        process.WaitForExit();
    }
    browser.Add(watch.Elapsed.TotalSeconds);
    chromiumBytes = File.Exists(output)
        ? new FileInfo(output).Length
        : throw new InvalidOperationException($"Chromium wrote no PDF to {output}");
}

static double Median(List<double> xs)
{
    var s = xs.Order().ToArray();
    return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
}
Console.WriteLine($"version with {input.Trail.Count} events; SR 11-7 pack: {result.Pages} pages, {result.Pdf!.Length / 1024} KiB");
Console.WriteLine($"SkiaSharp composer: median {Median(skia):F3} s  [{string.Join(", ", skia.Select(x => x.ToString("F3")))}]");
Console.WriteLine(
    $"Chromium print-to-PDF of the same content (whole command): median {Median(browser):F3} s  "
        + $"[{string.Join(", ", browser.Select(x => x.ToString("F3")))}], {chromiumBytes / 1024} KiB"
);
Console.WriteLine($"speed-up: {Median(browser) / Median(skia):F1}x (target >= 10x; target < 1 s for 10,000 events)");
Directory.Delete(folder, recursive: true);

static EvidencePackInput Build(int count)
{
    var t0 = new DateTimeOffset(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);
    var owner = new Actor("owner", "Olivia Owner", Roles.ModelOwner);
    var validator = new Actor("validator", "Victor Validator", Roles.Validator);
    var officers = new[] { new Actor("rita", "Rita Risk", Roles.RiskOfficer), new Actor("ravi", "Ravi Risk", Roles.RiskOfficer) };
    var pipeline = new Actor("pipeline", "Deployment pipeline", Roles.DeploymentPipeline, "pipeline");
    var artifact = Digest.OfText("artifact");
    var file = new DatasetFile("data.csv", Digest.OfText("data"), 100_000);
    var dataset = Dataset.Evolve(
        null,
        new DatasetRegistered(
            "dataset:data@1",
            "data",
            "1",
            "Benchmark data",
            [file],
            Dataset.ManifestDigestOf([file]),
            FileManifest.Encoding,
            1000,
            [new DatasetColumn("x", "float")],
            false,
            null,
            new Audit(owner, t0, "Registered", "bench")
        )
    )!;
    var model = Model.Evolve(
        null,
        new ModelRegistered(
            "bench-model",
            "Benchmark model",
            owner.SubjectId,
            owner.DisplayName,
            "Benchmark",
            RiskTier.High,
            "Annex III 5(b)",
            ["EU"],
            new Audit(owner, t0, "Registered", "bench")
        )
    )!;
    Audit At(Actor a, int minutes, string reason) => new(a, t0.AddMinutes(minutes), reason, "bench");
    var history = new List<object>
    {
        new ModelVersionRegistered(
            "bench-model",
            "1.0.0",
            "s3://models/bench/model.zip",
            artifact,
            1_000_000,
            ArtifactFormat.MlNetZip,
            dataset.ManifestDigest,
            dataset.ManifestDigest,
            new Dictionary<string, double> { ["auc"] = 0.81, ["gini"] = 0.62 },
            "abc123",
            new Dictionary<string, string> { ["trees"] = "100" },
            RiskTier.High,
            owner.SubjectId,
            At(owner, 1, "Registered")
        ),
        new SubmittedForValidation("bench-model", "1.0.0", "Evidence", null, null, At(owner, 2, "Submitted")),
        new ValidationCompleted(
            "bench-model",
            "1.0.0",
            ValidationOutcome.Passed,
            [new ValidationFinding("F-1", FindingSeverity.Low, "Minor", null, FindingStatus.Remediated)],
            At(validator, 3, "Sound")
        ),
        new ApprovalRequested(
            "bench-model",
            "1.0.0",
            "approval-1",
            "production",
            "Production scoring",
            artifact,
            2,
            At(owner, 4, "Requested")
        ),
        new ApprovalSignedOff(
            "bench-model",
            "1.0.0",
            "approval-1",
            "production",
            artifact,
            [],
            t0.AddYears(1),
            At(officers[0], 5, "Approve")
        ),
        new ApprovalSignedOff(
            "bench-model",
            "1.0.0",
            "approval-1",
            "production",
            artifact,
            [],
            t0.AddYears(1),
            At(officers[1], 6, "Approve")
        ),
        new ModelVersionApproved(
            "bench-model",
            "1.0.0",
            "approval-1",
            "production",
            artifact,
            officers.Select((o, i) => new Approver(o, t0.AddMinutes(5 + i), "Approve")).ToArray(),
            [],
            t0.AddYears(1),
            At(officers[1], 6, "Approved")
        ),
    };
    for (var i = history.Count; i < count; i++)
        history.Add(
            i % 2 == 0
                ? new ModelVersionDeployed(
                    "bench-model",
                    "1.0.0",
                    "production",
                    $"run-{i}",
                    artifact,
                    "approval-1",
                    At(pipeline, 10 + i * 7, "Deployed by pipeline")
                )
                : new ModelLoaded(
                    "bench-model",
                    "1.0.0",
                    "production",
                    $"scorer-{i % 16}",
                    artifact,
                    "approval-1",
                    At(pipeline, 10 + i * 7, "Loaded after verification")
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
                    audit.Actor.DisplayName,
                    audit.Actor.Role,
                    e.GetType().Name,
                    audit.Reason,
                    Digest.OfText($"{i}:{e}")
                );
            }
        )
        .ToArray();
    return new EvidencePackInput(model, state, dataset, dataset, trail);
}

// The same blocks as HTML with print CSS (A4, repeated table headers), for Chromium to print.
static string Html(DocumentSpec spec)
{
    string E(string s) => WebUtility.HtmlEncode(s);
    // A chart's marks: a label and a bar per bar, an "x,y" pair per point of the line.
    string Bars(BarChart b) =>
        string.Concat(
            b.Bars.Select(
                (x, i) =>
                    $"<text x='0' y='{20 + 19 * i}'>{E(x.Key)}</text>"
                    + $"<rect x='130' y='{9 + 19 * i}' width='{300 * x.Value / b.Max:F0}' height='13' fill='#2f6fa8'/>"
            )
        );
    string Points(LineChart l) =>
        string.Join(
            " ",
            l.Points.Select(
                (p, i) =>
                    $"{40 + i * 400.0 / Math.Max(1, l.Points.Count - 1):F0},"
                    + $"{150 - 130 * p.Value / Math.Max(1, l.Points.Max(x => x.Value)):F0}"
            )
        );
    var html = new StringBuilder(
        $"<!doctype html><html><head><meta charset='utf-8'><title>{E(spec.Title)}</title><style>@page "
            + $"{{ size: A4; margin: 20mm 20mm 25mm 20mm; }} "
            + "body { font-family: 'DejaVu Sans'; font-size: 9.5pt; color: #1b1f24; } h1 { color: #0b4f8a; font-size: 15pt; "
            + "border-bottom: 1px solid #c3ceda; } "
            + "table { border-collapse: collapse; width: 100%; font-size: 8pt; } thead { display: table-header-group; } th { background: "
            + "#e3ebf4; text-align: left; } "
            + "td, th { padding: 3px; border-bottom: 0.5px solid #c3ceda; word-break: break-all; } .mono { font-family: 'DejaVu Sans "
            + "Mono'; font-size: 7.5pt; } "
            + ".notice { background: #fff4e0; border-left: 3px solid #d08a1c; padding: 6px; font-weight: bold; } .pb { page-break-after: "
            + "always; }</style></head><body>"
    );
    var titleFacts = string.Concat(spec.TitleFacts.Select(f => $"<dt>{E(f.Key)}</dt><dd>{E(f.Value)}</dd>"));
    html.Append($"<h1>{E(spec.Title)}</h1><p>{E(spec.Subtitle)}</p><dl>{titleFacts}</dl><div class='pb'></div>");
    foreach (var block in spec.Blocks)
        html.Append(
            block switch
            {
                Heading h => $"<h{h.Level}>{E(h.Text)}</h{h.Level}>",
                Paragraph p => $"<p>{E(p.Text)}</p>",
                Monospace m => $"<pre class='mono'>{E(m.Text)}</pre>",
                Notice n => $"<p class='notice'>{E(n.Text)}</p>",
                KeyValues kv =>
                    $"<table>{string.Concat(kv.Rows.Select(r => $"<tr><th>{E(r.Key)}</th><td>{E(r.Value)}</td></tr>"))}</table>",
                Table t => $"<table class='{(t.Monospace ? "mono" : "")}'>"
                    + $"<thead><tr>{string.Concat(t.Header.Select(h => $"<th>{E(h)}</th>"))}</tr></thead><tbody>"
                    + string.Concat(t.Rows.Select(r => $"<tr>{string.Concat(r.Select(c => $"<td>{E(c)}</td>"))}</tr>"))
                    + "</tbody></table>",
                BarChart b => $"<svg width='480' height='{20 + 19 * b.Bars.Count}'>{Bars(b)}</svg>",
                LineChart l => $"<svg width='480' height='170'><polyline fill='none' stroke='#2f6fa8' points='{Points(l)}'/></svg>",
                PageBreak => "<div class='pb'></div>",
                _ => "",
            }
        );
    return html.Append("</body></html>").ToString();
}
