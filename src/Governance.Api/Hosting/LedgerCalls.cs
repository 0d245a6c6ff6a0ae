using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Governance.Domain.Shared;
using Governance.Ledger;
using Governance.Ledger.Writing;

namespace Governance.Api.Hosting;

/// <summary>A command's HTTP answer: status, JSON body and, for a created record, its location.</summary>
public sealed record HttpAnswer(int Status, string BodyJson, string? Location = null);

/// <summary>
/// How an HTTP request becomes a ledger call and a written command becomes an HTTP answer: the caller from the
/// authenticated principal, <c>X-Correlation-Id</c>, <c>If-Match</c> as the expected stream version, <c>Idempotency-Key</c>
/// with a fingerprint of the request; the stream version as the ETag.
/// </summary>
public static class LedgerCalls
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>The ledger call this request makes.</summary>
    /// <exception cref="GovernanceRuleException">Invalid <c>If-Match</c> or <c>Idempotency-Key</c>.</exception>
    public static async Task<CommandCall> CallAsync(this HttpContext http)
    {
        var (key, fingerprint) = await IdempotencyOf(http);
        return new CommandCall(http.Caller(), http.CorrelationId(), ExpectedVersion(http), key, fingerprint);
    }

    /// <summary>The authenticated principal as the ledger's caller (<see cref="Ledger.Writing.Caller.FromToken"/>): namespaced
    /// subject, every role held, client id.</summary>
    public static Caller Caller(this HttpContext http) => CallerOf(http.User);

    /// <summary>The principal as the ledger's caller; see <see cref="Caller(HttpContext)"/>.</summary>
    public static Caller CallerOf(ClaimsPrincipal user)
    {
        var subject =
            user.FindFirstValue("sub")
            ?? user.FindFirstValue(ClaimTypes.NameIdentifier)
            ?? throw new InvalidOperationException("The authenticated principal has no subject.");
        var client = user.FindFirstValue("client_id") ?? user.FindFirstValue("azp");
        return Ledger.Writing.Caller.FromToken(subject, client, Roles.All.Where(user.IsInRole).ToArray());
    }

    public static HttpAnswer Answer(int status, object body) => new(status, Json(body));

    public static HttpAnswer Ok(object body) => new(StatusCodes.Status200OK, Json(body));

    public static HttpAnswer Created(object body, string location) => new(StatusCodes.Status201Created, Json(body), location);

    /// <summary>
    /// The HTTP answer to a written (or replayed) command, with the stream version as ETag and <c>Idempotent-Replayed: true</c>
    /// on a replay; a replay maps the stored result the same way, so it answers exactly as the first time.
    /// </summary>
    public static IResult ToResult<TResult>(this Written<TResult> written, Func<TResult, HttpAnswer> answer) =>
        new Answered(answer(written.Result), $"\"{written.Version}\"", written.Replayed);

    private static string Json(object body) => JsonSerializer.Serialize(body, body.GetType(), LedgerJson.Options);

    /// <summary>If-Match carries the stream version the caller read (the ETag of a GET); absent, a racing write still loses.</summary>
    private static long? ExpectedVersion(HttpContext http)
    {
        var ifMatch = http.Request.Headers.IfMatch.ToString();
        if (ifMatch.Length == 0)
            return null;
        return long.TryParse(ifMatch.Trim().Trim('"').Replace("W/", ""), out var version) && version >= 0
            ? version
            : throw GovernanceRuleException.InvalidField("If-Match", "must be the record's version as returned in its ETag, e.g. \"3\"");
    }

    private static async Task<(string? Key, string? Fingerprint)> IdempotencyOf(HttpContext http)
    {
        var key = http.Request.Headers[IdempotencyKeyHeader].ToString();
        if (key.Length == 0)
            return (null, null);
        if (key.Length > 200)
            throw GovernanceRuleException.InvalidField(IdempotencyKeyHeader, "must be at most 200 characters");

        // The body was buffered by UseIdempotencyBuffering, so it can be read again after model binding.
        http.Request.Body.Position = 0;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{http.Request.Method} {http.Request.Path}{http.Request.QueryString}\n"));
        var buffer = new byte[8192];
        int read;
        while ((read = await http.Request.Body.ReadAsync(buffer, http.RequestAborted)) > 0)
            hash.AppendData(buffer, 0, read);
        return (key, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    /// <summary>Buffers request bodies that carry an Idempotency-Key, so their fingerprint can be taken after binding.</summary>
    public static IApplicationBuilder UseIdempotencyBuffering(this IApplicationBuilder app) =>
        app.Use(
            (http, next) =>
            {
                if (http.Request.Headers.ContainsKey(IdempotencyKeyHeader))
                    http.Request.EnableBuffering();
                return next(http);
            }
        );

    private sealed record Answered(HttpAnswer Answer, string ETag, bool Replayed) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            http.Response.StatusCode = Answer.Status;
            http.Response.Headers.ETag = ETag;
            if (Answer.Location is not null)
                http.Response.Headers.Location = Answer.Location;
            if (Replayed)
                http.Response.Headers["Idempotent-Replayed"] = "true";
            http.Response.ContentType = Answer.Status >= 400 ? "application/problem+json" : "application/json; charset=utf-8";
            return http.Response.WriteAsync(Answer.BodyJson);
        }
    }
}
