using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Governance.Api.Features.EvidencePacks;
using Governance.Api.Tests.Infrastructure;
using Governance.Documents.EvidencePacks;
using Governance.Domain.EvidencePacks;
using Governance.Domain.Shared;
using Governance.Ledger.EvidencePacks;
using Governance.Ledger.ModelVersions;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using UglyToad.PdfPig;

namespace Governance.Api.Tests;

/// <summary>
/// Evidence packs as of an earlier time or position (issue 16 item 4): a re-render by the same renderer version is the pack
/// issued then, byte for byte; the pack issued then is kept and fetched by its digest; a re-render by another renderer version
/// says so and cites the original's digest.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class EvidencePackAsOfTests(LedgerApp app)
{
    private readonly Scenario _ledger = new(app);

    private sealed record Pack(byte[] Pdf, HttpResponseMessage Response)
    {
        public string Header(string name) => Response.Headers.GetValues(name).Single();

        public string Text()
        {
            using var document = PdfDocument.Open(Pdf);
            return string.Join("\n", document.GetPages().Select(p => p.Text));
        }
    }

    private static async Task<Pack> Get(HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        Assert.True(
            response.StatusCode == HttpStatusCode.OK,
            $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}"
        );
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
        var pdf = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(Digest.OfBytes(pdf), response.Headers.GetValues("X-Content-SHA256").Single());
        return new Pack(pdf, response);
    }

    [Fact]
    public async Task A_pack_re_rendered_as_of_its_position_equals_the_pack_issued_then_which_is_fetched_by_its_digest()
    {
        var (modelId, digest, _) = await _ledger.ApprovedVersion();
        var packs = $"{Scenario.VersionPath(modelId)}/evidence-packs";
        var issued = new Dictionary<string, Pack>();
        foreach (var kind in new[] { "model-card", "eu-ai-act-annex-iv", "sr-11-7" })
            issued[kind] = await Get(_ledger.Auditor, $"{packs}/{kind}");
        await Task.Delay(20); // database time moves on: the asOf below falls after the issue and before the later facts
        var issuedBy = DateTimeOffset.UtcNow;
        await Task.Delay(20);
        var position = long.Parse(issued["sr-11-7"].Header(EvidencePackEndpoints.PositionHeader), CultureInfo.InvariantCulture);
        Assert.All(
            issued.Values,
            p => Assert.Equal(position.ToString(CultureInfo.InvariantCulture), p.Header(EvidencePackEndpoints.PositionHeader))
        );
        Assert.All(issued.Values, p => Assert.Equal($"{RendererVersion.Current}", p.Header(EvidencePackEndpoints.RendererVersionHeader)));
        Assert.All(issued.Values, p => Assert.Equal("true", p.Header(EvidencePackEndpoints.SameAsOriginalHeader)));
        var text = issued["sr-11-7"].Text();
        Assert.Contains($"{position} ({modelId}@1.0.0 at stream version", text);
        Assert.Contains($"evidence-pack renderer version {RendererVersion.Current}", text);

        // Later facts: the version is deployed, the model's technical file gains a statement, a later version is registered.
        await _ledger.Deploy(modelId, digest).Expect(HttpStatusCode.Created);
        await _ledger
            .Owner.PostAsJsonAsync(
                $"/api/v1/models/{modelId}/technical-file/documentation",
                new { item = "DesignSpecification", text = "Boosted trees over bureau features." }
            )
            .Expect(HttpStatusCode.Created);
        var now = await Get(_ledger.Auditor, $"{packs}/sr-11-7");
        Assert.NotEqual(issued["sr-11-7"].Pdf, now.Pdf);
        Assert.True(long.Parse(now.Header(EvidencePackEndpoints.PositionHeader), CultureInfo.InvariantCulture) > position);

        foreach (var (kind, then) in issued)
        {
            // As of the position the pack states, and as of a time after it was issued: the same bytes.
            var byPosition = await Get(_ledger.OfficerRita, $"{packs}/{kind}?asOfPosition={position}");
            Assert.Equal(then.Pdf, byPosition.Pdf);
            Assert.Equal($"{position}", byPosition.Header("Ledger-Position"));
            Assert.Equal(Digest.OfBytes(then.Pdf), byPosition.Header(EvidencePackEndpoints.OriginalHeader));
            Assert.Equal("true", byPosition.Header(EvidencePackEndpoints.SameAsOriginalHeader));
            var byTime = await Get(_ledger.Auditor, $"{packs}/{kind}?asOf={issuedBy.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'}");
            Assert.Equal(then.Pdf, byTime.Pdf);

            // The pack issued then, fetched by its digest: exactly those bytes.
            var kept = await Get(_ledger.Auditor, $"/api/v1/evidence-packs/{Digest.OfBytes(then.Pdf)}");
            Assert.Equal(then.Pdf, kept.Pdf);
            Assert.Equal($"{position}", kept.Header(EvidencePackEndpoints.PositionHeader));
        }

        var list = await _ledger.Auditor.GetAsync(packs).Expect(HttpStatusCode.OK);
        Assert.All(list.EnumerateArray(), p => Assert.Equal(RendererVersion.Current, p.GetProperty("rendererVersion").GetInt32()));
        Assert.Contains(list.EnumerateArray(), p => p.GetProperty("position").GetInt64() == position);
        // A version that was not registered yet at a position is not found there.
        await _ledger.Auditor.GetAsync($"{packs}/sr-11-7?asOfPosition=1").ExpectProblem(HttpStatusCode.NotFound, "model_version.not_found");
    }

    [Fact]
    public async Task Fetching_by_digest_is_for_those_who_may_download_packs_and_names_a_bad_or_unknown_digest()
    {
        var (modelId, _, _) = await _ledger.ApprovedVersion();
        var issued = await Get(_ledger.Owner, $"{Scenario.VersionPath(modelId)}/evidence-packs/model-card");
        var path = $"/api/v1/evidence-packs/{Digest.OfBytes(issued.Pdf)}";

        Assert.Equal(issued.Pdf, (await Get(_ledger.Owner, path)).Pdf);
        Assert.Equal(issued.Pdf, (await Get(_ledger.OfficerRavi, path)).Pdf);
        await _ledger.Validator.GetAsync(path).Expect(HttpStatusCode.Forbidden);
        await _ledger.Anonymous.GetAsync(path).Expect(HttpStatusCode.Unauthorized);
        await _ledger
            .As("owner-of-another-model", Roles.ModelOwner)
            .GetAsync(path)
            .ExpectProblem(HttpStatusCode.Forbidden, "ownership.not_owner_or_delegate");
        await _ledger
            .Auditor.GetAsync($"/api/v1/evidence-packs/{Scenario.DigestOf("never issued")}")
            .ExpectProblem(HttpStatusCode.NotFound, "evidence_pack.not_found");
        var problem = await _ledger
            .Auditor.GetAsync("/api/v1/evidence-packs/not-a-digest")
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid_input");
        Assert.True(problem.GetProperty("errors").TryGetProperty("sha256", out _));

        // Each fetch is recorded like a download: who was given which bytes.
        var list = await _ledger.Auditor.GetAsync($"{Scenario.VersionPath(modelId)}/evidence-packs").Expect(HttpStatusCode.OK);
        Assert.Equal(
            ["user:owner-olivia", "user:owner-olivia", "user:officer-ravi"],
            list.EnumerateArray().Select(p => p.GetProperty("issuedTo").GetProperty("subjectId").GetString())
        );
    }

    [Fact]
    public async Task A_re_render_by_another_renderer_version_says_so_in_the_pack_and_cites_the_pack_issued_then()
    {
        var (modelId, _, _) = await _ledger.ApprovedVersion();
        var target = new VersionRef(modelId, "1.0.0");
        var position = (await app.Services.GetRequiredService<EvidencePackIssuer>().InputAsync(target, CancellationToken.None)).Position;

        // The pack an earlier renderer issued at this position, recorded and kept as that release did.
        var earlier = "%PDF-1.7 drawn by the previous renderer"u8.ToArray();
        var earlierDigest = Digest.OfBytes(earlier);
        var previousRenderer = RendererVersion.Current - 1;
        await using (var session = app.Services.GetRequiredService<IDocumentStore>().LightweightSession())
        {
            session.Events.Append(
                EvidencePackIssued.StreamKey(modelId, "1.0.0"),
                new EvidencePackIssued(
                    modelId,
                    "1.0.0",
                    "sr-11-7",
                    earlierDigest,
                    earlier.Length,
                    1,
                    0,
                    new Audit(new Actor("user:auditor-ada", Roles.Auditor), DateTimeOffset.UtcNow, "Evidence pack sr-11-7 issued", "t"),
                    previousRenderer,
                    position
                )
            );
            session.Store(
                new KeptEvidencePack
                {
                    Id = earlierDigest,
                    ModelId = modelId,
                    Version = "1.0.0",
                    Kind = "sr-11-7",
                    Pages = 1,
                    LedgerPosition = 0,
                    Position = position,
                    RendererVersion = previousRenderer,
                    Pdf = earlier,
                }
            );
            await session.SaveChangesAsync();
        }

        var rerendered = await Get(_ledger.Auditor, $"{Scenario.VersionPath(modelId)}/evidence-packs/sr-11-7?asOfPosition={position}");
        Assert.Equal($"{position}", rerendered.Header(EvidencePackEndpoints.PositionHeader));
        Assert.Equal(earlierDigest, rerendered.Header(EvidencePackEndpoints.OriginalHeader));
        Assert.Equal($"{previousRenderer}", rerendered.Header(EvidencePackEndpoints.OriginalRendererVersionHeader));
        Assert.Equal($"{RendererVersion.Current}", rerendered.Header(EvidencePackEndpoints.RendererVersionHeader));
        Assert.Equal("false", rerendered.Header(EvidencePackEndpoints.SameAsOriginalHeader));
        var text = rerendered.Text().Replace("\n", " ");
        Assert.Contains($"Re-rendered by evidence-pack renderer version {RendererVersion.Current}", text);
        Assert.Contains($"drawn by renderer version {previousRenderer}", text);
        Assert.Contains(earlierDigest, text.Replace(" ", ""));

        // The pack issued then is still returned exactly, and a pack of another kind at the same position has no such notice.
        Assert.Equal(earlier, (await Get(_ledger.Auditor, $"/api/v1/evidence-packs/{earlierDigest}")).Pdf);
        var card = await Get(_ledger.Auditor, $"{Scenario.VersionPath(modelId)}/evidence-packs/model-card?asOfPosition={position}");
        Assert.DoesNotContain("Re-rendered", card.Text());
        Assert.Equal("true", card.Header(EvidencePackEndpoints.SameAsOriginalHeader));
    }
}
