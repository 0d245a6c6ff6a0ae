using OpenIddict.Validation;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Validation.OpenIddictValidationEvents;

namespace Governance.Api.Identity;

/// <summary>
/// Runs on every bearer token the API accepts, after OpenIddict has validated its signature, lifetime and audience: the token's
/// person or client is checked against the identity store as it is now (<see cref="CurrentAccess"/>). A person whose security
/// stamp changed, who is locked out or deleted, a client no longer registered, or a person's token without a stamp is refused
/// with 401 <c>invalid_token</c>; otherwise the token's roles are replaced by the roles held now, so a removed role stops working
/// at once and never waits for the token to expire.
/// </summary>
public sealed class CurrentAccessValidation(CurrentAccess access) : IOpenIddictValidationHandler<ProcessAuthenticationContext>
{
    /// <summary>After OpenIddict's own validation of the access token.</summary>
    public static readonly OpenIddictValidationHandlerDescriptor Descriptor = OpenIddictValidationHandlerDescriptor
        .CreateBuilder<ProcessAuthenticationContext>()
        .UseSingletonHandler<CurrentAccessValidation>()
        .SetOrder(OpenIddictValidationHandlers.ValidateAccessToken.Descriptor.Order + 1_000)
        .SetType(OpenIddictValidationHandlerType.Custom)
        .Build();

    public async ValueTask HandleAsync(ProcessAuthenticationContext context)
    {
        if (context.AccessTokenPrincipal is not { } principal)
            return;
        var current = await access.CurrentAsync(principal, context.CancellationToken);
        if (current is null)
        {
            context.Reject(
                error: Errors.InvalidToken,
                description: "The account's roles or credentials changed, or it can no longer sign in: get a new token."
            );
            return;
        }
        context.AccessTokenPrincipal = current;
    }
}
