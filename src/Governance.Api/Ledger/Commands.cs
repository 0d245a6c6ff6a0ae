using System.Security.Cryptography;
using System.Text.Json;
using Governance.Api.Hosting;
using Governance.Domain.Shared;
using Marten;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Governance.Api.Ledger;

/// <summary>What a command answers: status, body and, for a created record, where it lives.</summary>
public sealed record CommandAnswer(int StatusCode, object Body, string? Location = null);

/// <summary>A stored answer to a request made with an Idempotency-Key, written in the same transaction as its events.</summary>
public sealed record IdempotentResponse(
    string Id,
    string Fingerprint,
    int StatusCode,
    string BodyJson,
    string? Location,
    string ETag,
    DateTimeOffset RecordedAt
);

/// <summary>
/// Runs a command end to end for an HTTP request: replays a stored answer for a repeated Idempotency-Key, honours
/// If-Match as the expected stream version, decides, stores events and the idempotent answer atomically, and answers
/// with the stream version as ETag. Refusals (exceptions) write nothing and become problem details in <see cref="Problems"/>.
/// </summary>
public sealed class Commands(IDocumentSession session, TimeProvider clock, IOptions<JsonOptions> json)
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    public IDocumentSession Session => session;

    public async Task<IResult> Execute<TState>(
        HttpContext http,
        string streamKey,
        Func<TState?, CommandContext, IReadOnlyList<object>> decide,
        Func<TState?, object, TState?> evolve,
        Func<Decided<TState>, CommandAnswer> answer,
        Func<Decided<TState>, IReadOnlyList<object>>? followUp = null
    )
        where TState : class
    {
        var ct = http.RequestAborted;
        var (key, fingerprint) = await IdempotencyOf(http);
        if (key is not null)
        {
            var stored = await session.LoadAsync<IdempotentResponse>(key, ct);
            if (stored is not null)
                return Replay(stored, fingerprint!);
        }

        var context = new CommandContext(http.Actor(), clock.GetUtcNow(), http.CorrelationId());
        session.CorrelationId = context.CorrelationId;
        var decided = await session.DecideAsync(streamKey, ExpectedVersion(http), state => decide(state, context), evolve, ct, followUp);
        var result = answer(decided);
        var etag = $"\"{decided.Version}\"";
        if (key is not null)
            session.Insert(
                new IdempotentResponse(
                    key,
                    fingerprint!,
                    result.StatusCode,
                    JsonSerializer.Serialize(result.Body, json.Value.SerializerOptions),
                    result.Location,
                    etag,
                    context.Now
                )
            );
        await session.SaveChangesAsync(ct);
        return new Answered(
            result.StatusCode,
            JsonSerializer.Serialize(result.Body, json.Value.SerializerOptions),
            result.Location,
            etag,
            Replayed: false
        );
    }

    /// <summary>If-Match carries the stream version the caller read (the ETag of a GET); absent, Marten still refuses a racing write.</summary>
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
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes($"{http.Request.Method} {http.Request.Path}{http.Request.QueryString}\n"));
        var buffer = new byte[8192];
        int read;
        while ((read = await http.Request.Body.ReadAsync(buffer, http.RequestAborted)) > 0)
            hash.AppendData(buffer, 0, read);
        // Keys are per caller, so one client's key never answers for another.
        return ($"{http.Actor().SubjectId}|{key}", Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    private static IResult Replay(IdempotentResponse stored, string fingerprint) =>
        stored.Fingerprint == fingerprint
            ? new Answered(stored.StatusCode, stored.BodyJson, stored.Location, stored.ETag, Replayed: true)
            : throw new GovernanceRuleException(
                RuleKind.Conflict,
                "idempotency.key_reused",
                "This Idempotency-Key was already used for a different request; use a new key for a new request."
            );

    private sealed record Answered(int StatusCode, string BodyJson, string? Location, string ETag, bool Replayed) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            http.Response.StatusCode = StatusCode;
            http.Response.Headers.ETag = ETag;
            if (Location is not null)
                http.Response.Headers.Location = Location;
            if (Replayed)
                http.Response.Headers["Idempotent-Replayed"] = "true";
            http.Response.ContentType = StatusCode >= 400 ? "application/problem+json" : "application/json; charset=utf-8";
            return http.Response.WriteAsync(BodyJson);
        }
    }

    public static Microsoft.AspNetCore.Mvc.ProblemDetails Problem(int status, string code, string title, string detail) =>
        Problems.Create(status, code, title, detail);
}

public static class IdempotencyBuffering
{
    /// <summary>Buffers request bodies that carry an Idempotency-Key, so their fingerprint can be taken after binding.</summary>
    public static IApplicationBuilder UseIdempotencyBuffering(this IApplicationBuilder app) =>
        app.Use(
            (http, next) =>
            {
                if (http.Request.Headers.ContainsKey(Commands.IdempotencyKeyHeader))
                    http.Request.EnableBuffering();
                return next(http);
            }
        );
}
