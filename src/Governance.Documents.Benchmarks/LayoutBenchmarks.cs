using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Governance.Documents.EvidencePacks;
using Governance.Documents.Layout;

namespace Governance.Documents.Benchmarks;

/// <summary>
/// The layout's cost for hostile and worst legal input (issue 10, item 8), with BenchmarkDotNet: an unbroken text of 2,000,
/// 20,000 and 200,000 characters, Latin or Chinese and Arabic (issue 18), in every block that wraps or fits it (linear
/// layout: about 10x per 10x), and the SR 11-7
/// pack of a version at every documented maximum with 1,000 events (target under 2 s).
/// </summary>
public static class LayoutBenchmarks
{
    /// <summary>Runs both cases in this process (no separate build: the machine is small and shared), 2 warm-ups and 10
    /// measured single invocations each; <paramref name="args"/> go to BenchmarkDotNet (e.g. <c>--filter *Unbroken*</c>).</summary>
    public static void Run(string[] args)
    {
        var job = Job
            .Default.WithToolchain(InProcessEmitToolchain.Instance)
            .WithWarmupCount(2)
            .WithIterationCount(10)
            .WithInvocationCount(1)
            .WithUnrollFactor(1);
        BenchmarkSwitcher
            .FromTypes([typeof(UnbrokenText), typeof(WorstLegalPack)])
            .RunAll(ManualConfig.Create(DefaultConfig.Instance).AddJob(job), args);
    }
}

/// <summary>A document holding one unbroken text of <see cref="Characters"/> characters in every block that wraps or fits it.</summary>
public class UnbrokenText
{
    private DocumentSpec? _spec;

    [Params(2_000, 20_000, 200_000)]
    public int Characters { get; set; }

    /// <summary>"latin": x repeated; "cjk+arabic": Chinese and Arabic letters in turn (a right-to-left run every four
    /// ideographs, so the bidi pass, the font fallback and the run splitting are all exercised).</summary>
    [Params("latin", "cjk+arabic")]
    public string Script { get; set; } = "latin";

    [GlobalSetup]
    public void Setup() =>
        _spec = PackInputs.EveryBlock(
            Script == "latin"
                ? PackInputs.Fill(Characters, "").Replace(' ', 'x')
                : string.Concat(Enumerable.Repeat("信用评分تقييم", Characters / 9 + 1))[..Characters]
        );

    /// <summary>Lays out and draws the document; returns its pages.</summary>
    [Benchmark]
    public int Render() => Composer.Render(_spec!).Pages;
}

/// <summary>The SR 11-7 pack of the worst legal version (every text field and list at its maximum) with a 1,000-event trail.</summary>
public class WorstLegalPack
{
    private EvidencePackInput? _input;

    [GlobalSetup]
    public void Setup()
    {
        _input = PackInputs.Build(events: 1_000, worstLegal: true);
        var (pdf, pages) = EvidencePack.Render(EvidencePackKind.Sr117ValidationAndApproval, _input);
        Console.WriteLine($"// worst legal SR 11-7 pack, 1,000 events: {pages} pages, {pdf.Length / 1024} KiB");
    }

    /// <summary>Renders the pack; returns its pages.</summary>
    [Benchmark]
    public int Sr117() => EvidencePack.Render(EvidencePackKind.Sr117ValidationAndApproval, _input!).Pages;
}
