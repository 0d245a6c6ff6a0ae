using Governance.Demo;
using Governance.Ledger;
using Microsoft.Extensions.DependencyInjection;

// Seeds the demo inventory into the ledger at GOVERNANCE_DB (./gov run does this before it starts the API):
//   Governance.Demo --data <folder> --datasets <folder> [--attestation-keys <folder>]
// --data receives the trained models (<data>/demo) and, unless --attestation-keys says otherwise, holds the attestation
// keys the API signs with in Development (<data>/attestation-keys), so the demo's approvals verify against the API's JWKS.
var options = DemoOptions.Parse(args, Environment.GetEnvironmentVariable("GOVERNANCE_DB"));
if (options.Error is { } error)
{
    Console.Error.WriteLine(error);
    Console.Error.WriteLine(DemoOptions.Usage);
    return 2;
}

var services = new ServiceCollection()
    .AddLogging()
    .AddSingleton(TimeProvider.System)
    .AddGovernanceLedger(new LedgerOptions(options.ConnectionString!, options.AttestationKeys!))
    .AddSingleton(Console.Out)
    .AddSingleton<DemoInventory>();
await using var provider = services.BuildServiceProvider();
await provider
    .GetRequiredService<DemoInventory>()
    .SeedAsync(Path.Combine(options.Datasets!, "german_credit.csv"), Path.Combine(options.Data!, "demo"), CancellationToken.None);
return 0;
