using System.Net;
using System.Net.Http.Json;
using Governance.Api.Tests.Infrastructure;
using Governance.Domain.Datasets;
using Governance.Domain.Shared;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Governance.Api.Tests;

/// <summary>
/// Events and register documents as the previous release stored them still read back, and their digests still resolve.
/// Each case registers a record through the API and rewrites its rows to the previous release's shape with SQL.
/// <c>DatasetRegistered</c> is the only stored shape this release changes (it gained <c>manifestEncoding</c>, and its type
/// name became <c>dataset_registered_v2</c>); a captured row of every other event type the previous release wrote is
/// loaded too.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class PreviousReleaseEventTests(LedgerApp app)
{
    private readonly Scenario _ledger = new(app);

    [Fact]
    public async Task A_dataset_registered_by_the_previous_release_reads_back_as_v1_text_and_its_old_digest_still_resolves()
    {
        var name = Scenario.NewId("ds");
        var id = Dataset.StreamKey(name, "2024.1");
        var registered = await _ledger.Owner.PostAsJsonAsync("/api/v1/datasets", Scenario.DatasetBody(name)).Expect(HttpStatusCode.Created);
        Assert.Equal("v2-jcs", registered.GetProperty("manifestEncoding").GetString());
        Assert.Equal("dataset_registered_v2", await Scalar("SELECT type FROM governance.mt_events WHERE stream_id = @id", id));
        var oldDigest = Digest.OfText($"{Scenario.DigestOf(name)[7..]}  135006  applications.csv\n");

        await StoreAsPreviousRelease(id, oldDigest);

        var dataset = await _ledger.Auditor.GetAsync($"/api/v1/datasets/{name}/2024.1").Expect(HttpStatusCode.OK);
        Assert.Equal("v1-text", dataset.GetProperty("manifestEncoding").GetString());
        Assert.Equal(oldDigest, dataset.GetProperty("manifestDigest").GetString());
        var found = await _ledger.Auditor.GetAsync($"/api/v1/datasets?digest={oldDigest}").Expect(HttpStatusCode.OK);
        Assert.Equal(name, Assert.Single(found.EnumerateArray()).GetProperty("name").GetString());

        await using (var session = app.Services.GetRequiredService<IDocumentStore>().QuerySession())
        {
            var stored = Assert.IsType<DatasetRegistered>(Assert.Single(await session.Events.FetchStreamAsync(id)).Data);
            Assert.Equal(("v1-text", oldDigest), (stored.ManifestEncoding, stored.ManifestDigest));
        }
        // The writer replays the upcast event: the dataset is known, and a version can still name its old digest.
        await _ledger
            .Owner.PostAsJsonAsync("/api/v1/datasets", Scenario.DatasetBody(name))
            .ExpectProblem(HttpStatusCode.Conflict, "dataset.already_registered");
        var modelId = await _ledger.RegisterModel(Scenario.NewId());
        await _ledger.RegisterVersion(modelId, datasetDigest: oldDigest);
    }

    [Fact]
    public async Task The_issues_two_datasets_get_different_digests_now_and_a_shared_v1_digest_is_an_error_not_a_list()
    {
        var a = Scenario.DigestOf("a,1\n");
        var b = Scenario.DigestOf("b,2\n");
        var nameA = Scenario.NewId("ds");
        var nameB = Scenario.NewId("ds");
        var datasetA = await _ledger
            .Owner.PostAsJsonAsync("/api/v1/datasets", Body(nameA, ("a.csv", a), ("b.csv", b)))
            .Expect(HttpStatusCode.Created);
        var before = await Scalar("SELECT count(*)::text FROM governance.mt_events");
        var refused = await _ledger
            .Owner.PostAsJsonAsync("/api/v1/datasets", Body(nameB, ($"a.csv\n{b[7..]}  4  b.csv", a)))
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        Assert.True(refused.GetProperty("errors").TryGetProperty("files[0].path", out _), refused.ToString());
        Assert.Equal(before, await Scalar("SELECT count(*)::text FROM governance.mt_events"));
        var v1Digest = Digest.OfText($"{a[7..]}  4  a.csv\n{b[7..]}  4  b.csv\n");
        Assert.NotEqual(v1Digest, datasetA.GetProperty("manifestDigest").GetString());

        // The previous release accepted B, with A's digest: rewrite both to that state.
        await _ledger.Owner.PostAsJsonAsync("/api/v1/datasets", Body(nameB, ("b-forged.csv", a))).Expect(HttpStatusCode.Created);
        await StoreAsPreviousRelease(Dataset.StreamKey(nameA, "1"), v1Digest);
        await StoreAsPreviousRelease(Dataset.StreamKey(nameB, "1"), v1Digest);

        var ambiguous = await _ledger
            .Auditor.GetAsync($"/api/v1/datasets?digest={v1Digest}")
            .ExpectProblem(HttpStatusCode.Conflict, "dataset.digest_ambiguous");
        Assert.Contains(Dataset.StreamKey(nameA, "1"), ambiguous.GetProperty("detail").GetString());
        Assert.Contains(Dataset.StreamKey(nameB, "1"), ambiguous.GetProperty("detail").GetString());
        var modelId = await _ledger.RegisterModel(Scenario.NewId());
        await _ledger
            .Owner.PostAsJsonAsync($"/api/v1/models/{modelId}/versions", Scenario.VersionBody("1.0.0", Scenario.DigestOf("m"), v1Digest))
            .ExpectProblem(HttpStatusCode.Conflict, "dataset.digest_ambiguous");
    }

    [Fact]
    public async Task An_evidence_pack_issued_by_the_previous_release_reads_back_with_no_renderer_version_or_position()
    {
        // EvidencePackIssued exactly as commit 7950fdd stored it: before the renderer version and the global position.
        var row = System
            .Text.Json.JsonDocument.Parse(
                """
                {"type": "evidence_pack_issued", "dotnetType": "Governance.Domain.EvidencePacks.EvidencePackIssued, Governance.Domain",
                 "data": {"kind": "sr-11-7", "audit": {"at": "2026-11-30T01:46:33.6835398+00:00", "actor": {"role": "Auditor",
                   "clientId": null, "subjectId": "user:auditor-ada"}, "reason": "Evidence pack sr-11-7 issued", "correlationId": "c-1"},
                   "pages": 9, "sha256": "6c0f4e1d9a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5", "modelId": "credit-scoring",
                   "version": "1.0.0", "sizeBytes": 48213, "ledgerPosition": 7}}
                """
            )
            .RootElement;
        var issued = Assert.IsType<Domain.EvidencePacks.EvidencePackIssued>(await LoadAsStoredAsync(row));
        Assert.Equal(
            ("sr-11-7", 9, 7L, "user:auditor-ada"),
            (issued.Kind, issued.Pages, issued.LedgerPosition, issued.Audit.Actor.SubjectId)
        );
        Assert.Null(issued.RendererVersion);
        Assert.Null(issued.Position);
    }

    /// <summary>Event types the previous release's demo inventory does not write, so the capture has no sample of them.</summary>
    private static readonly Type[] NotCaptured =
    [
        typeof(Domain.ModelVersions.ModelLoaded),
        typeof(Domain.ModelVersions.ModelLoadRefused),
        typeof(Domain.EvidencePacks.EvidencePackIssued),
        typeof(Domain.Security.SignInSucceeded),
        typeof(Domain.Security.SignInFailed),
        typeof(Domain.Security.UserRolesChanged),
        typeof(Domain.Security.ClientSecretRotated),
        // New in this release.
        typeof(Domain.ModelVersions.UnapprovedLoadReported),
        typeof(Domain.AttestationKeys.AttestationKeyActivated),
        typeof(Domain.AttestationKeys.AttestationKeyRetired),
        typeof(Domain.AttestationKeys.AttestationKeyCompromised),
        typeof(Domain.Security.AccountLockedOut),
        typeof(Domain.Security.ClientAuthenticationFailed),
        typeof(Domain.Models.ModelDelegateAdded),
        typeof(Domain.Models.ModelDelegateRemoved),
        typeof(Domain.Models.ModelOwnershipTransferred),
        typeof(Domain.ModelVersions.ModelVersionSuspended),
        typeof(Domain.ModelVersions.ModelVersionSuspensionLifted),
        typeof(Domain.Evidence.EvidenceReportRecorded),
        typeof(Domain.Incidents.SeriousIncidentRecorded),
        typeof(Domain.Incidents.SeriousIncidentReported),
        typeof(Domain.Incidents.IncidentCorrectiveActionRecorded),
        typeof(Domain.Security.ReadModelDifferenceFound),
        // The deployment lifecycle and environment slots (issue 16): new types, so no earlier release stored them.
        typeof(Domain.ModelVersions.DeploymentReplaced),
        typeof(Domain.ModelVersions.ModelVersionRestored),
        typeof(Domain.Deployments.DeploymentStarted),
        typeof(Domain.Deployments.DeploymentCompleted),
        typeof(Domain.Deployments.DeploymentFailed),
        typeof(Domain.Deployments.LiveVersionRolledBack),
        typeof(Domain.Deployments.LiveVersionWithdrawn),
        // Webhook subscriptions (issue 17): new types.
        typeof(Domain.Webhooks.WebhookSubscriptionRegistered),
        typeof(Domain.Webhooks.WebhookSecretRotated),
        typeof(Domain.Webhooks.WebhookSubscriptionRemoved),
        // The technical file and the declaration of conformity (issue 20): new types, so no earlier release stored them.
        typeof(Domain.TechnicalDocumentation.TechnicalDocumentationRecorded),
        typeof(Domain.TechnicalDocumentation.RiskRecorded),
        typeof(Domain.TechnicalDocumentation.ResidualRiskAccepted),
        typeof(Domain.ModelVersions.DeclarationOfConformitySigned),
        // Discussions on approvals (issue 18): a new type.
        typeof(Domain.Discussion.CommentPosted),
        // Monitoring reports (issue 15): a new type.
        typeof(Domain.Monitoring.MonitoringReportRecorded),
        // Findings as tracked items (issue 18): new types.
        typeof(Domain.Validation.FindingAssigned),
        typeof(Domain.Validation.FindingRemediationProposed),
        typeof(Domain.Validation.FindingRemediationRejected),
        typeof(Domain.Validation.FindingClosed),
        // Breach governance (issue 15): new types.
        typeof(Domain.Monitoring.MonitoringBreachRecorded),
        typeof(Domain.Monitoring.BreachReviewResolved),
    ];

    [Fact]
    public async Task Every_event_type_as_stored_by_the_previous_release_loads_with_its_actor_time_and_reason()
    {
        // One stored row of each type, exactly as commit 7401839 wrote it (captured from its demo inventory's mt_events).
        var (rows, captured) = await CaptureAsync("events-7401839.json", NotCaptured);

        for (var i = 0; i < rows.Length; i++)
        {
            var loaded = await LoadAsStoredAsync(rows[i]);
            Assert.IsType(captured[i], loaded);
            var audit = ((ILedgerEvent)loaded).Audit;
            Assert.False(string.IsNullOrEmpty(audit.Actor.SubjectId), $"{captured[i].Name}: no actor");
            // Stored with a bare subject, read namespaced: a client acting as itself is client:…, anyone else user:….
            var storedActor = rows[i].GetProperty("data").GetProperty("audit").GetProperty("actor");
            var storedSubject = storedActor.GetProperty("subjectId").GetString()!;
            var storedClient = storedActor.TryGetProperty("clientId", out var c) ? c.GetString() : null;
            Assert.Equal(storedSubject == storedClient ? $"client:{storedSubject}" : $"user:{storedSubject}", audit.Actor.SubjectId);
            Assert.Equal(storedClient, audit.Actor.ClientId);
            if (loaded is Domain.Models.ModelRegistered registered)
                Assert.Equal($"user:{rows[i].GetProperty("data").GetProperty("ownerId").GetString()}", registered.OwnerId);
            if (loaded is Domain.ModelVersions.ModelVersionRegistered version)
                Assert.Equal($"user:{rows[i].GetProperty("data").GetProperty("modelOwnerId").GetString()}", version.ModelOwnerId);
            Assert.NotEqual(default, audit.At);
            Assert.False(string.IsNullOrEmpty(audit.Reason), $"{captured[i].Name}: no reason");
        }
    }

    /// <summary>Event types that commit e883483's capture has no sample of (its demo inventory and the calls made while
    /// capturing do not write them); their shapes did not change in this release.</summary>
    private static readonly Type[] NotCapturedAtE883483 =
    [
        typeof(Domain.ModelVersions.ModelLoaded),
        typeof(Domain.ModelVersions.ModelLoadRefused),
        typeof(Domain.ModelVersions.UnapprovedLoadReported),
        typeof(Domain.EvidencePacks.EvidencePackIssued),
        typeof(Domain.Security.UserRolesChanged),
        typeof(Domain.Security.ClientSecretRotated),
        typeof(Domain.Security.AccountLockedOut),
        typeof(Domain.AttestationKeys.AttestationKeyRetired),
        typeof(Domain.AttestationKeys.AttestationKeyCompromised),
        typeof(Domain.Models.ModelDelegateAdded),
        typeof(Domain.Models.ModelDelegateRemoved),
        typeof(Domain.Models.ModelOwnershipTransferred),
        typeof(Domain.ModelVersions.ModelVersionSuspended),
        typeof(Domain.ModelVersions.ModelVersionSuspensionLifted),
        // New in this release.
        typeof(Domain.Incidents.SeriousIncidentRecorded),
        typeof(Domain.Incidents.SeriousIncidentReported),
        typeof(Domain.Incidents.IncidentCorrectiveActionRecorded),
        typeof(Domain.Security.ReadModelDifferenceFound),
        typeof(Domain.ModelVersions.DeploymentReplaced),
        typeof(Domain.ModelVersions.ModelVersionRestored),
        typeof(Domain.Deployments.DeploymentStarted),
        typeof(Domain.Deployments.DeploymentCompleted),
        typeof(Domain.Deployments.DeploymentFailed),
        typeof(Domain.Deployments.LiveVersionRolledBack),
        typeof(Domain.Deployments.LiveVersionWithdrawn),
        typeof(Domain.Webhooks.WebhookSubscriptionRegistered),
        typeof(Domain.Webhooks.WebhookSecretRotated),
        typeof(Domain.Webhooks.WebhookSubscriptionRemoved),
        // The technical file and the declaration of conformity (issue 20): new types, so no earlier release stored them.
        typeof(Domain.TechnicalDocumentation.TechnicalDocumentationRecorded),
        typeof(Domain.TechnicalDocumentation.RiskRecorded),
        typeof(Domain.TechnicalDocumentation.ResidualRiskAccepted),
        typeof(Domain.ModelVersions.DeclarationOfConformitySigned),
        // Discussions on approvals (issue 18): a new type.
        typeof(Domain.Discussion.CommentPosted),
        // Monitoring reports (issue 15): a new type.
        typeof(Domain.Monitoring.MonitoringReportRecorded),
        // Findings as tracked items (issue 18): new types.
        typeof(Domain.Validation.FindingAssigned),
        typeof(Domain.Validation.FindingRemediationProposed),
        typeof(Domain.Validation.FindingRemediationRejected),
        typeof(Domain.Validation.FindingClosed),
        // Breach governance (issue 15): new types.
        typeof(Domain.Monitoring.MonitoringBreachRecorded),
        typeof(Domain.Monitoring.BreachReviewResolved),
    ];

    /// <summary>The personal names earlier releases stored in events, which this release no longer reads.</summary>
    private static readonly string[] NameProperties = ["displayName", "ownerName", "newOwnerName", "userName"];

    [Fact]
    public async Task Every_event_type_as_stored_at_e883483_loads_with_the_same_facts_and_no_personal_names()
    {
        // One stored row of each type, exactly as commit e883483 wrote it (its demo inventory's mt_events, plus sign-ins and
        // client authentications made against it).
        var (rows, _) = await CaptureAsync("events-e883483.json", NotCapturedAtE883483);
        var serializer = app.Services.GetRequiredService<IDocumentStore>().Options.Serializer();

        foreach (var row in rows)
        {
            var loaded = await LoadAsStoredAsync(row);

            // The upcast state is the stored payload without its names: every other fact reads back as stored.
            var stored = System.Text.Json.Nodes.JsonNode.Parse(row.GetProperty("data").GetRawText())!;
            // A machine client's display name is the client's, not a person's: client_registered keeps it.
            var clientName = row.GetProperty("type").GetString() == "client_registered" ? stored["displayName"]!.DeepClone() : null;
            var names = RemoveNames(stored);
            if (clientName is not null)
                stored["displayName"] = clientName;
            var read = System.Text.Json.Nodes.JsonNode.Parse(serializer.ToJson(loaded))!;
            Assert.True(
                System.Text.Json.Nodes.JsonNode.DeepEquals(stored, read),
                $"{row.GetProperty("type")}: stored without names {stored.ToJsonString()}\nread back {read.ToJsonString()}"
            );
            // An approval requested before monitoring plans and decision policies could be stated has neither (issue 15).
            if (loaded is Domain.ModelVersions.ApprovalRequested requested)
                Assert.Equal((null, null), (requested.MonitoringPlan, requested.DecisionPolicy));
            var audit = ((ILedgerEvent)loaded).Audit;
            Assert.True(Subjects.IsNamespaced(audit.Actor.SubjectId), $"{row.GetProperty("type")}: {audit.Actor.SubjectId}");
            if (row.GetProperty("type").GetString() is "model_registered" or "user_created" or "sign_in_succeeded")
                Assert.NotEmpty(names);
        }
    }

    /// <summary>Removes <see cref="NameProperties"/> wherever they occur (an unknown user name of a failed sign-in is kept:
    /// it names no account); returns those removed.</summary>
    private static List<string> RemoveNames(System.Text.Json.Nodes.JsonNode node)
    {
        var removed = new List<string>();
        if (node is System.Text.Json.Nodes.JsonObject o)
        {
            var unknownUser = o["failure"]?.GetValue<string>() == "unknown_user";
            foreach (var name in NameProperties.Where(n => o.ContainsKey(n) && !(n == "userName" && unknownUser)))
            {
                o.Remove(name);
                removed.Add(name);
            }
            foreach (var child in o.Select(p => p.Value).Where(v => v is not null).ToArray())
                removed.AddRange(RemoveNames(child!));
        }
        else if (node is System.Text.Json.Nodes.JsonArray a)
            foreach (var child in a.Where(v => v is not null))
                removed.AddRange(RemoveNames(child!));
        return removed;
    }

    /// <summary>A release's capture: its rows and their event types, which with <paramref name="notCaptured"/> must be every
    /// event type this release stores.</summary>
    private static async Task<(System.Text.Json.JsonElement[] Rows, Type[] Types)> CaptureAsync(string file, Type[] notCaptured)
    {
        var capture = System.Text.Json.JsonDocument.Parse(
            await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "PreviousRelease", file))
        );
        var rows = capture.RootElement.GetProperty("events").EnumerateArray().ToArray();
        var captured = rows.Select(r => Type.GetType(r.GetProperty("dotnetType").GetString()!, throwOnError: true)!).ToArray();
        Assert.Equal(
            Ledger.LedgerSetup.EventTypes.Select(t => t.FullName).Order(),
            captured.Concat(notCaptured).Select(t => t.FullName).Order()
        );
        return (rows, captured);
    }

    /// <summary>Inserts a captured row into a stream of its own, exactly as stored, and reads it back through the store.</summary>
    private async Task<object> LoadAsStoredAsync(System.Text.Json.JsonElement row)
    {
        var stream = $"previous-release-{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(app.ConnectionString))
        {
            await connection.OpenAsync();
            await using var insert = new NpgsqlCommand(
                "INSERT INTO governance.mt_streams (id, version) VALUES (@stream, 1); "
                    + "INSERT INTO governance.mt_events (seq_id, id, stream_id, version, data, type, timestamp, mt_dotnet_type) "
                    + "VALUES (nextval('governance.mt_events_sequence'), gen_random_uuid(), @stream, 1, @data::jsonb, @type, now(), "
                    + "@dotnet)",
                connection
            );
            insert.Parameters.AddWithValue("stream", stream);
            insert.Parameters.AddWithValue("data", row.GetProperty("data").GetRawText());
            insert.Parameters.AddWithValue("type", row.GetProperty("type").GetString()!);
            insert.Parameters.AddWithValue("dotnet", row.GetProperty("dotnetType").GetString()!);
            await insert.ExecuteNonQueryAsync();
        }
        await using var session = app.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return Assert.Single(await session.Events.FetchStreamAsync(stream)).Data;
    }

    private static object Body(string name, params (string Path, string Sha256)[] files) =>
        new
        {
            name,
            version = "1",
            files = files
                .Select(f => new
                {
                    path = f.Path,
                    sha256 = f.Sha256,
                    sizeBytes = 4,
                })
                .ToArray(),
            rowCount = 1,
            schema = new[] { new { name = "a", type = "int" } },
            containsPersonalData = false,
        };

    /// <summary>
    /// The rows of a dataset as the previous release wrote them: event type <c>dataset_registered</c>, no
    /// <c>manifestEncoding</c> in the event or the register document, and the digest of the v1 text manifest.
    /// </summary>
    private async Task StoreAsPreviousRelease(string id, string v1Digest)
    {
        const string shape = "jsonb_set(data - 'manifestEncoding', '{manifestDigest}', to_jsonb(@digest::text))";
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        foreach (
            var sql in new[]
            {
                $"UPDATE governance.mt_events SET type = 'dataset_registered', data = {shape} WHERE stream_id = @id",
                $"UPDATE governance.mt_doc_dataset SET data = {shape} WHERE id = @id",
            }
        )
        {
            await using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.AddWithValue("id", id);
            command.Parameters.AddWithValue("digest", v1Digest);
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }
    }

    private async Task<string?> Scalar(string sql, string? id = null)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        if (id is not null)
            command.Parameters.AddWithValue("id", id);
        return (string?)await command.ExecuteScalarAsync();
    }
}
