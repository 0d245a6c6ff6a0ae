using Governance.Attestations;
using Governance.Attestations.Transparency;
using Governance.Cli;
using Governance.Ledger;
using Governance.Ledger.Sequencing;
using Governance.Ledger.Transparency;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Governance.Api.Tests.Infrastructure;

/// <summary>The API host with the transparency log's sealer running (checkpoint key in the run's data folder, export beside it,
/// checkpoints on request after the first, a 50 ms poll).</summary>
public sealed class TransparencyLogApp : LedgerApp
{
    public const string Origin = "governance.test/ledger";

    public string KeyFile => Path.Combine(DataFolder, "checkpoint-key.pem");

    public string ExportFolder => Path.Combine(DataFolder, "checkpoints");

    public TransparencyLogOptions SealerOptions =>
        new(Origin, KeyFile, ExportFolder) { CheckpointInterval = TimeSpan.FromHours(1), PollInterval = TimeSpan.FromMilliseconds(50) };

    /// <summary>The log's verifier key (name+keyid+base64key).</summary>
    public string VerifierKey
    {
        get
        {
            using var signer = Ed25519PemSigner.Load(KeyFile);
            return new NoteVerifier(Origin, signer.PublicKey).VerifierKey();
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        if (!File.Exists(KeyFile))
            Ed25519PemSigner.Generate(KeyFile);
        builder.UseSetting("Governance:TransparencyLog:KeyFile", KeyFile);
        builder.UseSetting("Governance:TransparencyLog:Origin", Origin);
        builder.UseSetting("Governance:TransparencyLog:ExportFolder", ExportFolder);
        builder.UseSetting("Governance:TransparencyLog:CheckpointIntervalSeconds", "3600");
        builder.UseSetting("Governance:TransparencyLog:PollIntervalSeconds", "0.05");
    }

    /// <summary>Asks for a checkpoint and waits until one covers every event committed so far.</summary>
    public Task<SignedCheckpoint> CheckpointEverythingAsync() => TransparencyLogTesting.CheckpointEverythingAsync(this);
}

[CollectionDefinition(Name)]
public sealed class TransparencyLogCollection : ICollectionFixture<TransparencyLogApp>
{
    public const string Name = "transparency-log";
}

/// <summary>What the transparency log's tests share: waiting for the sealer, running <c>ledger verify</c>, a second sealer.</summary>
public static class TransparencyLogTesting
{
    /// <summary>Requests a checkpoint and waits (at most 60 s) until the latest covers every event now in the database.</summary>
    public static async Task<SignedCheckpoint> CheckpointEverythingAsync(LedgerApp app)
    {
        var log = app.Services.GetRequiredService<TransparencyLog>();
        var events = await app.EventCount();
        await log.RequestCheckpointAsync(CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            if (await log.LatestCheckpointAsync(timeout.Token) is { } c && c.Size >= events)
                return c;
            await Task.Delay(50, timeout.Token);
        }
    }

    /// <summary>A sealer of its own on <paramref name="app"/>'s database (not started).</summary>
    public static TransparencyLogSealer Sealer(LedgerApp app, TransparencyLogOptions options) =>
        new(
            app.Services.GetRequiredService<TransparencyLog>(),
            app.Services.GetRequiredService<SafePosition>(),
            app.Services.GetRequiredService<LedgerOptions>(),
            options,
            new CheckpointKey(options),
            TimeProvider.System,
            NullLogger<TransparencyLogSealer>.Instance
        );

    /// <summary>Runs <c>governance ledger verify --json</c> in-process.</summary>
    public static async Task<(int Exit, System.Text.Json.JsonElement Json, string Error)> VerifyAsync(
        HttpMessageHandler? transport,
        params string[] args
    )
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var tokens = new TokenCache(Path.Combine(Path.GetTempPath(), $"tokens-{Guid.NewGuid():N}.json"));
        tokens.Put("http://localhost/", new TokenCache.Entry("test-token", null, DateTimeOffset.UtcNow.AddHours(1)));
        var exit = await CliApp.RunAsync(
            ["ledger", "verify", .. args, "--json", "--server", "http://localhost"],
            output,
            error,
            transport,
            tokens
        );
        var text = output.ToString();
        return (exit, text.Length > 0 ? System.Text.Json.JsonDocument.Parse(text).RootElement.Clone() : default, error.ToString());
    }

    /// <summary>Runs SQL on <paramref name="connectionString"/>'s database.</summary>
    public static async Task<object?> SqlAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
