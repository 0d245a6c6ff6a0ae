using System.Runtime.CompilerServices;
using Bunit;

namespace Governance.Ui.Tests;

/// <summary>
/// Settings for the whole test assembly, applied when it loads. In CI the UI tests share two cores with the API tests,
/// and a component test's synchronous <c>WaitFor*</c> blocks a thread-pool thread while it waits: with the pool at its
/// minimum of one thread per core, the renderer's dispatcher once did not run a check within bUnit's one-second default
/// (<c>TechnicalDocumentationPageTests</c>, "the wait condition was never checked"). bUnit's own advice: more threads
/// from the start, and a longer wait.
/// </summary>
internal static class TestAssemblySetup
{
    [ModuleInitializer]
    internal static void Configure()
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, Environment.ProcessorCount * 4), io);
        BunitContext.DefaultWaitTimeout = TimeSpan.FromSeconds(10);
    }
}
