using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace Governance.Api.Tests.Infrastructure;

/// <summary>
/// Test-only: TestServer connections have no peer address, so a request's TCP peer is the address in its X-Test-Peer header
/// when it sends one, set before the product's pipeline runs. Tests speak from several addresses, or as a reverse proxy.
/// </summary>
public sealed class TestPeerAddress : IStartupFilter
{
    public const string Header = "X-Test-Peer";

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) =>
        app =>
        {
            app.Use(
                (http, nextMiddleware) =>
                {
                    if (http.Request.Headers.TryGetValue(Header, out var peer))
                        http.Connection.RemoteIpAddress = IPAddress.Parse(peer.ToString());
                    return nextMiddleware(http);
                }
            );
            next(app);
        };
}
