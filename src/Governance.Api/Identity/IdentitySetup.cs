using System.Threading.RateLimiting;
using Governance.Api.Hosting;
using Governance.Ledger.People;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenIddict.Validation.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Governance.Api.Identity;

/// <summary>
/// OpenIddict 7 inside the API: an OpenID Connect server for people (authorization code + PKCE, device flow) and machines
/// (client credentials), with its store and ASP.NET Core Identity's users on the same PostgreSQL (schema "identity").
/// The API itself accepts only bearer access tokens issued by this server for the governance-api audience.
/// </summary>
public static class IdentitySetup
{
    /// <summary>The rate limit of the public attestation JWKS, per client address (Governance:RateLimits:PublicKeysPerMinute,
    /// default 120).</summary>
    public const string PublicKeysRateLimit = "public-keys";
    public const string PolicyScheme = "governance";

    /// <summary>The web UI's session: set once the authorization code flow has signed the person in.</summary>
    public const string UiCookie = "governance.ui";

    /// <summary>Where this host is reached (Governance:PublicUrl): the issuer the web UI trusts and the base of its redirect URI.</summary>
    public static Uri PublicUrl(IConfiguration configuration) =>
        new(
            configuration["Governance:PublicUrl"] is { Length: > 0 } url ? (url.EndsWith('/') ? url : url + "/") : "http://127.0.0.1:5080/"
        );

    public static WebApplicationBuilder AddGovernanceIdentity(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        var environment = builder.Environment;
        var keys = SigningKeys.Load(configuration, environment, GovernanceHost.DataFolder(configuration, environment));
        var sessions = SessionSettings.From(configuration);

        SharedKeyRing.Add(services, GovernanceHost.ConnectionString(configuration), keys.Encryption);
        services.AddDbContext<IdentityDb>(o =>
            o.UseNpgsql(
                    GovernanceHost.ConnectionString(configuration),
                    npgsql => npgsql.MigrationsHistoryTable("__ef_migrations", IdentityDb.Schema)
                )
                .UseOpenIddict()
        );

        services
            .AddIdentityCore<GovernanceUser>(o =>
            {
                o.Password.RequiredLength = 12;
                o.Password.RequireNonAlphanumeric = false;
                o.Password.RequiredUniqueChars = 4;
                // Lockout is SignInThrottle's (failures from several networks, never from one address alone); Identity only
                // stores the lockout end it sets.
                o.Lockout.AllowedForNewUsers = true;
                o.User.RequireUniqueEmail = false;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<IdentityDb>()
            .AddSignInManager()
            .AddDefaultTokenProviders();

        services
            .AddOpenIddict()
            .AddCore(o => o.UseEntityFrameworkCore().UseDbContext<IdentityDb>())
            .AddServer(o =>
            {
                o.SetAuthorizationEndpointUris("/connect/authorize")
                    .SetTokenEndpointUris("/connect/token")
                    .SetDeviceAuthorizationEndpointUris("/connect/device")
                    .SetEndUserVerificationEndpointUris("/connect/verify")
                    .SetEndSessionEndpointUris("/connect/logout");
                o.AllowAuthorizationCodeFlow()
                    .RequireProofKeyForCodeExchange()
                    .AllowClientCredentialsFlow()
                    .AllowDeviceAuthorizationFlow()
                    .AllowRefreshTokenFlow();
                // PKCE with S256 only (RFC 7636 section 4.2; OAuth 2.0 Security BCP, RFC 9700 section 2.1.1): "plain" sends the
                // verifier itself as the challenge, so whoever reads the authorization request could redeem the code. Neither
                // discovery nor /connect/authorize offers it.
                o.Configure(options =>
                {
                    options.CodeChallengeMethods.Clear();
                    options.CodeChallengeMethods.Add(CodeChallengeMethods.Sha256);
                });
                // Rolling refresh tokens without reuse leeway (RFC 9700 section 4.14.2): a refresh token presented a second time
                // is a replay, refused, and OpenIddict revokes the tokens of that grant.
                o.SetRefreshTokenReuseLeeway(TimeSpan.Zero);
                o.AddEventHandler(ClientAuthenticationFailures.TokenEndpoint).AddEventHandler(ClientAuthenticationFailures.DeviceEndpoint);
                // A device confirmation posted twice must not revoke the grant the first one made.
                o.AddEventHandler(ConfirmedUserCodes.Descriptor);
                o.RegisterScopes([Scopes.OpenId, Scopes.Profile, Scopes.Roles, Scopes.Email, Scopes.OfflineAccess, .. ApiScopes.All]);
                o.SetAccessTokenLifetime(TimeSpan.FromMinutes(configuration.GetValue("Governance:Identity:AccessTokenMinutes", 15)));
                o.AddSigningCertificate(keys.Signing).AddEncryptionCertificate(keys.Encryption);
                // Plain signed JWTs, so the serving layer and pipelines' tools can read the claims they are given.
                o.DisableAccessTokenEncryption();
                var aspNetCore = o.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    .EnableEndUserVerificationEndpointPassthrough()
                    .EnableStatusCodePagesIntegration();
                // Plain HTTP only where the product runs on 127.0.0.1 (development, tests); production sits behind TLS.
                if (!environment.IsProduction() || configuration.GetValue<bool>("Governance:Identity:AllowHttp"))
                    aspNetCore.DisableTransportSecurityRequirement();
            })
            .AddValidation(o =>
            {
                o.UseLocalServer();
                // Every accepted token is checked against the identity store as it is now (roles, security stamp, client).
                o.AddEventHandler(CurrentAccessValidation.Descriptor);
                // An access token's signature is verified once, not on every request (the check's hot path).
                o.AddEventHandler(ValidatedTokenCache.Reuse);
                o.AddEventHandler(ValidatedTokenCache.Keep);
                o.AddAudiences(ApiScopes.ApiResource);
                o.UseAspNetCore();
            })
            // The web UI is a client of this same server: authorization code flow with PKCE, like any other client.
            .AddClient(o =>
            {
                o.AllowAuthorizationCodeFlow();
                o.AddSigningCertificate(keys.Signing).AddEncryptionCertificate(keys.Encryption);
                var aspNetCore = o.UseAspNetCore().EnableRedirectionEndpointPassthrough();
                if (!environment.IsProduction() || configuration.GetValue<bool>("Governance:Identity:AllowHttp"))
                    aspNetCore.DisableTransportSecurityRequirement();
                o.UseSystemNetHttp();
                o.SetRedirectionEndpointUris("signin-oidc");
                o.AddRegistration(
                    new OpenIddict.Client.OpenIddictClientRegistration
                    {
                        Issuer = PublicUrl(configuration),
                        ClientId = FirstPartyClients.WebUi,
                        RedirectUri = new Uri("signin-oidc", UriKind.Relative),
                        Scopes = { Scopes.OpenId, Scopes.Profile, Scopes.Roles },
                    }
                );
            });

        // The API takes bearer tokens only; the web UI's pages take the UI session cookie. Cookie principals carry no
        // scopes, so EndpointAccess refuses them on the API even if a browser sends the cookie there.
        services.AddHttpContextAccessor();
        services.Replace(ServiceDescriptor.Singleton<IAuthenticationSchemeProvider, ApiRequestSchemes>());
        services
            .AddAuthentication(PolicyScheme)
            .AddPolicyScheme(
                PolicyScheme,
                "Bearer tokens for the API, the UI session for pages",
                o =>
                    o.ForwardDefaultSelector = http =>
                        http.Request.Path.StartsWithSegments("/api")
                        || http.Request.Path.StartsWithSegments(Hosting.Observability.MetricsPath)
                        || http.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.Ordinal)
                            ? OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme
                            : UiCookie
            )
            .AddCookie(
                UiCookie,
                o =>
                {
                    o.Cookie.Name = UiCookie;
                    o.Cookie.SameSite = SameSiteMode.Lax;
                    // Sliding: a session without a request for the idle timeout ends; UiSessions checks each request.
                    o.ExpireTimeSpan = sessions.IdleTimeout;
                    o.SlidingExpiration = true;
                    o.Events.OnValidatePrincipal = UiSessions.ValidateCookieAsync;
                    o.ForwardChallenge = OpenIddict.Client.AspNetCore.OpenIddictClientAspNetCoreDefaults.AuthenticationScheme;
                }
            )
            .AddIdentityCookies(cookies =>
                cookies.ApplicationCookie?.Configure(o =>
                {
                    o.LoginPath = SignInEndpoints.Path;
                    o.ReturnUrlParameter = "returnUrl";
                    o.Cookie.Name = "governance.identity";
                    o.Cookie.SameSite = SameSiteMode.Lax;
                    o.ExpireTimeSpan = sessions.IdleTimeout;
                    o.SlidingExpiration = true;
                })
            );
        // Every cookie of the host (the UI session, the sign-in session, antiforgery) is HttpOnly, SameSite and, outside
        // Development and Testing, Secure (SecurityHeaders.CookiePolicy).
        var secure = SecurityHeaders.CookiePolicy(environment);
        services.ConfigureAll<CookieAuthenticationOptions>(o => o.Cookie.SecurePolicy = secure);
        services.AddAntiforgery(o => o.Cookie.SecurePolicy = secure);

        // OpenIddict leaves the body of the errors it answers itself (e.g. an authorization request it refuses) to status code
        // pages: the problem then carries its error code and description instead of a bare "Bad Request".
        services.Configure<ProblemDetailsOptions>(o =>
            o.CustomizeProblemDetails = context =>
            {
                if (context.HttpContext.GetOpenIddictServerResponse() is { Error: { } error } response)
                {
                    context.ProblemDetails.Extensions["code"] = error;
                    context.ProblemDetails.Detail = response.ErrorDescription;
                }
            }
        );

        services.AddSingleton<IAuthorizationHandler, EndpointAccess>();
        // The API's 401 and 403 say what is missing, with a code, like its other refusals.
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ApiRefusals>();
        services.AddAuthorization(o =>
        {
            // Every endpoint needs an authenticated principal unless it says otherwise; AllowRoles adds the role and scope check.
            o.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build();
            o.AddPolicy(EndpointAccess.Policy, p => p.RequireAuthenticatedUser().AddRequirements(new EndpointAccess()));
        });

        var keysPerMinute = configuration.GetValue("Governance:RateLimits:PublicKeysPerMinute", 120);
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            // A refused request did nothing: 429 rate_limited, with the window's wait as Retry-After.
            o.OnRejected = async (context, _) =>
            {
                var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait)
                    ? (int)Math.Ceiling(wait.TotalSeconds)
                    : 60;
                context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await Results
                    .Problem(
                        Problems.Create(
                            StatusCodes.Status429TooManyRequests,
                            "rate_limited",
                            "Too many requests",
                            $"Nothing was done. Retry after {seconds} seconds; the limits are in docs/limits.md."
                        )
                    )
                    .ExecuteAsync(context.HttpContext);
            };
            o.GlobalLimiter = CredentialLimits.Create(configuration);
            // A fixed window per client address for the public attestation JWKS.
            o.AddPolicy(
                PublicKeysRateLimit,
                http =>
                    RateLimitPartition.GetFixedWindowLimiter(
                        CredentialLimits.AddressKey(http.Connection.RemoteIpAddress),
                        _ => new FixedWindowRateLimiterOptions
                        {
                            PermitLimit = keysPerMinute,
                            Window = TimeSpan.FromMinutes(1),
                            QueueLimit = 0,
                        }
                    )
            );
        });
        services.AddSingleton(SignInThrottle.Settings.From(configuration));
        services.AddScoped<SignInThrottle>();
        services.AddSingleton<UnknownUserPassword>();

        services.AddSingleton(AccessPolicy.From(configuration));
        // Role changes, sign-outs and lockouts take effect at once: CurrentAccess checks every principal, AccessChanges
        // tells every node; the sign-in cookie's own security stamp check runs as often as CurrentAccess's cache expires.
        services.AddSingleton(sessions);
        services.AddSingleton<CurrentAccess>();
        services.AddSingleton<ValidatedTokenCache>();
        services.AddSingleton<AccessChanges>();
        services.AddHostedService(provider => provider.GetRequiredService<AccessChanges>());
        services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = sessions.AccessCacheDuration);
        services.AddSingleton<SessionActivity>();
        services.AddSingleton<UiSessions>();
        services.AddSingleton<Governance.Ui.Desks.ISessionGuard>(provider => provider.GetRequiredService<UiSessions>());
        services.AddSingleton<Governance.Ui.Desks.IAccountDirectory, IdentityAccountDirectory>();
        services.AddScoped<Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider, UiAuthenticationState>();
        services.AddScoped<Microsoft.AspNetCore.Components.Server.Circuits.CircuitHandler, SessionCircuitActivity>();

        services.AddScoped<Accounts>();
        services.AddScoped<PeopleDirectory>();
        services.AddSingleton<IPeopleDirectory, IdentityPeopleDirectory>();
        services.AddSingleton<SecurityLogWriter>();
        // First of all hosted services: Data Protection's own (added by authentication and antiforgery) reads the key ring
        // from identity.data_protection_keys at start, which must exist by then.
        services.Insert(0, ServiceDescriptor.Singleton<IHostedService, IdentitySchema>());
        return builder;
    }

    /// <summary>Creates the identity schema and roles before the host serves requests.</summary>
    private sealed class IdentitySchema(IServiceProvider services) : IHostedService
    {
        public Task StartAsync(CancellationToken ct)
        {
            // The placeholder hash is made now, so that the first sign-in with an unknown user name costs what any other does.
            services.GetRequiredService<UnknownUserPassword>();
            return IdentityDb.EnsureSchemaAsync(services, ct);
        }

        public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
    }
}
