using System.Text.Json;
using Governance.Domain.Shared;
using Governance.Ledger.EvidencePacks;
using Governance.Ledger.Telemetry;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Governance.Api.Hosting;

/// <summary>
/// Turns refusals into RFC 9457 problem details: 400 naming the bad field, 403 for segregation of duties, 404, 409 for
/// state and concurrency conflicts (the ledger's writer maps Marten's own). A client's mistake is never a 500.
/// </summary>
public sealed class Problems(IProblemDetailsService problemDetails) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        var problem = exception switch
        {
            GovernanceRuleException rule => Counted(rule),
            _ when LedgerUnavailable(exception) => Unavailable(http),
            RenderBudgetExceededException over => OverBudget(http, over),
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => RequestGuards.TooLarge(
                http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize
                    ?? RequestGuards.MaxBodyBytes
            ),
            BadHttpRequestException { InnerException: AntiforgeryValidationException } => RequestGuards.AntiforgeryRefused(),
            BadHttpRequestException bad => Create(
                StatusCodes.Status400BadRequest,
                "invalid_request",
                "The request could not be read",
                DescribeBadRequest(bad)
            ),
            _ => null,
        };
        if (problem is null)
            return false;
        http.Response.StatusCode = problem.Status!.Value;
        return await problemDetails.TryWriteAsync(
            new ProblemDetailsContext
            {
                HttpContext = http,
                ProblemDetails = problem,
                Exception = exception,
            }
        );
    }

    /// <summary>Seconds a client should wait before retrying while the database is unreachable.</summary>
    public const int RetryAfterSeconds = 5;

    /// <summary>
    /// True when the database could not be reached or went away (connection refused or broken, server shutting down), or
    /// an append stayed in flight past the safe-position reader's lock timeout (55P03): the server's problem, answered 503
    /// with <c>Retry-After</c>, never a client's 500. Marten wraps Npgsql's exceptions.
    /// </summary>
    public static bool LedgerUnavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
            if (
                e is Npgsql.NpgsqlException { IsTransient: true }
                || e is Npgsql.PostgresException { SqlState: ['5', '7', 'P', ..] or ['0', '8', ..] or "55P03" }
                || e is System.Net.Sockets.SocketException
            )
                return true;
        return false;
    }

    private static ProblemDetails Unavailable(HttpContext http)
    {
        http.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Create(
            StatusCodes.Status503ServiceUnavailable,
            "ledger.unavailable",
            "The ledger's database is unreachable",
            $"Nothing was recorded. Retry after {RetryAfterSeconds} seconds (an Idempotency-Key makes the retry safe)."
        );
    }

    /// <summary>Seconds a client should wait before asking again for a pack that did not render within its budget: long
    /// enough for a busy server to drain, since an immediate retry would only add to the load.</summary>
    public const int RenderRetryAfterSeconds = 30;

    private static ProblemDetails OverBudget(HttpContext http, RenderBudgetExceededException over)
    {
        http.Response.Headers.RetryAfter = RenderRetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Create(
            StatusCodes.Status503ServiceUnavailable,
            "evidence_pack.render_budget_exceeded",
            "The evidence pack did not render in time",
            $"{over.Message} Retry after {RenderRetryAfterSeconds} seconds."
        );
    }

    private static ProblemDetails Counted(GovernanceRuleException rule)
    {
        LedgerTelemetry.Refused(rule, "api");
        return FromRule(rule);
    }

    public static ProblemDetails FromRule(GovernanceRuleException rule)
    {
        var (status, title) = rule.Kind switch
        {
            RuleKind.InvalidInput => (StatusCodes.Status400BadRequest, "The request has invalid fields"),
            RuleKind.Forbidden when rule.Code.StartsWith("segregation_of_duties", StringComparison.Ordinal) => (
                StatusCodes.Status403Forbidden,
                "Segregation of duties forbids this"
            ),
            RuleKind.Forbidden => (StatusCodes.Status403Forbidden, "Not permitted"),
            RuleKind.NotFound => (StatusCodes.Status404NotFound, "Not found"),
            _ => (StatusCodes.Status409Conflict, "The ledger's current state does not allow this"),
        };
        var problem = Create(status, rule.Code, title, rule.Message);
        if (rule.FieldErrors.Count > 0)
            problem.Extensions["errors"] = rule.FieldErrors;
        return problem;
    }

    /// <summary>
    /// The 409 of a refusal the ledger records as evidence (<c>deployment.refused</c>, <c>load.unapproved</c>): the
    /// reasons' messages as the detail, the reasons themselves, and <c>recorded: true</c>.
    /// </summary>
    public static ProblemDetails RecordedRefusal(string code, string title, IReadOnlyList<Domain.Deployments.DenialReason> reasons)
    {
        var problem = Create(StatusCodes.Status409Conflict, code, title, string.Join(" ", reasons.Select(r => r.Message)));
        problem.Extensions["reasons"] = reasons;
        problem.Extensions["recorded"] = true;
        return problem;
    }

    public static ProblemDetails Create(int status, string code, string title, string detail)
    {
        var problem = new ProblemDetails
        {
            Status = status,
            Title = title,
            Detail = detail,
            Type = $"urn:governance:problem:{code}",
        };
        problem.Extensions["code"] = code;
        return problem;
    }

    private static string DescribeBadRequest(BadHttpRequestException bad) =>
        bad.InnerException switch
        {
            // System.Text.Json says "could not be mapped" for a field the request type does not have (UnmappedMemberHandling).
            JsonException json when json.Message.Contains("could not be mapped", StringComparison.Ordinal) =>
                $"The JSON body has a field this endpoint does not take: {json.Path ?? "$"}.",
            JsonException json => $"The JSON body is malformed or has a value of the wrong type at {json.Path ?? "$"}.",
            _ => bad.Message,
        };
}

/// <summary>Refusals that must happen before model binding, which would otherwise turn them into a 500.</summary>
public static class RequestGuards
{
    /// <summary>The largest request body any endpoint reads: 4 MiB (a dataset manifest of 10,000 files fits); Kestrel's own
    /// limit.</summary>
    public const long MaxBodyBytes = 4 << 20;

    /// <summary>The body limit of an API endpoint that declares none: 64 KiB, ample for every command of bounded fields.</summary>
    public const long DefaultApiBodyBytes = 64 << 10;

    /// <summary>Declares an endpoint's largest request body in bytes (docs/limits.md lists each).</summary>
    public static TBuilder WithBodyLimit<TBuilder>(this TBuilder builder, long bytes)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new BodyLimit(bytes));

    /// <summary>
    /// A body over the endpoint's limit (its <see cref="BodyLimit"/>; <see cref="DefaultApiBodyBytes"/> under <c>/api</c>,
    /// else <see cref="MaxBodyBytes"/>) is refused with 413 (<c>request.too_large</c>): at once when Content-Length says so,
    /// or when a chunked body reaches it. Runs after routing, so the endpoint is known.
    /// </summary>
    public static IApplicationBuilder UseBodySizeLimit(this IApplicationBuilder app) =>
        app.Use(
            async (http, next) =>
            {
                var limit =
                    http.GetEndpoint()?.Metadata.GetMetadata<BodyLimit>()?.MaxRequestBodySize
                    ?? (http.Request.Path.StartsWithSegments("/api") ? DefaultApiBodyBytes : MaxBodyBytes);
                if (http.Request.ContentLength > limit)
                {
                    await Results.Problem(TooLarge(limit)).ExecuteAsync(http);
                    return;
                }
                if (http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } max)
                    max.MaxRequestBodySize = limit;
                await next(http);
                // A chunked body that reaches the limit fails while the endpoint binds it, which answers a bare 413 (status
                // code pages would write a problem without our code): answer request.too_large, as for a declared length.
                if (http.Response.StatusCode == StatusCodes.Status413PayloadTooLarge && !http.Response.HasStarted)
                    await Results.Problem(TooLarge(limit)).ExecuteAsync(http);
            }
        );

    /// <summary>An endpoint's request body limit in bytes, read by <see cref="UseBodySizeLimit"/>.</summary>
    public sealed record BodyLimit(long? MaxRequestBodySize) : Microsoft.AspNetCore.Http.Metadata.IRequestSizeLimitMetadata;

    /// <summary>The 413 <c>request.too_large</c> problem, naming the endpoint's limit of <paramref name="limit"/> bytes.</summary>
    public static ProblemDetails TooLarge(long limit) =>
        Problems.Create(
            StatusCodes.Status413PayloadTooLarge,
            "request.too_large",
            "The request body is too large",
            $"This endpoint takes request bodies of at most {limit} bytes ({limit / 1024} KiB); see docs/limits.md."
        );

    /// <summary>The 400 <c>antiforgery.invalid</c> problem: a cookie-authenticated form was posted without the antiforgery token of
    /// a page this host rendered for the same browser (a cross-site request forgery, or a page kept open across a new session).
    /// </summary>
    public static ProblemDetails AntiforgeryRefused()
    {
        var problem = Problems.Create(
            StatusCodes.Status400BadRequest,
            "antiforgery.invalid",
            "The form's antiforgery token is missing or not valid",
            "Nothing was done. Reload the page and submit its form again."
        );
        problem.Extensions["errors"] = new Dictionary<string, string[]>
        {
            ["__RequestVerificationToken"] = ["must be the token of a form this host rendered for this browser"],
        };
        return problem;
    }

    /// <summary>
    /// Requires ASP.NET Core's antiforgery token (synchronizer token, OWASP ASVS 4.0.3 V4.2.2) on a cookie-authenticated form post
    /// that binds no form field itself (a form-bound handler is checked by the framework when it binds): the
    /// <c>UseAntiforgery</c> middleware validates it, and a request it did not find valid is refused with
    /// <see cref="AntiforgeryRefused"/> before the handler runs, so nothing is done.
    /// </summary>
    public static RouteHandlerBuilder RequireAntiforgeryToken(this RouteHandlerBuilder builder) =>
        builder
            .WithMetadata(new RequireAntiforgeryTokenAttribute())
            .AddEndpointFilter(
                async (context, next) =>
                    context.HttpContext.Features.Get<IAntiforgeryValidationFeature>() is { IsValid: true }
                        ? await next(context)
                        : Results.Problem(AntiforgeryRefused())
            );

    /// <summary>
    /// A body declared in a charset .NET cannot decode (<c>application/json; charset=foo</c>) is refused with 415 and the
    /// code <c>unsupported_charset</c>, naming the charset; nothing is read or written.
    /// </summary>
    public static IApplicationBuilder UseKnownCharsets(this IApplicationBuilder app) =>
        app.Use(
            async (http, next) =>
            {
                if (
                    Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var type)
                    && type.Charset.HasValue
                    && !IsKnown(type.Charset.Value!.Trim('"'))
                )
                {
                    var problem = Problems.Create(
                        StatusCodes.Status415UnsupportedMediaType,
                        "unsupported_charset",
                        "The request's charset is not supported",
                        $"The body is declared as charset '{type.Charset.Value}', which cannot be decoded; send UTF-8 (charset=utf-8)."
                    );
                    await Results.Problem(problem).ExecuteAsync(http);
                    return;
                }
                await next(http);
            }
        );

    /// <summary>
    /// A form posted to the OpenID Connect endpoints or the sign-in form with a field given twice (<c>a=1&amp;a=2</c>) is
    /// refused with 400 (<c>invalid_request</c>) naming the field: which value counts must never be ambiguous.
    /// </summary>
    public static IApplicationBuilder UseSingleValuedForms(this IApplicationBuilder app) =>
        app.Use(
            async (http, next) =>
            {
                if (IsCredentialForm(http))
                {
                    var form = await http.Request.ReadFormAsync(http.RequestAborted);
                    if (form.FirstOrDefault(f => f.Value.Count > 1) is { Key: { } repeated })
                    {
                        var problem = Problems.Create(
                            StatusCodes.Status400BadRequest,
                            "invalid_request",
                            "A form field is repeated",
                            $"The field '{repeated}' is given more than once; send each field once."
                        );
                        problem.Extensions["errors"] = new Dictionary<string, string[]> { [repeated] = ["must be given once"] };
                        await Results.Problem(problem).ExecuteAsync(http);
                        return;
                    }
                }
                await next(http);
            }
        );

    private static bool IsCredentialPath(HttpContext http) =>
        http.Request.Path.StartsWithSegments("/connect") || http.Request.Path.StartsWithSegments("/account");

    private static bool IsCredentialForm(HttpContext http) =>
        HttpMethods.IsPost(http.Request.Method) && IsCredentialPath(http) && http.Request.HasFormContentType;

    /// <summary>
    /// The longest value, in characters, of each field of the OpenID Connect endpoints and the sign-in form, in a query or a
    /// posted form: no credential is longer, so a longer value is an attack or a mistake and is refused before anything reads,
    /// stores or logs it. Fields not listed take <see cref="DefaultCredentialFieldLength"/>. docs/limits.md lists them.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, int> CredentialFieldLengths = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["userName"] = 256,
        ["password"] = 256,
        ["returnUrl"] = 8192,
        ["client_id"] = 100,
        ["client_secret"] = 256,
        ["grant_type"] = 100,
        ["scope"] = 1000,
        ["code"] = 8192,
        ["device_code"] = 8192,
        ["refresh_token"] = 8192,
        ["user_code"] = 64,
        ["code_challenge"] = 128,
        ["code_challenge_method"] = 16,
        // RFC 7636 section 4.1: 43 to 128 characters.
        ["code_verifier"] = 128,
        ["redirect_uri"] = 2048,
        ["__RequestVerificationToken"] = 1024,
    };

    /// <summary>The longest value of a field <see cref="CredentialFieldLengths"/> does not list (e.g. <c>state</c>,
    /// <c>nonce</c>).</summary>
    public const int DefaultCredentialFieldLength = 4096;

    /// <summary>The longest <c>Authorization</c> header on those endpoints (HTTP Basic client credentials: an id and a secret within
    /// their limits, form-encoded, then base64).</summary>
    public const int MaxCredentialHeaderLength = 2048;

    /// <summary>
    /// Refuses a request to <c>/connect/*</c> or <c>/account/*</c> whose query or posted form has a value longer than its limit
    /// (<see cref="CredentialFieldLengths"/>), or whose Authorization header is longer than
    /// <see cref="MaxCredentialHeaderLength"/>, with 400 <c>invalid_input</c> naming each such field and its limit: nothing runs,
    /// so an oversized user name never reaches the password hasher or the security log.
    /// </summary>
    public static IApplicationBuilder UseCredentialFieldLimits(this IApplicationBuilder app) =>
        app.Use(
            async (http, next) =>
            {
                if (IsCredentialPath(http))
                {
                    var fields = http.Request.Query.AsEnumerable();
                    if (IsCredentialForm(http))
                        fields = fields.Concat(await http.Request.ReadFormAsync(http.RequestAborted));
                    var errors = new Dictionary<string, string[]>();
                    foreach (var (name, values) in fields)
                    {
                        var limit = CredentialFieldLengths.GetValueOrDefault(name, DefaultCredentialFieldLength);
                        if (values.Any(v => v?.Length > limit))
                            errors[name.Length > 100 ? name[..100] : name] = [$"must be at most {limit} characters"];
                    }
                    if (http.Request.Headers.Authorization.ToString().Length > MaxCredentialHeaderLength)
                        errors["Authorization"] = [$"must be at most {MaxCredentialHeaderLength} characters"];
                    if (errors.Count > 0)
                    {
                        var problem = Problems.Create(
                            StatusCodes.Status400BadRequest,
                            "invalid_input",
                            "A credential field is too long",
                            $"Too long: {string.Join(", ", errors.Keys)}. Nothing was done; see docs/limits.md."
                        );
                        problem.Extensions["errors"] = errors;
                        await Results.Problem(problem).ExecuteAsync(http);
                        return;
                    }
                }
                await next(http);
            }
        );

    /// <summary>
    /// An <c>If-Match</c> that is not <c>*</c> or a list of entity tags (RFC 9110 §13.1.1) is refused with 400 on every API
    /// endpoint, including those that take no version: a precondition the server cannot read must not be ignored.
    /// </summary>
    public static IApplicationBuilder UseWellFormedPreconditions(this IApplicationBuilder app) =>
        app.Use(
            async (http, next) =>
            {
                if (
                    http.Request.Path.StartsWithSegments("/api")
                    && http.Request.Headers.IfMatch is { Count: > 0 } ifMatch
                    && !(
                        ifMatch is [var single] && single!.Trim() == "*"
                        || Microsoft.Net.Http.Headers.EntityTagHeaderValue.TryParseStrictList(ifMatch, out _)
                    )
                )
                {
                    var problem = Problems.Create(
                        StatusCodes.Status400BadRequest,
                        "invalid_input",
                        "If-Match is malformed",
                        "If-Match must be * or entity tags as returned in an ETag, e.g. \"3\"."
                    );
                    problem.Extensions["errors"] = new Dictionary<string, string[]>
                    {
                        ["If-Match"] = ["must be an entity tag, e.g. \"3\""],
                    };
                    await Results.Problem(problem).ExecuteAsync(http);
                    return;
                }
                await next(http);
            }
        );

    private static bool IsKnown(string charset)
    {
        try
        {
            System.Text.Encoding.GetEncoding(charset);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
