using System.Net;
using System.Net.Http.Json;
using System.Text;
using Governance.Api.Tests.Infrastructure;

namespace Governance.Api.Tests;

/// <summary>
/// Bad input answers a 400 that names the field, and stores nothing: a record in a compliance ledger cannot be removed
/// later. Each case is one of the inputs that was once accepted (and sometimes stored) or answered 500.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class HostileInputTests(LedgerApp app)
{
    private readonly Scenario _ledger = new(app);

    private async Task RefusedWithoutWriting(Func<Task<HttpResponseMessage>> send, string field)
    {
        var before = await app.EventCount();
        var problem = await send().ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"no error named {field}: {problem}");
        Assert.Equal(before, await app.EventCount());
    }

    [Theory]
    [InlineData("credit-x\n")]
    [InlineData("credit-x\r\n")]
    public async Task A_model_id_with_a_trailing_newline_is_refused_and_nothing_is_written(string modelId) =>
        await RefusedWithoutWriting(() => _ledger.Owner.PostAsJsonAsync("/api/v1/models", Scenario.ModelBody(modelId)), "modelId");

    [Fact]
    public async Task A_jurisdiction_with_a_trailing_newline_is_refused_and_nothing_is_written() =>
        await RefusedWithoutWriting(
            () => _ledger.Owner.PostAsJsonAsync("/api/v1/models", Scenario.ModelBody(Scenario.NewId(), jurisdictions: ["DE\n"])),
            "jurisdictions"
        );

    [Theory]
    [InlineData("nul\u0000name")]
    [InlineData("\u202Etpircs\u202C")]
    [InlineData("zero\u200Bwidth")]
    public async Task A_name_with_a_control_bidi_or_zero_width_character_is_refused_and_nothing_is_written(string name) =>
        await RefusedWithoutWriting(
            () => _ledger.Owner.PostAsJsonAsync("/api/v1/models", Scenario.ModelBody(Scenario.NewId(), name)),
            "name"
        );

    [Fact]
    public async Task A_version_label_with_a_trailing_newline_is_refused_beside_the_real_one()
    {
        var modelId = await _ledger.RegisterModel(Scenario.NewId());
        var dataset = await _ledger.RegisterDataset();
        await _ledger.RegisterVersion(modelId, "1.0.0", datasetDigest: dataset);

        await RefusedWithoutWriting(
            () =>
                _ledger.Owner.PostAsJsonAsync(
                    $"/api/v1/models/{modelId}/versions",
                    Scenario.VersionBody("1.0.0\n", Scenario.DigestOf("another artifact"), dataset)
                ),
            "version"
        );
    }

    [Theory]
    [InlineData("owner=%00")]
    [InlineData("owner=a%0Ab")]
    [InlineData("environment=prod%0A")]
    public async Task An_inventory_filter_with_control_characters_is_refused(string query)
    {
        var problem = await _ledger
            .Auditor.GetAsync($"/api/v1/inventory?{query}")
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        Assert.Single(problem.GetProperty("errors").EnumerateObject());
    }

    [Theory]
    [InlineData("riskTier")]
    [InlineData("RiskTier")]
    public async Task A_duplicate_JSON_property_is_refused_whatever_its_case(string secondKey)
    {
        var modelId = Scenario.NewId();
        var body =
            $"{{\"modelId\":\"{modelId}\",\"name\":\"Dup\",\"businessPurpose\":\"Scores applications\",\"riskTier\":\"High\","
            + $"\"euAiActCategory\":\"Annex III 5(b)\",\"jurisdictions\":[\"EU\"],\"{secondKey}\":\"Low\"}}";
        var before = await app.EventCount();

        await _ledger
            .Owner.PostAsync("/api/v1/models", new StringContent(body, Encoding.UTF8, "application/json"))
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_request");

        Assert.Equal(before, await app.EventCount());
        await _ledger.Auditor.GetAsync($"/api/v1/inventory/{modelId}").ExpectProblem(HttpStatusCode.NotFound, "model.not_found");
    }

    [Theory]
    [InlineData("application/json; charset=foo")]
    [InlineData("application/json; charset=utf-7000")]
    public async Task A_body_in_an_unknown_charset_is_refused_as_unsupported_and_nothing_is_written(string contentType)
    {
        var before = await app.EventCount();
        var content = new StringContent(
            System.Text.Json.JsonSerializer.Serialize(Scenario.ModelBody(Scenario.NewId())),
            Encoding.UTF8,
            "application/json"
        );
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);

        var problem = await _ledger
            .Owner.PostAsync("/api/v1/models", content)
            .ExpectProblem(HttpStatusCode.UnsupportedMediaType, "unsupported_charset");

        Assert.Contains("charset", problem.GetProperty("detail").GetString());
        Assert.Equal(before, await app.EventCount());
    }

    [Fact]
    public async Task A_sign_off_carrying_ten_megabytes_of_conditions_is_refused_as_too_large_and_nothing_is_written()
    {
        var (modelId, digest, approvalId) = await RequestedApproval();
        var before = await app.EventCount();
        var conditions = Enumerable.Range(0, 200).Select(i => new string('c', 50_000)).ToArray();

        await _ledger
            .OfficerRita.PostAsJsonAsync(
                $"{Scenario.VersionPath(modelId)}/approvals/{approvalId}/sign-offs",
                new
                {
                    artifactDigest = digest,
                    environment = "production",
                    rationale = "Fine",
                    conditions,
                    expiresAt = Scenario.Expiry(),
                }
            )
            .ExpectProblem(HttpStatusCode.RequestEntityTooLarge, "request.too_large");

        Assert.Equal(before, await app.EventCount());
    }

    [Fact]
    public async Task Each_endpoint_has_its_own_body_limit_and_a_body_over_it_is_refused_naming_the_limit()
    {
        var before = await app.EventCount();
        // 100 KB: over the 64 KiB of an ordinary command such as registering a model, within a sign-off's 512 KiB.
        var model = Scenario.ModelBody(Scenario.NewId(), name: new string('n', 100_000));
        var refused = await _ledger
            .Owner.PostAsJsonAsync("/api/v1/models", model)
            .ExpectProblem(HttpStatusCode.RequestEntityTooLarge, "request.too_large");
        Assert.Contains("65536 bytes", refused.GetProperty("detail").GetString());
        Assert.Equal(before, await app.EventCount());

        var (modelId, digest, approvalId) = await RequestedApproval();
        await _ledger
            .OfficerRita.PostAsJsonAsync(
                $"{Scenario.VersionPath(modelId)}/approvals/{approvalId}/sign-offs",
                new
                {
                    artifactDigest = digest,
                    environment = "production",
                    rationale = new string('r', 100_000),
                    conditions = Array.Empty<string>(),
                    expiresAt = Scenario.Expiry(),
                }
            )
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
    }

    [Fact]
    public async Task An_enum_given_as_a_number_is_refused_naming_the_field()
    {
        var before = await app.EventCount();
        var body = Scenario.ModelBody(Scenario.NewId());
        var json = System.Text.Json.JsonSerializer.Serialize(body).Replace("\"riskTier\":\"Low\"", "\"riskTier\":7");
        var refused = await _ledger
            .Owner.PostAsync("/api/v1/models", new StringContent(json, Encoding.UTF8, "application/json"))
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_request");
        Assert.Contains("$.riskTier", refused.GetProperty("detail").GetString());
        Assert.Equal(before, await app.EventCount());
    }

    [Fact]
    public async Task A_malformed_if_match_is_refused_even_where_no_version_is_read()
    {
        var before = await app.EventCount();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/models")
        {
            Content = JsonContent.Create(Scenario.ModelBody(Scenario.NewId())),
        };
        request.Headers.TryAddWithoutValidation("If-Match", "abc");
        var problem = await _ledger.Owner.SendAsync(request).ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        Assert.True(problem.GetProperty("errors").TryGetProperty("If-Match", out _));
        Assert.Equal(before, await app.EventCount());
    }

    [Fact]
    public async Task An_approval_expiring_in_year_9999_is_refused_naming_the_expiry()
    {
        var (modelId, digest, approvalId) = await RequestedApproval();
        await RefusedWithoutWriting(
            () => _ledger.SignOff(_ledger.OfficerRita, modelId, approvalId, digest, expiresAt: "9999-12-31T00:00:00Z"),
            "expiresAt"
        );
    }

    private async Task<(string ModelId, string Digest, string ApprovalId)> RequestedApproval()
    {
        var modelId = await _ledger.RegisterModel(Scenario.NewId());
        var digest = await _ledger.RegisterVersion(modelId);
        await _ledger.Validate(modelId);
        return (modelId, digest, await _ledger.RequestApproval(modelId));
    }
}
