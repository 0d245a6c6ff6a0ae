namespace Governance.Demo;

/// <summary>The demo program's command line; <see cref="Error"/> names the first problem, if any.</summary>
public sealed record DemoOptions(string? ConnectionString, string? Data, string? Datasets, string? AttestationKeys, string? Error)
{
    public const string Usage =
        "usage: GOVERNANCE_DB=<connection string> Governance.Demo --data <folder> --datasets <folder> [--attestation-keys <folder>]";

    public static DemoOptions Parse(IReadOnlyList<string> args, string? connectionString)
    {
        var values = new Dictionary<string, string>();
        for (var i = 0; i < args.Count; i += 2)
        {
            if (args[i] is not ("--data" or "--datasets" or "--attestation-keys"))
                return Failed($"unknown option '{args[i]}'");
            if (i + 1 >= args.Count)
                return Failed($"{args[i]} needs a folder");
            values[args[i]] = Path.GetFullPath(args[i + 1]);
        }
        if (string.IsNullOrWhiteSpace(connectionString))
            return Failed("GOVERNANCE_DB is not set: give the PostgreSQL connection string of the ledger to seed");
        if (!values.TryGetValue("--data", out var data))
            return Failed("--data is required");
        if (!values.TryGetValue("--datasets", out var datasets))
            return Failed("--datasets is required");
        var keys = values.GetValueOrDefault("--attestation-keys") ?? Path.Combine(data, "attestation-keys");
        return new DemoOptions(connectionString, data, datasets, keys, null);
    }

    private static DemoOptions Failed(string error) => new(null, null, null, null, error);
}
