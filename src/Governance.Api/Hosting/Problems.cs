using System.Text.Json;
using Governance.Domain.Shared;
using Governance.Ledger.EvidencePacks;
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
            GovernanceRuleException rule => FromRule(rule),
            _ when LedgerUnavailable(exception) => Unavailable(http),
            RenderBudgetExceededException over => OverBudget(http, over),
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => RequestGuards.TooLarge(
                http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize
                    ?? RequestGuards.MaxBodyBytes
            ),
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
                if (
                    HttpMethods.IsPost(http.Request.Method)
                    && (http.Request.Path.StartsWithSegments("/connect") || http.Request.Path.StartsWithSegments("/account"))
                    && http.Request.HasFormContentType
                )
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
