using System.Diagnostics;
using System.Net;
using System.Text;
using Governance.Documents.Benchmarks;
using Governance.Documents.EvidencePacks;
using Governance.Documents.Layout;

// Usage: dotnet run -c Release --project src/Governance.Documents.Benchmarks -- [events=10000] [rounds=5] [chromium=/usr/bin/chromium]
//    or: dotnet run -c Release --project src/Governance.Documents.Benchmarks -- layout   (BenchmarkDotNet: see LayoutBenchmarks.cs)
// Builds a version whose stream holds `events` events (registration, validation, approval, then deployments and load
// reports), renders its SR 11-7 pack with the SkiaSharp composer `rounds` times, then the same pack with its Latin words in
// Chinese, Arabic and Devanagari, writes the Latin content as HTML and times Chromium's headless --print-to-pdf of it (whole
// command, same number of rounds). Prints medians and the ratios.
if (args is ["layout", .. var rest])
{
    LayoutBenchmarks.Run(rest);
    return;
}
var events = args.Length > 0 ? int.Parse(args[0]) : 10_000;
var rounds = args.Length > 1 ? int.Parse(args[1]) : 5;
var chromium = args.Length > 2 ? args[2] : "/usr/bin/chromium";

var input = PackInputs.Build(events, worstLegal: false);
var spec = EvidencePack.Define(EvidencePackKind.Sr117ValidationAndApproval, input);

// Renders `document` once to warm up (fonts, JIT), then `rounds` times: the seconds of each round and the last result.
(List<double> Seconds, (byte[] Pdf, int Pages) Result) Measure(DocumentSpec document)
{
    var (seconds, result) = (new List<double>(), Composer.Render(document));
    for (var r = 0; r < rounds; r++)
    {
        var watch = Stopwatch.StartNew();
        result = Composer.Render(document);
        seconds.Add(watch.Elapsed.TotalSeconds);
    }
    return (seconds, result);
}

var (skia, result) = Measure(spec);

// The same pack with every Latin word in Chinese, Arabic or Devanagari (PackInputs.InOtherScripts), rendered in the same run.
var (scripts, scriptResult) = Measure(PackInputs.InOtherScripts(spec));

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
Console.WriteLine($"speed-up: {Median(browser) / Median(skia):F1}x (target >= 20x)");
Console.WriteLine(
    $"the same pack in Chinese, Arabic and Devanagari: {scriptResult.Pages} pages, {scriptResult.Pdf!.Length / 1024} KiB; "
        + $"median {Median(scripts):F3} s  [{string.Join(", ", scripts.Select(x => x.ToString("F3")))}]"
);
Console.WriteLine($"other scripts / Latin: {Median(scripts) / Median(skia):F2}x (target <= 1.2x)");
Directory.Delete(folder, recursive: true);

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
