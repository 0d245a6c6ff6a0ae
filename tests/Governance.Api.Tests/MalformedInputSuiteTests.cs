using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Governance.Api.Hosting;
using Governance.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;

namespace Governance.Api.Tests;

/// <summary>
/// Hostile variants of every write endpoint, generated from the host's own OpenAPI document so that a new endpoint is covered
/// without editing this test (issue 10). Each request must get no 5xx, and a refused one must store no event, except the
/// refusals the README documents as recorded (<c>deployment.refused</c>: exactly one <c>deployment_refused</c>;
/// <c>load.unapproved</c>: exactly one <c>unapproved_load_reported</c>). Classes
/// that no endpoint may accept (wrong types, control and invisible characters, duplicate keys, ...) must be refused.
/// The seed is fixed and printed on failure; set GOVERNANCE_FUZZ_SEED to try another.
/// </summary>
public sealed class MalformedInputSuiteTests(MalformedInputSuiteTests.SuiteApp app, ITestOutputHelper output)
    : IClassFixture<MalformedInputSuiteTests.SuiteApp>
{
    /// <summary>A database of its own, so that counting events sees only this suite's requests.</summary>
    public sealed class SuiteApp : LedgerApp;

    public enum Mutation
    {
        WrongType,
        MissingField,
        ExtraField,
        ControlCharacter,
        TrailingNewline,
        InvisibleCharacter,
        DuplicateKey,
        HugeString,
        OutOfRangeNumber,
        BadDigest,
        MalformedJson,
        BadHeader,
        BadPathParameter,
    }

    /// <summary>Mutations no endpoint may accept: a 2xx for one of these is a failure too.</summary>
    private static readonly HashSet<Mutation> AlwaysRefused =
    [
        Mutation.WrongType,
        Mutation.ExtraField,
        Mutation.ControlCharacter,
        Mutation.InvisibleCharacter,
        Mutation.DuplicateKey,
        Mutation.HugeString,
        Mutation.OutOfRangeNumber,
        Mutation.BadDigest,
        Mutation.MalformedJson,
        Mutation.BadPathParameter,
    ];

    /// <summary>One generated request; <paramref name="MustRefuse"/> overrides the class's rule for header variants.</summary>
    private sealed record Case(Mutation Mutation, string What, string Path, byte[]? Body, string? ContentType, bool MustRefuse)
    {
        public Dictionary<string, string> Headers { get; } = [];
    }

    private sealed record Endpoint(string Method, string Template, JsonObject? BodySchema, IReadOnlyList<string> Roles);

    /// <summary>A model with a validated version and a pending approval: the records the path parameters name.</summary>
    private sealed record Fixture(string ModelId, string Version, string Digest, string Dataset, string ApprovalId);

    private static readonly int Seed = int.TryParse(Environment.GetEnvironmentVariable("GOVERNANCE_FUZZ_SEED"), out var s) ? s : 20261129;

    [Fact]
    public async Task Every_write_endpoint_answers_hostile_variants_without_a_5xx_and_stores_nothing_when_it_refuses()
    {
        var random = new Random(Seed);
        var openApi = JsonNode.Parse(await app.CreateClient().GetStringAsync("/openapi/v1.json"))!.AsObject();
        var endpoints = WriteEndpoints(openApi);
        Assert.True(endpoints.Count >= 19, $"expected every write endpoint, found {endpoints.Count}");

        var failures = new List<string>();
        var total = 0;
        var coverage = new List<string>();
        await using var db = new NpgsqlConnection(app.ConnectionString);
        await db.OpenAsync();
        foreach (var endpoint in endpoints)
        {
            var fixture = await NewFixture();
            var cases = Cases(endpoint, fixture, openApi, random).ToArray();
            var classes = cases.Select(c => c.Mutation).ToHashSet();
            var missing = Applicable(endpoint).Except(classes).ToArray();
            if (missing.Length > 0)
                failures.Add($"{endpoint.Method} {endpoint.Template}: no generated case for {string.Join(", ", missing)}");
            coverage.Add($"{endpoint.Method} {endpoint.Template}: {cases.Length} cases, {classes.Count} classes");
            var client = app.As(Subject(endpoint.Roles[0]), endpoint.Roles[0]);
            coverage[^1] += $"; unmutated request: {await Status(client, endpoint, fixture, openApi)}";
            foreach (var c in cases)
            {
                total++;
                if (await Send(client, endpoint, c, db) is { } failure)
                    failures.Add(failure);
            }
        }
        output.WriteLine($"{total} requests over {endpoints.Count} write endpoints, seed {Seed}");
        foreach (var line in coverage)
            output.WriteLine(line);
        Assert.True(total >= 1000, $"only {total} requests generated");
        Assert.True(
            failures.Count == 0,
            $"seed {Seed}: {failures.Count} of {total} failed:{Environment.NewLine}" + string.Join(Environment.NewLine, failures.Take(60))
        );
    }

    /// <summary>The answer to the unmutated body, for the log: a suite whose baseline is refused tests less deeply.</summary>
    private static async Task<int> Status(HttpClient client, Endpoint endpoint, Fixture fixture, JsonObject openApi)
    {
        using var request = new HttpRequestMessage(new HttpMethod(endpoint.Method), Fill(endpoint.Template, fixture, null, null));
        if (endpoint.BodySchema is not null)
            request.Content = new ByteArrayContent(Json(Baseline(endpoint.BodySchema, openApi, fixture, endpoint.Template))!)
            {
                Headers = { ContentType = new("application/json") },
            };
        using var response = await client.SendAsync(request);
        return (int)response.StatusCode;
    }

    private async Task<string?> Send(HttpClient client, Endpoint endpoint, Case c, NpgsqlConnection db)
    {
        var before = await Scalar<long>(db, "select coalesce(max(seq_id), 0) from governance.mt_events");
        using var request = new HttpRequestMessage(new HttpMethod(endpoint.Method), c.Path);
        if (c.Body is not null)
        {
            request.Content = new ByteArrayContent(c.Body);
            if (c.ContentType is not null)
                request.Content.Headers.TryAddWithoutValidation("Content-Type", c.ContentType);
        }
        foreach (var (name, value) in c.Headers)
            request.Headers.TryAddWithoutValidation(name, value);
        using var response = await client.SendAsync(request);
        var status = (int)response.StatusCode;
        var body = await response.Content.ReadAsStringAsync();
        var written = await Events(db, before);
        var what = $"{endpoint.Method} {endpoint.Template} [{c.Mutation}: {c.What}] -> {status}";
        if (status >= 500)
            return $"{what}: server error {Shorten(body)}";
        if (status is >= 200 and < 300)
            return c.MustRefuse ? $"{what}: accepted; written {string.Join(",", written)}" : null;
        if (written.Count == 0)
            return null;
        var recorded =
            status == 409
            && (
                Code(body) == "deployment.refused" && written is ["deployment_refused"]
                || Code(body) == "load.unapproved" && written is ["unapproved_load_reported"]
            );
        return recorded ? null : $"{what}: refused but wrote {string.Join(",", written)}: {Shorten(body)}";
    }

    private IEnumerable<Case> Cases(Endpoint endpoint, Fixture fixture, JsonObject openApi, Random random)
    {
        var path = Fill(endpoint.Template, fixture, null, null);
        var baseline = endpoint.BodySchema is null ? null : Baseline(endpoint.BodySchema, openApi, fixture, endpoint.Template);
        foreach (var c in HeaderCases(path, baseline))
            yield return c;
        foreach (var parameter in PathParameters(endpoint.Template))
        foreach (var (what, value) in BadPathValues(random))
            yield return new Case(
                Mutation.BadPathParameter,
                $"{parameter} = {what}",
                Fill(endpoint.Template, fixture, parameter, value),
                Json(baseline),
                "application/json",
                true
            );
        if (baseline is null || endpoint.BodySchema is null)
            yield break;
        foreach (var c in MalformedBodies(path))
            yield return c;
        yield return BodyCase(Mutation.ExtraField, "unknown field", path, WithField(baseline, "unexpectedField", "x"));
        var properties = Properties(endpoint.BodySchema, openApi);
        foreach (var (name, schema) in properties)
        {
            var types = Types(schema, openApi);
            foreach (var wrong in WrongValues(types))
                yield return BodyCase(Mutation.WrongType, $"{name} = {wrong?.ToJsonString()}", path, WithField(baseline, name, wrong));
            if (Required(endpoint.BodySchema, openApi).Contains(name))
                yield return BodyCase(Mutation.MissingField, name, path, Without(baseline, name), mustRefuse: false);
            yield return DuplicateKey(path, baseline, name, capitalised: false);
            yield return DuplicateKey(path, baseline, name, capitalised: true);
            foreach (var c in StringCases(path, baseline, name, schema, types, openApi, random))
                yield return c;
            foreach (var c in NumberCases(path, baseline, name, types))
                yield return c;
        }
    }

    private static IEnumerable<Mutation> Applicable(Endpoint endpoint)
    {
        yield return Mutation.BadHeader;
        if (PathParameters(endpoint.Template).Any())
            yield return Mutation.BadPathParameter;
        if (endpoint.BodySchema is null)
            yield break;
        yield return Mutation.WrongType;
        yield return Mutation.ExtraField;
        yield return Mutation.DuplicateKey;
        yield return Mutation.MalformedJson;
        yield return Mutation.ControlCharacter;
        yield return Mutation.TrailingNewline;
        yield return Mutation.InvisibleCharacter;
        yield return Mutation.HugeString;
    }

    private static IEnumerable<Case> HeaderCases(string path, JsonObject? baseline)
    {
        var body = Json(baseline);
        var refuseWithBody = baseline is not null;
        // Only a malformed If-Match must be refused everywhere; a well-formed tag is refused where the endpoint reads versions.
        foreach (var ifMatch in new[] { "abc", "\"-1\"", "\"99999999999999999999\"", "W/\"1\"", "\"1\", \"2\"", "\"\"" })
            yield return WithHeader(
                new Case(Mutation.BadHeader, $"If-Match {ifMatch}", path, body, "application/json", ifMatch == "abc"),
                "If-Match",
                ifMatch
            );
        foreach (var key in new[] { "", new string('k', 300), "key with spaces", "ключ" })
            yield return WithHeader(
                new Case(Mutation.BadHeader, $"Idempotency-Key of {key.Length} chars", path, body, "application/json", false),
                "Idempotency-Key",
                key
            );
        foreach (var type in new[] { "text/plain", "application/json; charset=foo", "application/xml", "multipart/form-data" })
            yield return new Case(Mutation.BadHeader, $"Content-Type {type}", path, body, type, refuseWithBody);
        yield return new Case(Mutation.BadHeader, "no Content-Type", path, body, null, refuseWithBody);
    }

    private static Case WithHeader(Case c, string name, string value)
    {
        c.Headers[name] = value;
        return c;
    }

    private static IEnumerable<(string What, string Value)> BadPathValues(Random random) =>
        [
            ("trailing newline", "x%0A"),
            // %00 itself: Kestrel refuses it with 400 before routing, and the test server cannot send it.
            ("control character", "x%07y"),
            ("bidi override", "%E2%80%AEx"),
            ("zero-width space", "x%E2%80%8By"),
            ("over-long", new string('p', 2000 + random.Next(1000))),
            ("dot segment", "..%2Fx"),
        ];

    private static IEnumerable<Case> MalformedBodies(string path)
    {
        var bodies = new (string What, byte[] Bytes)[]
        {
            ("empty", []),
            ("truncated", "{\"a\":"u8.ToArray()),
            ("null", "null"u8.ToArray()),
            ("array", "[]"u8.ToArray()),
            ("string", "\"text\""u8.ToArray()),
            ("trailing garbage", "{}x"u8.ToArray()),
            ("invalid UTF-8", [(byte)'{', (byte)'"', 0xff, 0xfe, (byte)'"', (byte)':', (byte)'1', (byte)'}']),
            ("nested 10,000 deep", Encoding.ASCII.GetBytes(new string('[', 10_000) + new string(']', 10_000))),
            ("comment", "{/* c */}"u8.ToArray()),
            ("single quotes", "{'a':1}"u8.ToArray()),
        };
        return bodies.Select(b => new Case(Mutation.MalformedJson, b.What, path, b.Bytes, "application/json", true));
    }

    private static Case DuplicateKey(string path, JsonObject baseline, string name, bool capitalised)
    {
        // Raw text: a JSON object model cannot hold the same key twice. The second value differs from the first.
        var first = baseline[name]?.ToJsonString() ?? "null";
        var key = capitalised ? char.ToUpperInvariant(name[0]) + name[1..] : name;
        var text = baseline.ToJsonString().TrimEnd('}') + $",\"{key}\":{(first == "null" ? "\"x\"" : "null")}}}";
        if (baseline.Count == 0)
            text = $"{{\"{name}\":{first},\"{key}\":null}}";
        return new Case(Mutation.DuplicateKey, $"{key} twice", path, Encoding.UTF8.GetBytes(text), "application/json", true);
    }

    private static IEnumerable<Case> StringCases(
        string path,
        JsonObject baseline,
        string name,
        JsonObject schema,
        IReadOnlySet<string> types,
        JsonObject openApi,
        Random random
    )
    {
        // Strings inside a list are mutated in its first item.
        Func<JsonNode?, JsonObject>? put =
            types.Contains("string") && !IsEnum(schema, openApi) ? value => WithField(baseline, name, value)
            : types.Contains("array")
            && Items(schema, openApi) is { } items
            && Types(items, openApi).Contains("string")
            && !IsEnum(items, openApi)
                ? value => WithField(baseline, name, new JsonArray(value))
            : null;
        if (put is null)
            yield break;
        var plain =
            baseline[name] is JsonValue v && v.TryGetValue<string>(out var text) ? text
            : baseline[name] is JsonArray { Count: > 0 } a && a[0] is JsonValue first && first.TryGetValue<string>(out var item) ? item
            : "value";
        char[] controls = ['\u0000', '\u0001', '\u0007', '\u001b', '\u007f', '\u0085'];
        var control = controls[random.Next(controls.Length)];
        yield return BodyCase(Mutation.ControlCharacter, $"{name} with U+{(int)control:X4}", path, put(plain + control + "x"));
        yield return BodyCase(Mutation.ControlCharacter, $"{name} with NUL", path, put(plain + "\u0000"));
        yield return BodyCase(Mutation.TrailingNewline, name, path, put(plain + "\n"), mustRefuse: false);
        yield return BodyCase(Mutation.InvisibleCharacter, $"{name} with a bidi override", path, put("\u202E" + plain));
        yield return BodyCase(Mutation.InvisibleCharacter, $"{name} with a bidi isolate", path, put(plain + "\u2066x"));
        yield return BodyCase(Mutation.InvisibleCharacter, $"{name} with a zero-width space", path, put(plain + "\u200Bx"));
        yield return BodyCase(Mutation.InvisibleCharacter, $"{name} with a BOM inside", path, put(plain + "\uFEFFx"));
        yield return BodyCase(Mutation.InvisibleCharacter, $"{name} not in NFC", path, put(plain + "e\u0301"));
        // Raw: a JSON writer would replace a lone surrogate with U+FFFD, so the escape is written into the text.
        var lone = Encoding.UTF8.GetString(Json(put(plain + "__lone__"))!).Replace("__lone__", "\\ud800");
        yield return new Case(
            Mutation.InvisibleCharacter,
            $"{name} with a lone surrogate",
            path,
            Encoding.UTF8.GetBytes(lone),
            "application/json",
            true
        );
        var huge = 100_000 + random.Next(900_000);
        yield return BodyCase(Mutation.HugeString, $"{name} of {huge} chars", path, put(new string('A', huge)));
        if (name.Contains("digest", StringComparison.OrdinalIgnoreCase) || name == "sha256")
            foreach (var bad in new[] { "sha256:zz", "md5:d41d8cd98f00b204e9800998ecf8427e", "sha256:" + new string('a', 63), "" })
                yield return BodyCase(Mutation.BadDigest, $"{name} = {bad}", path, put(bad));
    }

    private static IEnumerable<Case> NumberCases(string path, JsonObject baseline, string name, IReadOnlySet<string> types)
    {
        // Raw number tokens: JsonNode cannot hold a value out of range of double, and these must reach the parser as written.
        string[] tokens =
            types.Contains("integer") ? ["9007199254740993", "-1", "1e400", "1.5", "\"NaN\"", "-9223372036854775809"]
            : types.Contains("number") ? ["1e400", "-1e400", "\"NaN\"", "\"Infinity\""]
            : [];
        foreach (var token in tokens)
        {
            var text = WithField(baseline, name, "__number__").ToJsonString().Replace("\"__number__\"", token);
            yield return new Case(
                Mutation.OutOfRangeNumber,
                $"{name} = {token}",
                path,
                Encoding.UTF8.GetBytes(text),
                "application/json",
                true
            );
        }
    }

    private static IEnumerable<JsonNode?> WrongValues(IReadOnlySet<string> types)
    {
        if (!types.Contains("object"))
            yield return new JsonObject { ["x"] = 1 };
        if (!types.Contains("array"))
            yield return new JsonArray(1, 2);
        if (!types.Contains("boolean") && !types.Contains("string"))
            yield return JsonValue.Create(true);
        if (types.Contains("array") || types.Contains("object") || types.Contains("boolean"))
            yield return JsonValue.Create("text");
    }

    private static Case BodyCase(Mutation mutation, string what, string path, JsonObject body, bool mustRefuse = true) =>
        new(
            mutation,
            what.Length > 80 ? what[..80] + "…" : what,
            path,
            Json(body),
            "application/json",
            mustRefuse && AlwaysRefused.Contains(mutation)
        );

    // --- The OpenAPI document ----------------------------------------------------------------------------------------------

    private IReadOnlyList<Endpoint> WriteEndpoints(JsonObject openApi)
    {
        var routes = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToArray();
        var endpoints = new List<Endpoint>();
        foreach (var (template, operations) in openApi["paths"]!.AsObject())
        foreach (var (method, operation) in operations!.AsObject())
        {
            if (method is not ("post" or "put" or "patch" or "delete"))
                continue;
            var verb = method.ToUpperInvariant();
            var route =
                routes.SingleOrDefault(r =>
                    Template(r) == template && r.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Contains(verb) == true
                ) ?? throw new InvalidOperationException($"{verb} {template} is in the OpenAPI document but not in the host's routes");
            var roles = route.Metadata.GetMetadata<ActingRoles>()!.Roles;
            var schema = operation!["requestBody"]?["content"]?["application/json"]?["schema"] is JsonObject s ? Resolve(s, openApi) : null;
            endpoints.Add(new Endpoint(verb, template, schema, roles));
        }
        return endpoints;
    }

    /// <summary>A route's template as OpenAPI writes it: parameters without their constraints.</summary>
    private static string Template(RouteEndpoint route) =>
        "/"
        + string.Join(
            '/',
            route.RoutePattern.PathSegments.Select(segment =>
                string.Concat(
                    segment.Parts.Select(part =>
                        part switch
                        {
                            Microsoft.AspNetCore.Routing.Patterns.RoutePatternLiteralPart literal => literal.Content,
                            Microsoft.AspNetCore.Routing.Patterns.RoutePatternParameterPart parameter => "{" + parameter.Name + "}",
                            _ => part.ToString(),
                        }
                    )
                )
            )
        );

    private static JsonObject Resolve(JsonObject schema, JsonObject openApi) =>
        schema["$ref"]?.GetValue<string>() is { } reference
            ? Resolve(openApi["components"]!["schemas"]![reference.Split('/')[^1]]!.AsObject(), openApi)
            : schema;

    private static IEnumerable<(string Name, JsonObject Schema)> Properties(JsonObject schema, JsonObject openApi) =>
        (Resolve(schema, openApi)["properties"]?.AsObject() ?? []).Select(p => (p.Key, Resolve(p.Value!.AsObject(), openApi)));

    private static IReadOnlySet<string> Required(JsonObject schema, JsonObject openApi) =>
        (Resolve(schema, openApi)["required"]?.AsArray() ?? []).Select(r => r!.GetValue<string>()).ToHashSet();

    /// <summary>The JSON types a schema admits ("type" as a string or list, or the branches of "oneOf").</summary>
    private static IReadOnlySet<string> Types(JsonObject schema, JsonObject openApi)
    {
        var resolved = Resolve(schema, openApi);
        var types = new HashSet<string>();
        switch (resolved["type"])
        {
            case JsonArray list:
                types.UnionWith(list.Select(t => t!.GetValue<string>()));
                break;
            case JsonValue one:
                types.Add(one.GetValue<string>());
                break;
        }
        foreach (var branch in resolved["oneOf"]?.AsArray() ?? [])
            types.UnionWith(Types(branch!.AsObject(), openApi));
        if (resolved["enum"] is not null)
            types.Add("string");
        if (resolved["properties"] is not null)
            types.Add("object");
        types.Remove("null");
        return types;
    }

    private static bool IsEnum(JsonObject schema, JsonObject openApi) => EnumValues(schema, openApi) is not null;

    private static JsonArray? EnumValues(JsonObject schema, JsonObject openApi)
    {
        var resolved = Resolve(schema, openApi);
        return resolved["enum"]?.AsArray()
            ?? (resolved["oneOf"]?.AsArray() ?? []).Select(b => EnumValues(b!.AsObject(), openApi)).FirstOrDefault(e => e is not null);
    }

    private static JsonObject? Items(JsonObject schema, JsonObject openApi) =>
        Resolve(schema, openApi)["items"] is JsonObject items ? Resolve(items, openApi) : null;

    /// <summary>A plausible valid body: the fixture's records for digests and names the route expects, sample values
    /// otherwise.</summary>
    private static JsonObject Baseline(JsonObject schema, JsonObject openApi, Fixture fixture, string template)
    {
        var body = new JsonObject();
        foreach (var (name, property) in Properties(schema, openApi))
            body[name] = Sample(name, property, openApi, fixture, template);
        return body;
    }

    private static JsonNode? Sample(string name, JsonObject schema, JsonObject openApi, Fixture fixture, string template)
    {
        var types = Types(schema, openApi);
        if (EnumValues(schema, openApi) is { } values)
        {
            // A low-risk model needs no EU AI Act category; otherwise the first value the enum lists.
            var named = values.OfType<JsonValue>().Select(v => v.GetValue<string>()).ToArray();
            return JsonValue.Create(named.Contains("Low") ? "Low" : named[0]);
        }
        return name switch
        {
            "artifactDigest" when template.EndsWith("/versions", StringComparison.Ordinal) => Scenario.DigestOf(Guid.NewGuid().ToString()),
            "artifactDigest" => fixture.Digest,
            "trainingDatasetDigest" or "validationDatasetDigest" => fixture.Dataset,
            "manifestDigest" => null,
            "reportDigest" or "sha256" => Scenario.DigestOf("report"),
            "modelId" => Scenario.NewId(),
            "name" when template.EndsWith("/datasets", StringComparison.Ordinal) => Scenario.NewId("ds"),
            "version" => "2.0.0",
            "environment" => "production",
            "approvalId" => fixture.ApprovalId,
            "reasonCode" => null,
            "email" => $"{Guid.NewGuid():N}@example.com",
            "password" => "Correct-Horse-9-battery",
            "userName" or "clientId" => Scenario.NewId("fz"),
            "roles" => new JsonArray("Auditor"),
            "scopes" => new JsonArray("approvals:read"),
            "euAiActCategory" => null,
            "jurisdictions" => new JsonArray("EU"),
            "artifactUri" or "reportUri" => "s3://models/fuzz/model.zip",
            "codeCommit" => "3f2c1e9",
            "metrics" => new JsonObject { ["auc"] = 0.71 },
            "hyperparameters" => new JsonObject { ["trees"] = "100" },
            _ when types.Contains("string") && schema["format"]?.GetValue<string>() == "date-time" => DateTimeOffset
                .UtcNow.AddDays(200)
                .ToString("O"),
            _ when types.Contains("boolean") => true,
            _ when types.Contains("integer") => 1000,
            _ when types.Contains("number") => 0.5,
            _ when types.Contains("array") => Items(schema, openApi) is { } items
                ? new JsonArray(Sample(name + "[]", items, openApi, fixture, template))
                : new JsonArray(),
            _ when types.Contains("object") && Resolve(schema, openApi)["properties"] is not null => Baseline(
                schema,
                openApi,
                fixture,
                template
            ),
            _ => "Fuzzed value",
        };
    }

    private static IEnumerable<string> PathParameters(string template) =>
        template.Split('/').Where(s => s.StartsWith('{')).Select(s => s.Trim('{', '}'));

    private static string Fill(string template, Fixture fixture, string? replaced, string? value)
    {
        var path = template;
        foreach (var parameter in PathParameters(template))
        {
            var actual =
                parameter == replaced
                    ? value!
                    : parameter switch
                    {
                        "modelId" => fixture.ModelId,
                        "version" => fixture.Version,
                        "approvalId" => fixture.ApprovalId,
                        // The finding the scenario's validation records.
                        "findingId" => "F-1",
                        _ => "fuzz-" + parameter.ToLowerInvariant(),
                    };
            path = path.Replace("{" + parameter + "}", actual);
        }
        return path;
    }

    // --- Helpers -----------------------------------------------------------------------------------------------------------

    private async Task<Fixture> NewFixture()
    {
        var scenario = new Scenario(app);
        var modelId = await scenario.RegisterModel(Scenario.NewId());
        var dataset = await scenario.RegisterDataset();
        var digest = await scenario.RegisterVersion(modelId, datasetDigest: dataset);
        await scenario.Validate(modelId);
        var approvalId = await scenario.RequestApproval(modelId);
        return new Fixture(modelId, "1.0.0", digest, dataset, approvalId);
    }

    /// <summary>The scenario's owner for owner endpoints (a version's owner acts on it); a distinct person otherwise.</summary>
    private static string Subject(string role) =>
        role == Domain.Shared.Roles.ModelOwner ? "owner-olivia" : $"fuzz-{role.ToLowerInvariant()}";

    private static JsonObject WithField(JsonObject body, string name, JsonNode? value)
    {
        var copy = body.DeepClone().AsObject();
        copy[name] = value?.DeepClone();
        return copy;
    }

    private static JsonObject Without(JsonObject body, string name)
    {
        var copy = body.DeepClone().AsObject();
        copy.Remove(name);
        return copy;
    }

    private static byte[]? Json(JsonObject? body) => body is null ? null : Encoding.UTF8.GetBytes(body.ToJsonString());

    private static async Task<T> Scalar<T>(NpgsqlConnection db, string sql)
    {
        await using var command = new NpgsqlCommand(sql, db);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<List<string>> Events(NpgsqlConnection db, long after)
    {
        await using var command = new NpgsqlCommand("select type from governance.mt_events where seq_id > @after order by seq_id", db);
        command.Parameters.AddWithValue("after", after);
        var types = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            types.Add(reader.GetString(0));
        return types;
    }

    private static string? Code(string body)
    {
        try
        {
            return JsonDocument.Parse(body).RootElement.TryGetProperty("code", out var code) ? code.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Shorten(string body) => body.Length > 300 ? body[..300] + "…" : body;
}
