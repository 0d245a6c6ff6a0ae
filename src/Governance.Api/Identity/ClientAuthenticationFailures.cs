using Governance.Domain.Security;
using Microsoft.AspNetCore;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Governance.Api.Identity;

/// <summary>
/// Records in the security log every client that fails to authenticate at the token or device authorization endpoint (OAuth
/// <c>invalid_client</c>, RFC 6749 section 5.2; OWASP ASVS 4.0.3 V7.2.1): <c>ClientAuthenticationFailed</c>, in the client's
/// stream when it is registered, else under <c>unknown-clients</c>. Runs as the error answer is applied, before it is written.
/// </summary>
public sealed class ClientAuthenticationFailures(SecurityLogWriter log, IOpenIddictApplicationManager applications)
    : IOpenIddictServerHandler<ApplyTokenResponseContext>,
        IOpenIddictServerHandler<ApplyDeviceAuthorizationResponseContext>
{
    /// <summary>The handler of the token endpoint's answers.</summary>
    public static readonly OpenIddictServerHandlerDescriptor TokenEndpoint = OpenIddictServerHandlerDescriptor
        .CreateBuilder<ApplyTokenResponseContext>()
        .UseScopedHandler<ClientAuthenticationFailures>()
        .SetOrder(int.MinValue + 100_000)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    /// <summary>The handler of the device authorization endpoint's answers.</summary>
    public static readonly OpenIddictServerHandlerDescriptor DeviceEndpoint = OpenIddictServerHandlerDescriptor
        .CreateBuilder<ApplyDeviceAuthorizationResponseContext>()
        .UseScopedHandler<ClientAuthenticationFailures>()
        .SetOrder(int.MinValue + 100_000)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public ValueTask HandleAsync(ApplyTokenResponseContext context) => RecordAsync(context, context.Response, "token");

    public ValueTask HandleAsync(ApplyDeviceAuthorizationResponseContext context) => RecordAsync(context, context.Response, "device");

    private async ValueTask RecordAsync(BaseContext context, OpenIddictResponse response, string endpoint)
    {
        if (response.Error != Errors.InvalidClient)
            return;
        var http = context.Transaction.GetHttpRequest()?.HttpContext;
        var ct = context.CancellationToken;
        var clientId = context.Transaction.Request?.ClientId ?? "";
        var registered = clientId.Length > 0 && await applications.FindByClientIdAsync(clientId, ct) is not null;
        await log.RecordAsync(
            new ClientAuthenticationFailed(
                registered ? clientId : "unknown-clients",
                clientId,
                endpoint,
                registered ? "invalid_credentials" : "unknown_client",
                log.Audit(http, SecurityLogWriter.Anonymous, $"Client authentication failed: {response.ErrorDescription}")
            ),
            ct
        );
    }
}
