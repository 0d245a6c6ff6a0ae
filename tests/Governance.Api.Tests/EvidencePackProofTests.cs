using Governance.Api.Tests.Infrastructure;
using Governance.Attestations.Transparency;
using Governance.Ledger.EvidencePacks;
using Governance.Ledger.ModelVersions;
using Microsoft.Extensions.DependencyInjection;
using UglyToad.PdfPig;

namespace Governance.Api.Tests;

/// <summary>
/// Evidence packs carry proof (issue 13 item 6): a pack names the earliest signed checkpoint covering its position, the same
/// one on a re-render at the same position, with an inclusion proof per cited event that verifies against that checkpoint's
/// root; a pack issued before its position is sealed says so and carries none.
/// </summary>
[Collection(TransparencyLogCollection.Name)]
public sealed class EvidencePackProofTests(TransparencyLogApp app)
{
    [Fact]
    public async Task A_sealed_pack_names_the_earliest_covering_checkpoint_and_proves_every_event_an_unsealed_one_says_so()
    {
        var scenario = new Scenario(app);
        var (model, _, _) = await scenario.ApprovedVersion();
        var issuer = app.Services.GetRequiredService<EvidencePackIssuer>();
        var target = new VersionRef(model, "1.0.0");

        // Issued before sealing: no proof, and the pack says so.
        var unsealed = await issuer.InputAsync(target, CancellationToken.None);
        Assert.Null(unsealed.LogProof);
        Assert.Contains("carries no inclusion proofs", await PackText(model));

        var covering = await app.CheckpointEverythingAsync();
        await scenario.RegisterModel(Scenario.NewId());
        var later = await app.CheckpointEverythingAsync();
        Assert.True(later.Size > covering.Size);

        var first = (await issuer.InputAsync(target, CancellationToken.None)).LogProof!;
        var again = (await issuer.InputAsync(target, CancellationToken.None)).LogProof!;
        // The earliest covering checkpoint, not the latest: the same at every re-render at this position.
        Assert.True(first.CheckpointSize <= covering.Size);
        Assert.Equal(first.CheckpointSize, again.CheckpointSize);
        Assert.Equal(first.CheckpointNote, again.CheckpointNote);
        var checkpoint = Checkpoint.ParseBody(SignedNote.VerifiedBody(first.CheckpointNote, new NoteVerifierFromApp(app).Key)!);
        Assert.Equal(first.CheckpointSize, checkpoint.Size);
        Assert.Equal(unsealed.Trail.Select(t => t.Sequence), first.Inclusions.Select(p => p.Seq));
        foreach (var p in first.Inclusions)
            Assert.True(
                Rfc6962.VerifyInclusion(
                    p.LeafIndex,
                    checkpoint.Size,
                    Convert.FromBase64String(p.LeafHash),
                    [.. p.AuditPath.Select(Convert.FromBase64String)],
                    checkpoint.RootHash
                ),
                $"event {p.Seq}"
            );

        var text = await PackText(model);
        Assert.Contains($"transparency log's tree of {first.CheckpointSize} events", text);
        Assert.Contains(first.Inclusions[0].LeafHash, text.Replace(" ", ""));
    }

    private async Task<string> PackText(string model)
    {
        var bytes = await app.As("auditor-ada", Domain.Shared.Roles.Auditor)
            .GetByteArrayAsync($"{Scenario.VersionPath(model)}/evidence-packs/model-card");
        if (Environment.GetEnvironmentVariable("GOVERNANCE_TEST_KEEP_PACK") is { Length: > 0 } keep)
            await File.WriteAllBytesAsync(keep, bytes);
        using var pdf = PdfDocument.Open(bytes);
        return string.Join("\n", pdf.GetPages().Select(p => p.Text));
    }

    private sealed class NoteVerifierFromApp(TransparencyLogApp app)
    {
        public NoteVerifier Key
        {
            get
            {
                using var signer = Governance.Attestations.Ed25519PemSigner.Load(app.KeyFile);
                return new NoteVerifier(TransparencyLogApp.Origin, signer.PublicKey);
            }
        }
    }
}
