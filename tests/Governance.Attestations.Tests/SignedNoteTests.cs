using Governance.Attestations.Transparency;

namespace Governance.Attestations.Tests;

/// <summary>
/// C2SP signed notes against the Go reference implementation's example (golang.org/x/mod/sumdb/note, note_test.go: the
/// PeterNeumann key and note), and checkpoints signed through the Ed25519 file signer.
/// </summary>
public class SignedNoteTests
{
    private const string GoVerifierKey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    private const string GoSeed = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    private const string GoText = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
    private const string GoNote =
        GoText + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

    [Fact]
    public void The_go_reference_note_verifies_and_an_edited_one_does_not()
    {
        var key = NoteVerifier.Parse(GoVerifierKey);
        Assert.Equal("c74f20a3", Convert.ToHexStringLower(key.KeyId));
        Assert.Equal(GoVerifierKey, key.VerifierKey());
        Assert.Equal(GoText, SignedNote.VerifiedBody(GoNote, key));
        Assert.Null(SignedNote.VerifiedBody(GoNote.Replace("problem is", "problem was"), key));
        Assert.Null(SignedNote.VerifiedBody(GoNote.Replace("PeterNeumann x08", "PeterNeumanm x08"), key));
    }

    [Fact]
    public void The_file_signer_signs_the_go_reference_note_byte_for_byte()
    {
        var path = Path.Combine(Path.GetTempPath(), $"note-{Guid.NewGuid():N}.pem");
        var seed = Convert.FromBase64String(GoSeed)[1..];
        var der = Org
            .BouncyCastle.Pkcs.PrivateKeyInfoFactory.CreatePrivateKeyInfo(
                new Org.BouncyCastle.Crypto.Parameters.Ed25519PrivateKeyParameters(seed)
            )
            .GetEncoded();
        File.WriteAllText(path, System.Security.Cryptography.PemEncoding.WriteString("PRIVATE KEY", der));
        try
        {
            using var signer = Ed25519PemSigner.Load(path);
            Assert.Equal(SigningAlgorithms.EdDSA, signer.Algorithm);
            Assert.Equal(GoNote, SignedNote.Sign(GoText, signer, new NoteVerifier("PeterNeumann", signer.PublicKey)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_checkpoint_round_trips_and_a_foreign_key_does_not_verify_it()
    {
        var folder = Directory.CreateTempSubdirectory("note-").FullName;
        try
        {
            Ed25519PemSigner.Generate(Path.Combine(folder, "a.pem"));
            Ed25519PemSigner.Generate(Path.Combine(folder, "b.pem"));
            using var a = Ed25519PemSigner.Load(Path.Combine(folder, "a.pem"));
            using var b = Ed25519PemSigner.Load(Path.Combine(folder, "b.pem"));
            var checkpoint = new Checkpoint("governance.example/ledger", 7, Rfc6962.EmptyRoot());
            var keyA = new NoteVerifier("governance.example/ledger", a.PublicKey);
            var note = SignedNote.Sign(checkpoint.Body(), a, keyA);
            var body = SignedNote.VerifiedBody(note, keyA);
            Assert.NotNull(body);
            var read = Checkpoint.ParseBody(body);
            Assert.Equal((checkpoint.Origin, checkpoint.Size), (read.Origin, read.Size));
            Assert.Equal(checkpoint.RootHash, read.RootHash);
            Assert.Null(SignedNote.VerifiedBody(note, new NoteVerifier("governance.example/ledger", b.PublicKey)));
            Assert.Throws<ArgumentException>(() => SignedNote.Sign(checkpoint.Body(), b, keyA));
            Assert.Throws<FormatException>(() => Checkpoint.ParseBody("origin\n007\nAAAA\n"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
