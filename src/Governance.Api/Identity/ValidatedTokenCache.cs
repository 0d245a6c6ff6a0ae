using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Caching.Memory;
using OpenIddict.Validation;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Validation.OpenIddictValidationEvents;
using static OpenIddict.Validation.OpenIddictValidationHandlers.Protection;

namespace Governance.Api.Identity;

/// <summary>
/// Access tokens whose signature, issuer and type OpenIddict has already verified, kept by the SHA-256 of the token until the
/// token expires, so that a pipeline or model server calling with the same bearer token pays the RS256 signature check once
/// per token instead of once per request. Only that verification is cached: every request still runs OpenIddict's
/// expiry, audience and presenter checks on the principal, and <see cref="CurrentAccessValidation"/>'s check of the account
/// as it is now (roles, security stamp, client), so a revoked role or deleted client stops working as before.
/// </summary>
/// <remarks>At most <see cref="Capacity"/> tokens are kept (<see cref="MemoryCache"/> with a size limit: past it, new tokens are
/// verified but not kept until expired ones are compacted away). A token signed by a key removed from the server's key set
/// stays accepted until it expires (at most the access-token lifetime, 15 minutes by default), as it would be by any
/// validator that caches signing keys.</remarks>
public sealed class ValidatedTokenCache(TimeProvider clock) : IDisposable
{
    /// <summary>How many verified tokens are kept at most.</summary>
    public const int Capacity = 10_000;

    private readonly MemoryCache _verified = new(new MemoryCacheOptions { SizeLimit = Capacity, Clock = new SystemClockAdapter(clock) });

    /// <summary>Before OpenIddict's signature check: a token verified earlier gets a copy of the principal it gave then, which
    /// makes <c>ValidateIdentityModelToken</c> skip the check.</summary>
    public static readonly OpenIddictValidationHandlerDescriptor Reuse = OpenIddictValidationHandlerDescriptor
        .CreateBuilder<ValidateTokenContext>()
        .UseSingletonHandler<ReuseVerified>()
        .SetOrder(ValidateIdentityModelToken.Descriptor.Order - 500)
        .SetType(OpenIddictValidationHandlerType.Custom)
        .Build();

    /// <summary>After OpenIddict's signature check: keeps a copy of a newly verified access token's principal.</summary>
    public static readonly OpenIddictValidationHandlerDescriptor Keep = OpenIddictValidationHandlerDescriptor
        .CreateBuilder<ValidateTokenContext>()
        .UseSingletonHandler<KeepVerified>()
        .SetOrder(ValidateIdentityModelToken.Descriptor.Order + 500)
        .SetType(OpenIddictValidationHandlerType.Custom)
        .Build();

    private static bool IsAccessTokenOnly(ValidateTokenContext context) =>
        context.ValidTokenTypes.Count == 1 && context.ValidTokenTypes.Contains(TokenTypeIdentifiers.AccessToken);

    private static string KeyOf(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    // The later handlers add claims to the principal they are given: each request gets its own copy.
    private static ClaimsPrincipal Copy(ClaimsPrincipal principal) => new(principal.Identities.Select(i => i.Clone()));

    private bool TryReuse(ValidateTokenContext context)
    {
        if (context.Principal is not null || !IsAccessTokenOnly(context) || string.IsNullOrEmpty(context.Token))
            return false;
        if (!_verified.TryGetValue(KeyOf(context.Token), out ClaimsPrincipal? verified) || verified is null)
            return false;
        context.Principal = Copy(verified);
        return true;
    }

    private void KeepIfNew(ValidateTokenContext context)
    {
        // A principal reused from the cache has no validation result: only a newly verified token is kept.
        if (
            context.IsRejected
            || context.TokenValidationResult is null
            || context.Principal is not { } principal
            || !IsAccessTokenOnly(context)
        )
            return;
        if (!long.TryParse(principal.FindFirst(Claims.ExpiresAt)?.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var exp))
            return;
        var expires = DateTimeOffset.FromUnixTimeSeconds(exp);
        if (expires <= clock.GetUtcNow())
            return;
        _verified.Set(KeyOf(context.Token), Copy(principal), new MemoryCacheEntryOptions { AbsoluteExpiration = expires, Size = 1 });
    }

    /// <summary>Whether <paramref name="token"/> is kept as verified (and unexpired).</summary>
    public bool IsKept(string token) => _verified.TryGetValue(KeyOf(token), out _);

    public void Dispose() => _verified.Dispose();

    /// <summary>The <see cref="Reuse"/> step.</summary>
    public sealed class ReuseVerified(ValidatedTokenCache cache) : IOpenIddictValidationHandler<ValidateTokenContext>
    {
        public ValueTask HandleAsync(ValidateTokenContext context)
        {
            cache.TryReuse(context);
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>The <see cref="Keep"/> step.</summary>
    public sealed class KeepVerified(ValidatedTokenCache cache) : IOpenIddictValidationHandler<ValidateTokenContext>
    {
        public ValueTask HandleAsync(ValidateTokenContext context)
        {
            cache.KeepIfNew(context);
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>The cache's clock is the host's <see cref="TimeProvider"/>, so expiry is tested without waiting.</summary>
    private sealed class SystemClockAdapter(TimeProvider clock) : Microsoft.Extensions.Internal.ISystemClock
    {
        public DateTimeOffset UtcNow => clock.GetUtcNow();
    }
}
