using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Governance.Api.Identity;

/// <summary>
/// A device sign-in confirmed a second time (a double click, a reload that posts the form again): OpenIddict takes a user
/// code presented after its confirmation for a replayed token and revokes every token of its grant, so the command line
/// tool just allowed would be refused. At the end-user verification endpoint such a code is refused before that check,
/// revoking nothing, and marked so that <c>/connect/verify</c> can say it was already confirmed. The code still grants
/// nothing a second time.
/// </summary>
public sealed class ConfirmedUserCodes(IOpenIddictTokenManager tokens) : IOpenIddictServerHandler<ValidateTokenContext>
{
    private const string Property = "governance:user_code_already_confirmed";

    /// <summary>Runs after the code's signature and lifetime are checked, before OpenIddict checks its entry's status.</summary>
    public static readonly OpenIddictServerHandlerDescriptor Descriptor = OpenIddictServerHandlerDescriptor
        .CreateBuilder<ValidateTokenContext>()
        .UseScopedHandler<ConfirmedUserCodes>()
        .SetOrder(OpenIddictServerHandlers.Protection.ValidateTokenEntry.Descriptor.Order - 500)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public async ValueTask HandleAsync(ValidateTokenContext context)
    {
        if (
            context.EndpointType is not OpenIddictServerEndpointType.EndUserVerification
            || context.Principal?.GetTokenId() is not { Length: > 0 } id
        )
            return;
        var token = await tokens.FindByIdAsync(id, context.CancellationToken);
        if (token is null || !await tokens.HasStatusAsync(token, Statuses.Redeemed, context.CancellationToken))
            return;
        context.Transaction.Properties[Property] = true;
        context.Reject(Errors.InvalidToken, "The user code was already confirmed.");
    }

    /// <summary>True when this request presented a user code that had already been confirmed.</summary>
    public static bool WerePresented(HttpContext http) =>
        http.Features.Get<OpenIddictServerAspNetCoreFeature>()?.Transaction?.Properties.TryGetValue(Property, out var marked) == true
        && marked is true;
}
