using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Governance.Attestations;
using Governance.Benchmarks;
using Governance.Domain.Shared;
using Governance.Ledger;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Governance.Api.Tests.Infrastructure;

/// <summary>
/// The scale-out topology of docs/operations.md, as real processes: a PostgreSQL primary of the test's own and its streaming
/// replica (<c>pg_basebackup -R</c>), two API processes
/// (<c>dotnet Governance.Api.dll</c> in Production with the configuration an operator gives every node: the same token
/// certificates, attestation keys, webhook secret key, checkpoint key and database, each its own data folder) and nginx in
/// front of them running docs/operations/nginx.conf. Schema by <c>migrate</c>, people and clients by <c>admin</c>, as on a fresh
/// install; approved versions seeded through the ledger library with the shared attestation keys.
/// </summary>
public sealed partial class MultiNodeTopology : IAsyncLifetime
{
    /// <summary>The approved versions: the first is revoked by the test, the others are written to.</summary>
    public const int Versions = 5;

    private readonly string _folder = Directory.CreateTempSubdirectory("governance-multinode-").FullName;
    private readonly int _nginxPort = OwnPostgres.FreePort();
    private readonly List<(string Step, double Seconds)> _startTimes = [];
    private readonly System.Diagnostics.Stopwatch _clock = new();
    private OwnPostgres? _postgres;
    private OwnPostgres? _replica;

    /// <summary>The API processes, A and B.</summary>
    public ApiProcess[] Nodes { get; } = new ApiProcess[2];

    /// <summary>Their ports on 127.0.0.1.</summary>
    public int[] NodePorts { get; } = [OwnPostgres.FreePort(), OwnPostgres.FreePort()];

    public Nginx Proxy { get; private set; } = null!;

    /// <summary>The public address: nginx.</summary>
    public Uri PublicUrl => new($"http://127.0.0.1:{_nginxPort}/");

    /// <summary>How long each step of starting the topology took, for the test's output.</summary>
    public string StartTimes => string.Join(", ", _startTimes.Select(t => $"{t.Step} {t.Seconds:F1} s"));

    public string ConnectionString { get; private set; } = "";

    /// <summary>The streaming replica every node reads its read-only questions from (GOVERNANCE_DB_REPLICA).</summary>
    public string ReplicaConnectionString { get; private set; } = "";

    public SeededVersions Seeded { get; private set; } = null!;

    /// <summary>The pipeline's machine credentials (DeploymentPipeline; approvals:read deployments:write).</summary>
    public (string Id, string Secret) Pipeline { get; private set; }

    /// <summary>The metrics scraper's machine credentials (metrics:read only), as docs/operations.md registers it.</summary>
    public (string Id, string Secret) Scraper { get; private set; }

    /// <summary>A risk officer's user name and password.</summary>
    public (string UserName, string Password) Officer { get; } = ("rita-officer", "Officer-Pass-" + Guid.NewGuid().ToString("N")[..12]);

    private string Shared => Path.Combine(_folder, "shared");

    public async Task InitializeAsync()
    {
        _clock.Start();
        _postgres = new OwnPostgres();
        await using (var admin = new NpgsqlConnection(_postgres.ConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE DATABASE governance", admin);
            await create.ExecuteNonQueryAsync();
        }
        ConnectionString = new NpgsqlConnectionStringBuilder(_postgres.ConnectionString) { Database = "governance" }.ConnectionString;
        WriteSharedSecrets();
        Took("postgres and secrets");

        await ApiProcess.RunAsync("migrate", ["migrate"], Environment(null));
        Took("migrate");
        _replica = _postgres.StartReplica();
        ReplicaConnectionString = new NpgsqlConnectionStringBuilder(_replica.ConnectionString) { Database = "governance" }.ConnectionString;
        Took("streaming replica (pg_basebackup)");
        var officer = ApiProcess.RunAsync(
            "create-user",
            ["admin", "create-user", "--user", Officer.UserName, "--display-name", "Rita Officer", "--role", Roles.RiskOfficer],
            Environment(null),
            Officer.Password + "\n"
        );
        var client = ApiProcess.RunAsync(
            "register-client",
            [
                "admin",
                "register-client",
                "--client-id",
                "multinode-pipeline",
                "--display-name",
                "Multi-node pipeline",
                "--scope",
                "approvals:read",
                "--scope",
                "deployments:write",
                "--role",
                Roles.DeploymentPipeline,
            ],
            Environment(null)
        );
        var scraper = ApiProcess.RunAsync(
            "register-scraper",
            [
                "admin",
                "register-client",
                "--client-id",
                "multinode-metrics",
                "--display-name",
                "Metrics scraper",
                "--scope",
                "metrics:read",
            ],
            Environment(null)
        );
        // The nodes start while the commands run and the versions are seeded: nothing they do at start depends on them.
        for (var i = 0; i < Nodes.Length; i++)
            Nodes[i] = ApiProcess.Start(
                NodeName(i),
                ["--urls", $"http://127.0.0.1:{NodePorts[i]}"],
                Environment(Path.Combine(_folder, NodeName(i)))
            );
        Seeded = await SeedAsync();
        await officer;
        Pipeline = ("multinode-pipeline", SecretLine().Match(await client).Groups[1].Value);
        Scraper = ("multinode-metrics", SecretLine().Match(await scraper).Groups[1].Value);
        Took("seed and admin commands");
        for (var i = 0; i < Nodes.Length; i++)
            await WaitReadyAsync(i);
        Took("nodes ready");
        Proxy = await Nginx.StartAsync(_nginxPort, NodePorts);
        Took("nginx");
    }

    private void Took(string step)
    {
        _startTimes.Add((step, _clock.Elapsed.TotalSeconds));
        _clock.Restart();
    }

    /// <summary>"node-a", "node-b".</summary>
    public static string NodeName(int node) => $"node-{(char)('a' + node)}";

    /// <summary>A client of node <paramref name="node"/> directly, presenting the public host (as nginx forwards it), so that
    /// tokens issued through nginx are for this issuer; with a token, as bearer.</summary>
    /// <param name="tls">Whether the requests come as from nginx terminating TLS (<c>X-Forwarded-Proto: https</c>): a person's
    /// session needs it, since Production's cookies and antiforgery are for HTTPS only; their tokens are then issued by the
    /// https address.</param>
    public HttpClient Node(int node, string? token = null, bool tls = false) =>
        Client(new Uri($"http://127.0.0.1:{NodePorts[node]}/"), token, tls);

    /// <summary>A client of the public address (nginx).</summary>
    public HttpClient ThroughProxy(string? token = null) => Client(PublicUrl, token, tls: false);

    /// <summary>A client-credentials token of the pipeline, asked for through nginx.</summary>
    public Task<string> PipelineTokenAsync() => ClientTokenAsync(Pipeline, "approvals:read deployments:write");

    /// <summary>A client-credentials token of the metrics scraper, asked for through nginx.</summary>
    public Task<string> ScraperTokenAsync() => ClientTokenAsync(Scraper, "metrics:read");

    private async Task<string> ClientTokenAsync((string Id, string Secret) client, string scope)
    {
        using var http = ThroughProxy();
        var answer = await http.PostAsync(
                "/connect/token",
                new FormUrlEncodedContent(
                    new Dictionary<string, string>
                    {
                        ["grant_type"] = "client_credentials",
                        ["client_id"] = client.Id,
                        ["client_secret"] = client.Secret,
                        ["scope"] = scope,
                    }
                )
            )
            .Expect(HttpStatusCode.OK);
        return answer.GetProperty("access_token").GetString()!;
    }

    /// <summary>
    /// The officer's access token from the web UI's authorization code flow with PKCE, as behind TLS termination, with every
    /// request of the browser sent to the other node in turn, as a load balancer without sticky sessions would: the sign-in
    /// page's antiforgery token and the sign-in cookie are each read by the node that did not make them (the nodes share
    /// ASP.NET Core's Data Protection key ring, docs/operations.md).
    /// </summary>
    public async Task<string> OfficerTokenAsync()
    {
        using var browser = new HttpClient(new PublicHost(PublicUrl, browser: true, alternate: NodePorts))
        {
            BaseAddress = new Uri($"http://127.0.0.1:{NodePorts[0]}/"),
        };
        using var tokens = Node(1, tls: true);
        var answer = await Forms.AuthorizationCodeTokens(
            browser,
            tokens,
            new Uri(PublicUrl, "signin-oidc").ToString(),
            Officer.UserName,
            Officer.Password,
            "openid ledger:read ledger:write approvals:read"
        );
        return answer.GetProperty("access_token").GetString()!;
    }

    /// <summary>Runs one query on the primary and returns every row's first column as text.</summary>
    public async Task<List<string?>> QueryAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string?>();
        while (await reader.ReadAsync())
            rows.Add(reader.IsDBNull(0) ? null : reader.GetValue(0).ToString());
        return rows;
    }

    public async Task DisposeAsync()
    {
        if (Proxy is not null)
            await Proxy.DisposeAsync();
        foreach (var node in Nodes.Where(n => n is not null))
            await node.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        _replica?.Dispose();
        _postgres?.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>
    /// What an operator provisions once and gives every node: token signing and encryption certificates (PEM), the attestation
    /// keys folder, the webhook secrets key and the transparency log's checkpoint key.
    /// </summary>
    private void WriteSharedSecrets()
    {
        Directory.CreateDirectory(Shared);
        foreach (
            var (name, usage) in new[]
            {
                ("signing", X509KeyUsageFlags.DigitalSignature),
                ("encryption", X509KeyUsageFlags.KeyEncipherment),
            }
        )
        {
            using var rsa = RSA.Create(2048);
            var request = new CertificateRequest($"CN=Governance token {name}", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, critical: true));
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
            File.WriteAllText(Path.Combine(Shared, $"{name}.pem"), certificate.ExportCertificatePem());
            File.WriteAllText(Path.Combine(Shared, $"{name}.key.pem"), rsa.ExportPkcs8PrivateKeyPem());
        }
        File.WriteAllText(Path.Combine(Shared, "webhook-secrets.key"), Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        Ed25519PemSigner.Generate(Path.Combine(Shared, "checkpoint-key.pem"));
    }

    /// <summary>The configuration of every node (and of the one-off commands, <paramref name="dataFolder"/> null): Production,
    /// plain HTTP on 127.0.0.1 behind nginx, every secret shared, e-mail to an SMTP server that is not there (the mailer still
    /// stands for leadership).</summary>
    private Dictionary<string, string> Environment(string? dataFolder) =>
        new()
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["GOVERNANCE_DB"] = ConnectionString,
            ["GOVERNANCE_DB_REPLICA"] = ReplicaConnectionString,
            ["Governance__DataFolder"] = dataFolder ?? Path.Combine(_folder, "commands"),
            // A home of its own, as a pod has: nothing a node keeps there (ASP.NET Core's default key ring) reaches another.
            ["HOME"] = dataFolder ?? Path.Combine(_folder, "commands"),
            ["Governance__Database__AutoCreate"] = "None",
            ["Governance__PublicUrl"] = PublicUrl.ToString(),
            ["Governance__ForwardedHeaders__KnownProxies__0"] = "127.0.0.1",
            ["Governance__Identity__AllowHttp"] = "true",
            ["Governance__Identity__SigningCertificate__Path"] = Path.Combine(Shared, "signing.pem"),
            ["Governance__Identity__SigningCertificate__KeyPath"] = Path.Combine(Shared, "signing.key.pem"),
            ["Governance__Identity__EncryptionCertificate__Path"] = Path.Combine(Shared, "encryption.pem"),
            ["Governance__Identity__EncryptionCertificate__KeyPath"] = Path.Combine(Shared, "encryption.key.pem"),
            ["Governance__Attestations__KeysFolder"] = Path.Combine(Shared, "attestation-keys"),
            ["Governance__Webhooks__SecretKeyFile"] = Path.Combine(Shared, "webhook-secrets.key"),
            ["Governance__TransparencyLog__KeyFile"] = Path.Combine(Shared, "checkpoint-key.pem"),
            ["Governance__Smtp__Host"] = "127.0.0.1",
            ["Governance__Smtp__Port"] = OwnPostgres.FreePort().ToString(),
            ["Governance__Smtp__From"] = "governance@example.org",
            ["Governance__RateLimits__CredentialsPerMinute"] = "1000",
        };

    /// <summary>Approved versions through the ledger library, signed with the attestation keys the nodes share.</summary>
    private async Task<SeededVersions> SeedAsync()
    {
        await using var ledger = new ServiceCollection()
            .AddLogging()
            .AddSingleton(TimeProvider.System)
            .AddGovernanceLedger(new LedgerOptions(ConnectionString, Path.Combine(Shared, "attestation-keys")))
            .BuildServiceProvider();
        return await ApprovedVersions.SeedAsync(ledger, "multinode", Versions);
    }

    private async Task WaitReadyAsync(int node)
    {
        using var http = Node(node);
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            Assert.False(Nodes[node].HasExited, $"{NodeName(node)} exited:\n{Nodes[node].Output}");
            try
            {
                if ((await http.GetAsync("/health/ready")).IsSuccessStatusCode)
                    return;
            }
            catch (HttpRequestException) { }
            Assert.True(DateTime.UtcNow < deadline, $"{NodeName(node)} not ready in 90 s:\n{Nodes[node].Output}");
            await Task.Delay(200);
        }
    }

    private HttpClient Client(Uri address, string? token, bool tls)
    {
        var client = new HttpClient(new PublicHost(PublicUrl, browser: tls)) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (token is not null)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    [GeneratedRegex("client_secret=(\\S+)")]
    private static partial Regex SecretLine();

    /// <summary>
    /// Sends every request with the public Host header (what nginx forwards), never following redirects; as a
    /// <c>browser</c> behind TLS termination, with <c>X-Forwarded-Proto: https</c> (the nodes trust it from 127.0.0.1), keeping
    /// the cookies set by the answers and sending them back. By hand: .NET's cookie container never sends a Secure cookie
    /// over plain HTTP. With <c>alternate</c> ports, each request goes to the next of them in turn.
    /// </summary>
    private sealed class PublicHost(Uri publicUrl, bool browser, int[]? alternate = null)
        : DelegatingHandler(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false })
    {
        private readonly Dictionary<string, string> _jar = [];
        private int _sent;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            if (alternate is not null)
                request.RequestUri = new UriBuilder(request.RequestUri!) { Port = alternate[_sent++ % alternate.Length] }.Uri;
            request.Headers.Host = publicUrl.Authority;
            if (browser)
                request.Headers.Add("X-Forwarded-Proto", "https");
            if (browser && _jar.Count > 0)
                request.Headers.Add("Cookie", string.Join("; ", _jar.Select(c => $"{c.Key}={c.Value}")));
            var response = await base.SendAsync(request, ct);
            if (browser && response.Headers.TryGetValues("Set-Cookie", out var set))
                foreach (var cookie in set.Select(c => c.Split(';')[0].Split('=', 2)))
                    _jar[cookie[0]] = cookie[1];
            return response;
        }
    }
}

/// <summary>Tests that start <see cref="MultiNodeTopology"/>: one at a time, since it starts processes.</summary>
[CollectionDefinition(Name)]
public sealed class MultiNodeCollection : ICollectionFixture<MultiNodeTopology>
{
    public const string Name = "multi-node";
}
