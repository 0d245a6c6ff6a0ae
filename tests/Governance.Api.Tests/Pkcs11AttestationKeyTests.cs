using System.Diagnostics;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Governance.Api.Tests.Infrastructure;
using Governance.Attestations;
using Governance.Attestations.Transparency;
using Governance.Ledger.Attestations;
using Governance.Ledger.Transparency;

namespace Governance.Api.Tests;

/// <summary>Attestation keys held in a PKCS#11 token (SoftHSM2 here; an HSM in production): issue 11, item 1.</summary>
public sealed class Pkcs11KeyStoreTests : IDisposable
{
    private readonly Pkcs11KeyStore _store = new(SoftHsm.Token());
    private readonly string _folder = Directory.CreateTempSubdirectory("pkcs11-").FullName;

    public void Dispose()
    {
        _store.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void A_key_made_in_the_token_signs_es256_that_dotnet_and_openssl_verify_and_is_gone_once_destroyed()
    {
        var key = _store.Generate();
        Assert.Contains(key.KeyId, _store.KeyIds());
        var data = "DSSEv1 28 application/vnd.in-toto+json 2 {}"u8.ToArray();

        byte[] signature;
        using (var signer = _store.Open(key.KeyId))
        {
            Assert.Equal((key.KeyId, SigningAlgorithms.ES256), (signer.KeyId, signer.Algorithm));
            signature = signer.Sign(data);
        }

        using var publicKey = ECDsa.Create();
        publicKey.ImportSubjectPublicKeyInfo(Convert.FromBase64String(key.PublicKey), out _);
        Assert.Equal(key.KeyId, Jwks.KeyIdOf(publicKey));
        Assert.True(publicKey.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        Assert.Equal("Verified OK", OpensslVerify(key.PublicKey, data, signature));

        _store.Destroy(key.KeyId);
        Assert.DoesNotContain(key.KeyId, _store.KeyIds());
        Assert.Throws<CryptographicException>(() => _store.Open(key.KeyId));
    }

    [Fact]
    public void A_checkpoint_key_made_in_the_token_signs_notes_that_the_logs_published_verifier_key_accepts()
    {
        var label = "checkpoint-" + Guid.NewGuid().ToString("N");
        byte[] made;
        using (var generated = _store.GenerateEd25519(label))
            made = generated.PublicKey;
        var options = new TransparencyLogOptions("governance.test/hsm", null, _folder)
        {
            Pkcs11Key = new Pkcs11CheckpointKey(SoftHsm.Token(), label),
        };
        var body = new Checkpoint("governance.test/hsm", 3, SHA256.HashData("three leaves"u8)).Body();

        string note;
        string published;
        using (var key = new CheckpointKey(options))
        {
            Assert.Equal(SigningAlgorithms.EdDSA, key.Signer.Algorithm);
            Assert.Equal(made, key.Signer.PublicKey);
            note = SignedNote.Sign(body, key.Signer, key.Verifier);
            published = key.Verifier.VerifierKey();
        }

        // What an auditor holds: the verifier key alone (checked with BouncyCastle's Ed25519, not the token).
        var verifier = NoteVerifier.Parse(published);
        Assert.Equal(body, SignedNote.VerifiedBody(note, verifier));
        Assert.Null(SignedNote.VerifiedBody(note.Replace("\n3\n", "\n4\n"), verifier));
        Assert.Throws<InvalidOperationException>(() => _store.GenerateEd25519(label));
        _store.Destroy(label);
        Assert.Throws<CryptographicException>(() => _store.OpenEd25519(label));
    }

    [Fact]
    public async Task Listing_signing_and_destroying_keys_do_not_fail_while_another_store_in_this_process_uses_the_token()
    {
        // The attestation keys, the checkpoint key and the admin command are separate stores on one module: SoftHSM2 2.6
        // failed key generation and crashed the process when their sessions opened and closed on several threads at once.
        var mine = _store.Generate().KeyId;
        try
        {
            using var other = new Pkcs11KeyStore(SoftHsm.Token());
            var churn = Task.Run(() =>
            {
                for (var i = 0; i < 40; i++)
                    other.Destroy(other.Generate().KeyId);
            });

            var data = "DSSEv1 28 application/vnd.in-toto+json 2 {}"u8.ToArray();
            while (!churn.IsCompleted)
            {
                Assert.Contains(mine, _store.KeyIds());
                using var signer = _store.Open(mine);
                Assert.NotEmpty(signer.Sign(data));
                await Task.Delay(1);
            }
            await churn;
        }
        finally
        {
            _store.Destroy(mine);
        }
    }

    [Fact]
    public async Task The_admin_command_makes_the_checkpoint_key_on_the_token_once_and_prints_its_verifier_key()
    {
        var label = "checkpoint-" + Guid.NewGuid().ToString("N");
        var options = new TransparencyLogOptions("governance.test/hsm", null, _folder)
        {
            Pkcs11Key = new Pkcs11CheckpointKey(SoftHsm.Token(), label),
        };

        var made = await CheckpointKeyCommandTests.Run(options);
        var again = await CheckpointKeyCommandTests.Run(options);

        Assert.Equal(0, made.Exit);
        using (var key = _store.OpenEd25519(label))
            Assert.Equal(new NoteVerifier("governance.test/hsm", key.PublicKey).VerifierKey(), made.Out);
        Assert.Equal(1, again.Exit);
        Assert.Contains($"already holds a private key labelled '{label}'", again.Error);
        _store.Destroy(label);
    }

    /// <summary>What <c>openssl dgst -sha256 -verify</c> says of the signature, as an offline verifier would run it.</summary>
    private string OpensslVerify(string spki, byte[] data, byte[] signature)
    {
        var pem = Path.Combine(_folder, "key.pub.pem");
        File.WriteAllText(pem, PemEncoding.WriteString("PUBLIC KEY", Convert.FromBase64String(spki)));
        File.WriteAllBytes(Path.Combine(_folder, "data"), data);
        File.WriteAllBytes(Path.Combine(_folder, "sig"), signature);
        using var openssl = Process.Start(
            new ProcessStartInfo("openssl", ["dgst", "-sha256", "-verify", pem, "-signature", "sig", "data"])
            {
                WorkingDirectory = _folder,
                RedirectStandardOutput = true,
            }
        )!;
        var said = openssl.StandardOutput.ReadToEnd().Trim();
        openssl.WaitForExit();
        return said;
    }
}

/// <summary>The end to end of signed approvals with the ledger's key in the token.</summary>
public sealed class SoftHsmSignedApprovalTests(SoftHsmLedgerApp app) : IClassFixture<SoftHsmLedgerApp>
{
    [Fact]
    public async Task Register_validate_approve_attest_load_and_score_then_revoke_and_the_server_refuses_with_the_key_in_softhsm2()
    {
        using (var endToEnd = new SignedApprovalEndToEndTests(app))
            await endToEnd.Register_validate_approve_attest_load_and_score_then_revoke_and_the_server_refuses();

        var keys = (await app.As(null).GetFromJsonAsync<JwkSet>("/api/v1/attestation-keys"))!;
        using var token = new Pkcs11KeyStore(SoftHsm.Token());
        Assert.Contains(keys.Keys.Single(k => k.Status == "current").Kid, token.KeyIds());
        Assert.False(Directory.Exists(Path.Combine(app.DataFolder, "attestation-keys")), "no key file is written");
    }
}
