using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Governance.Api.Tests.Infrastructure;

/// <summary>
/// A PostgreSQL 15 cluster of this test's own (a temporary folder, a free port), so that a test can stop the database
/// and start it again without disturbing the other tests, or stream it to a replica. As root, the server runs as the postgres
/// user.
/// </summary>
public sealed class OwnPostgres : IDisposable
{
    private const string Bin = "/usr/lib/postgresql/15/bin";
    private readonly string _folder = Directory.CreateTempSubdirectory("governance-own-pg-").FullName;

    public OwnPostgres()
        : this(null) { }

    private OwnPostgres(OwnPostgres? primary)
    {
        Port = FreePort();
        if (Environment.UserName == "root")
            Run("chown", "postgres:postgres", _folder);
        if (primary is null)
            AsServer("initdb", "-D", Data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8");
        else
            // A streaming replica as docs/operations.md makes one: a base backup with its standby configuration (-R).
            AsServer(
                "pg_basebackup",
                "-h",
                "127.0.0.1",
                "-p",
                $"{primary.Port}",
                "-U",
                "postgres",
                "-D",
                Data,
                "-R",
                "-X",
                "stream",
                "-c",
                "fast"
            );
        Start();
    }

    /// <summary>A hot standby of this cluster on a port of its own, streaming from it (<c>pg_basebackup -R</c>).</summary>
    public OwnPostgres StartReplica() => new(this);

    public int Port { get; }

    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres";

    private string Data => Path.Combine(_folder, "data");

    public void Start() =>
        AsServer(
            "pg_ctl",
            "-D",
            Data,
            "-w",
            "-t",
            "60",
            "-l",
            Path.Combine(_folder, "server.log"),
            "-o",
            $"-p {Port} -k {_folder} -c listen_addresses=127.0.0.1",
            "start"
        );

    /// <summary>Stops the server at once, as a crash or a failover would (in-flight connections are cut).</summary>
    public void Crash() => AsServer("pg_ctl", "-D", Data, "-w", "-m", "immediate", "stop");

    public void Dispose()
    {
        try
        {
            AsServer("pg_ctl", "-D", Data, "-w", "-m", "fast", "stop");
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>A TCP port on 127.0.0.1 free at the time of asking.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void AsServer(string tool, params string[] args)
    {
        if (Environment.UserName == "root")
            Run("runuser", ["-u", "postgres", "--", Path.Combine(Bin, tool), .. args]);
        else
            Run(Path.Combine(Bin, tool), args);
    }

    private static void Run(string program, params string[] args)
    {
        using var process = Process.Start(
            new ProcessStartInfo(program, args) { RedirectStandardOutput = true, RedirectStandardError = true }
        )!;
        var error = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed: {error.Result}");
    }
}
