using System.Diagnostics;
using System.Net.Sockets;

namespace Governance.Api.Tests.Infrastructure;

/// <summary>
/// nginx from Debian's package (<c>./gov test</c> installs it) in front of the API processes, running the example configuration
/// of docs/operations/nginx.conf with this test's ports: a child process in the foreground (<c>daemon off</c>) with its
/// configuration, pid file, logs and temporary files in a folder of its own, listening on 127.0.0.1 only.
/// </summary>
public sealed class Nginx : IAsyncDisposable
{
    private const string Binary = "/usr/sbin/nginx";
    private readonly Process _process;
    private readonly string _folder;

    private Nginx(Process process, string folder, int port)
    {
        _process = process;
        _folder = folder;
        Port = port;
    }

    /// <summary>Where clients reach the API.</summary>
    public int Port { get; }

    /// <summary>nginx's error log so far.</summary>
    public string ErrorLog => File.Exists(Path.Combine(_folder, "error.log")) ? File.ReadAllText(Path.Combine(_folder, "error.log")) : "";

    /// <summary>Starts nginx on <paramref name="port"/> with the documented upstream replaced by <paramref name="nodePorts"/>
    /// and waits until it accepts connections.</summary>
    public static async Task<Nginx> StartAsync(int port, IReadOnlyList<int> nodePorts)
    {
        Assert.True(File.Exists(Binary), "nginx is missing: ./gov test installs Debian's nginx package");
        var folder = Directory.CreateTempSubdirectory("governance-nginx-").FullName;
        var example = await File.ReadAllTextAsync(Path.Combine(Programs.RepositoryRoot(), "docs", "operations", "nginx.conf"));
        // The example's ports: 5170 nginx, 5171 and 5172 the API processes.
        var ports = new[] { (5170, port), (5171, nodePorts[0]), (5172, nodePorts[1]) };
        var site = example;
        foreach (var (documented, _) in ports)
        {
            Assert.Contains($"127.0.0.1:{documented}", site);
            site = site.Replace($"127.0.0.1:{documented}", $"127.0.0.1:port-{documented}");
        }
        foreach (var (documented, actual) in ports)
            site = site.Replace($"127.0.0.1:port-{documented}", $"127.0.0.1:{actual}");
        var temp = Path.Combine(folder, "temp");
        // As root the workers would switch to nobody, who cannot enter this test's private folder.
        var user = Environment.UserName == "root" ? "user root;" : "";
        await File.WriteAllTextAsync(
            Path.Combine(folder, "nginx.conf"),
            $$"""
            {{user}}
            worker_processes 1;
            pid {{folder}}/nginx.pid;
            error_log {{folder}}/error.log warn;
            events { worker_connections 512; }
            http {
                access_log off;
                client_body_temp_path {{temp}}/body;
                proxy_temp_path {{temp}}/proxy;
                fastcgi_temp_path {{temp}}/fastcgi;
                uwsgi_temp_path {{temp}}/uwsgi;
                scgi_temp_path {{temp}}/scgi;
            {{site}}
            }
            """
        );
        Directory.CreateDirectory(temp);
        var start = new ProcessStartInfo(
            Binary,
            ["-p", folder, "-c", Path.Combine(folder, "nginx.conf"), "-e", Path.Combine(folder, "error.log"), "-g", "daemon off;"]
        )
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(start)!;
        var nginx = new Nginx(process, folder, port);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        try
        {
            while (true)
            {
                if (process.HasExited)
                    Assert.Fail($"nginx exited {process.ExitCode}: {nginx.ErrorLog}");
                try
                {
                    using var probe = new TcpClient();
                    await probe.ConnectAsync("127.0.0.1", port);
                    return nginx;
                }
                catch (SocketException) when (DateTime.UtcNow < deadline)
                {
                    await Task.Delay(50);
                }
            }
        }
        catch
        {
            await nginx.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
