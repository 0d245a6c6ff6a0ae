using System.Net;
using System.Net.Http.Json;
using Governance.Api.Tests.Infrastructure;
using Governance.Domain.Shared;

namespace Governance.Api.Tests;

[Collection(LedgerCollection.Name)]
public sealed class ModelAndDatasetEndpointTests(LedgerApp app)
{
    private readonly Scenario _ledger = new(app);

    [Fact]
    public async Task A_model_owner_registers_a_model_and_becomes_its_owner_and_a_body_naming_another_owner_is_refused()
    {
        var id = Scenario.NewId();
        var body = new Dictionary<string, object>
        {
            ["modelId"] = id,
            ["name"] = "Retail PD",
            ["businessPurpose"] = "Probability of default",
            ["riskTier"] = "High",
            ["euAiActCategory"] = "Annex III 5(b)",
            ["jurisdictions"] = new[] { "EU" },
            ["ownerId"] = "someone-else",
        };
        var refused = await _ledger
            .Owner.PostAsJsonAsync("/api/v1/models", body)
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_request");
        Assert.Contains("$.ownerId", refused.GetProperty("detail").GetString());
        await _ledger.Auditor.GetAsync($"/api/v1/inventory/{id}").Expect(HttpStatusCode.NotFound);

        body.Remove("ownerId");
        var model = await _ledger.Owner.PostAsJsonAsync("/api/v1/models", body).Expect(HttpStatusCode.Created);
        Assert.Equal("user:owner-olivia", model.GetProperty("ownerId").GetString());
        var entry = await _ledger.Auditor.GetAsync($"/api/v1/inventory/{id}").Expect(HttpStatusCode.OK);
        Assert.Equal("High", entry.GetProperty("model").GetProperty("riskTier").GetString());
    }

    [Fact]
    public async Task Registering_a_model_with_bad_fields_names_each_field_and_stores_nothing()
    {
        var id = Scenario.NewId();
        var problem = await _ledger
            .Owner.PostAsJsonAsync(
                "/api/v1/models",
                new
                {
                    modelId = id,
                    riskTier = "High",
                    jurisdictions = new[] { "europe" },
                }
            )
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");

        var errors = problem.GetProperty("errors");
        foreach (var field in new[] { "name", "businessPurpose", "euAiActCategory", "jurisdictions" })
            Assert.True(errors.TryGetProperty(field, out _), $"missing error for {field}: {errors}");
        await _ledger.Auditor.GetAsync($"/api/v1/inventory/{id}").ExpectProblem(HttpStatusCode.NotFound, "model.not_found");
    }

    [Fact]
    public async Task A_value_of_the_wrong_type_is_a_400_naming_its_json_path()
    {
        var problem = await _ledger
            .Owner.PostAsync("/api/v1/models", JsonContent.Create(new { modelId = "x", riskTier = "Enormous" }))
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_request");
        Assert.Contains("$.riskTier", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Registering_the_same_model_twice_is_a_conflict()
    {
        var id = await _ledger.RegisterModel(Scenario.NewId());
        await _ledger
            .Owner.PostAsJsonAsync(
                "/api/v1/models",
                new
                {
                    modelId = id,
                    name = "Again",
                    businessPurpose = "x",
                    riskTier = "Low",
                    jurisdictions = new[] { "EU" },
                }
            )
            .ExpectProblem(HttpStatusCode.Conflict, "model.already_registered");
    }

    [Fact]
    public async Task Only_model_owners_register_models_and_anonymous_callers_are_refused()
    {
        var body = new
        {
            modelId = Scenario.NewId(),
            name = "x",
            businessPurpose = "x",
            riskTier = "Low",
            jurisdictions = new[] { "EU" },
        };
        await _ledger.Auditor.PostAsJsonAsync("/api/v1/models", body).Expect(HttpStatusCode.Forbidden);
        await _ledger.Anonymous.PostAsJsonAsync("/api/v1/models", body).Expect(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_retired_model_takes_no_new_versions()
    {
        var id = await _ledger.RegisterModel(Scenario.NewId());
        await _ledger
            .Owner.PostAsJsonAsync($"/api/v1/models/{id}/retirement", new { reason = "Replaced by the 2025 scorecard" })
            .Expect(HttpStatusCode.OK);
        var dataset = await _ledger.RegisterDataset();

        await _ledger
            .Owner.PostAsJsonAsync($"/api/v1/models/{id}/versions", Scenario.VersionBody("2.0.0", Scenario.DigestOf("new"), dataset))
            .ExpectProblem(HttpStatusCode.Conflict, "model.retired");
        await _ledger
            .Owner.PostAsJsonAsync($"/api/v1/models/{id}/retirement", new { reason = "again" })
            .ExpectProblem(HttpStatusCode.Conflict, "model.retired");
        await _ledger
            .Owner.PostAsJsonAsync($"/api/v1/models/{id}/retirement", new { })
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        await _ledger.Pipeline.PostAsJsonAsync($"/api/v1/models/{id}/retirement", new { reason = "x" }).Expect(HttpStatusCode.Forbidden);
        await _ledger
            .Owner.PostAsJsonAsync($"/api/v1/models/{Scenario.NewId()}/retirement", new { reason = "x" })
            .ExpectProblem(HttpStatusCode.NotFound, "model.not_found");
    }

    [Fact]
    public async Task A_dataset_is_registered_with_a_manifest_digest_anyone_can_recompute()
    {
        var name = Scenario.NewId("ds");
        var fileDigest = Scenario.DigestOf(name);
        var dataset = await _ledger.Owner.PostAsJsonAsync("/api/v1/datasets", Scenario.DatasetBody(name)).Expect(HttpStatusCode.Created);

        // docs/manifests.md: SHA-256 over the RFC 8785 JSON of the files (here one, so nothing to sort).
        var expected = Digest.OfText($$"""{"files":[{"path":"applications.csv","sha256":"{{fileDigest[7..]}}","size":135006}]}""");
        Assert.Equal(expected, dataset.GetProperty("manifestDigest").GetString());
        Assert.Equal("v2-jcs", dataset.GetProperty("manifestEncoding").GetString());
        var found = await _ledger.Auditor.GetAsync($"/api/v1/datasets?digest={expected}").Expect(HttpStatusCode.OK);
        Assert.Equal(name, Assert.Single(found.EnumerateArray()).GetProperty("name").GetString());
        await _ledger.Auditor.GetAsync($"/api/v1/datasets/{name}/2024.1").Expect(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_dataset_with_a_bad_file_digest_or_a_wrong_manifest_digest_is_refused_and_not_stored()
    {
        var name = Scenario.NewId("ds");
        var problem = await _ledger
            .Owner.PostAsJsonAsync("/api/v1/datasets", Scenario.DatasetBody(name, sha256: "md5:abc"))
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        Assert.True(problem.GetProperty("errors").TryGetProperty("files[0].sha256", out _));

        problem = await _ledger
            .Owner.PostAsJsonAsync("/api/v1/datasets", Scenario.DatasetBody(name, manifestDigest: Scenario.DigestOf("not it")))
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        Assert.True(problem.GetProperty("errors").TryGetProperty("manifestDigest", out _));

        await _ledger.Auditor.GetAsync($"/api/v1/datasets/{name}/2024.1").ExpectProblem(HttpStatusCode.NotFound, "dataset.not_found");
    }

    [Fact]
    public async Task Personal_data_needs_a_legal_basis_and_duplicates_and_other_roles_are_refused()
    {
        var name = Scenario.NewId("ds");
        await _ledger
            .Owner.PostAsJsonAsync(
                "/api/v1/datasets",
                new
                {
                    name,
                    version = "1",
                    files = new[]
                    {
                        new
                        {
                            path = "a.csv",
                            sha256 = Scenario.DigestOf("a"),
                            sizeBytes = 1,
                        },
                    },
                    rowCount = 1,
                    schema = new[] { new { name = "a", type = "int" } },
                    containsPersonalData = true,
                }
            )
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");

        await _ledger.Owner.PostAsJsonAsync("/api/v1/datasets", Scenario.DatasetBody(name)).Expect(HttpStatusCode.Created);
        await _ledger
            .Owner.PostAsJsonAsync("/api/v1/datasets", Scenario.DatasetBody(name))
            .ExpectProblem(HttpStatusCode.Conflict, "dataset.already_registered");
        await _ledger
            .Validator.PostAsJsonAsync("/api/v1/datasets", Scenario.DatasetBody(Scenario.NewId("ds")))
            .Expect(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task The_inventory_filters_by_risk_tier_version_status_and_live_environment()
    {
        var (modelId, digest, _) = await _ledger.ApprovedVersion("High");
        await _ledger.Deploy(modelId, digest, run: "inv-1").Expect(HttpStatusCode.Created);
        var lowId = await _ledger.RegisterModel(Scenario.NewId(), "Low");

        var high = await _ledger
            .Auditor.GetAsync("/api/v1/inventory?riskTier=High&status=Deployed&environment=production")
            .Expect(HttpStatusCode.OK);
        var ids = high.EnumerateArray().Select(e => e.GetProperty("id").GetString()).ToArray();
        Assert.Contains(modelId, ids);
        Assert.DoesNotContain(lowId, ids);
        var entry = high.EnumerateArray().Single(e => e.GetProperty("id").GetString() == modelId);
        Assert.Equal("Deployed", entry.GetProperty("versions")[0].GetProperty("status").GetString());

        var staging = await _ledger.Auditor.GetAsync("/api/v1/inventory?environment=staging").Expect(HttpStatusCode.OK);
        Assert.DoesNotContain(modelId, staging.EnumerateArray().Select(e => e.GetProperty("id").GetString()));
        await _ledger.Auditor.GetAsync("/api/v1/inventory?riskTier=Extreme").Expect(HttpStatusCode.BadRequest);
        await _ledger.Pipeline.GetAsync("/api/v1/inventory").Expect(HttpStatusCode.Forbidden);
    }
}
