using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace Governance.Attestations.Transparency;

/// <summary>
/// A checkpoint of a transparency log (C2SP <c>tlog-checkpoint</c>): the note body <c>origin\nsize\nbase64(root)\n</c> that
/// commits the log to the tree of its first <see cref="Size"/> leaves.
/// </summary>
/// <param name="Origin">The log's unique name (a schema-less URL, e.g. <c>governance.example.com/ledger</c>).</param>
/// <param name="Size">How many leaves the tree holds.</param>
/// <param name="RootHash">The RFC 6962 root of that tree (32 bytes).</param>
public sealed record Checkpoint(string Origin, long Size, byte[] RootHash)
{
    /// <summary>The note body the signatures cover, each line ending in a newline.</summary>
    public string Body() => $"{Origin}\n{Size}\n{Convert.ToBase64String(RootHash)}\n";

    /// <summary>Reads a checkpoint body (extension lines after the root are allowed and ignored, as C2SP says).</summary>
    /// <exception cref="FormatException">Not a checkpoint: fewer than three lines, a size that is not a non-negative decimal
    /// without leading zeros, or a root that is not 32 bytes of base64.</exception>
    public static Checkpoint ParseBody(string body)
    {
        var lines = body.Split('\n');
        if (lines.Length < 4 || lines[^1] != "" || lines[0].Length == 0)
            throw new FormatException("a checkpoint has an origin, a size and a root hash line, each ending in a newline");
        if (
            !long.TryParse(
                lines[1],
                System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture,
                out var size
            ) || (lines[1].Length > 1 && lines[1][0] == '0')
        )
            throw new FormatException($"checkpoint size '{lines[1]}' is not a decimal tree size");
        byte[] root;
        try
        {
            root = Convert.FromBase64String(lines[2]);
        }
        catch (FormatException)
        {
            throw new FormatException("checkpoint root hash is not base64");
        }
        if (root.Length != Rfc6962.HashSize)
            throw new FormatException($"checkpoint root hash has {root.Length} bytes, not {Rfc6962.HashSize}");
        return new Checkpoint(lines[0], size, root);
    }
}

/// <summary>An Ed25519 public key of a signed note (C2SP <c>signed-note</c>, signature type 0x01) under its key name.</summary>
public sealed class NoteVerifier
{
    /// <summary>The signed-note signature type of Ed25519.</summary>
    public const byte Ed25519Type = 0x01;

    /// <param name="name">The key name: non-empty, no spaces, no '+'.</param>
    /// <param name="publicKey">The 32-byte Ed25519 public key.</param>
    /// <exception cref="ArgumentException">An invalid name or key length.</exception>
    public NoteVerifier(string name, byte[] publicKey)
    {
        if (name.Length == 0 || name.Any(c => char.IsWhiteSpace(c) || c == '+'))
            throw new ArgumentException($"'{name}' is not a signed-note key name (no spaces, no '+')", nameof(name));
        if (publicKey.Length != 32)
            throw new ArgumentException($"an Ed25519 public key has 32 bytes, not {publicKey.Length}", nameof(publicKey));
        Name = name;
        PublicKey = publicKey;
        KeyId = SHA256.HashData([.. Encoding.UTF8.GetBytes(name), 0x0A, Ed25519Type, .. publicKey])[..4];
    }

    public string Name { get; }

    public byte[] PublicKey { get; }

    /// <summary>The 4-byte key id: the first bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key).</summary>
    public byte[] KeyId { get; }

    /// <summary>The verifier key string <c>name+hex(key id)+base64(0x01 ‖ public key)</c>, as Go's <c>note.NewVerifier</c>
    /// reads it.</summary>
    public string VerifierKey() => $"{Name}+{Convert.ToHexStringLower(KeyId)}+{Convert.ToBase64String([Ed25519Type, .. PublicKey])}";

    /// <summary>Reads a verifier key string (see <see cref="VerifierKey"/>).</summary>
    /// <exception cref="FormatException">Not an Ed25519 verifier key, or its key id does not match its name and key.</exception>
    public static NoteVerifier Parse(string verifierKey)
    {
        // The key's base64 may itself hold '+': the name and key id hold none.
        var parts = verifierKey.Trim().Split('+', 3);
        if (parts.Length != 3)
            throw new FormatException("a verifier key reads name+keyid+base64key");
        byte[] key;
        try
        {
            key = Convert.FromBase64String(parts[2]);
        }
        catch (FormatException)
        {
            throw new FormatException("the verifier key's key is not base64");
        }
        if (key.Length != 33 || key[0] != Ed25519Type)
            throw new FormatException("the verifier key is not an Ed25519 (type 0x01) key");
        var verifier = new NoteVerifier(parts[0], key[1..]);
        if (!string.Equals(Convert.ToHexStringLower(verifier.KeyId), parts[1], StringComparison.Ordinal))
            throw new FormatException("the verifier key's key id does not match its name and key");
        return verifier;
    }

    /// <summary>True when <paramref name="signature"/> (64 bytes) is this key's Ed25519 signature of <paramref name="body"/>.</summary>
    public bool Verify(string body, byte[] signature)
    {
        if (signature.Length != 64)
            return false;
        var verifier = new Ed25519Signer();
        verifier.Init(false, new Ed25519PublicKeyParameters(PublicKey));
        var message = Encoding.UTF8.GetBytes(body);
        verifier.BlockUpdate(message, 0, message.Length);
        return verifier.VerifySignature(signature);
    }
}

/// <summary>
/// The C2SP <c>signed-note</c> text format: a body of newline-terminated lines, a blank line, then one line per signature,
/// <c>— name base64(key id ‖ signature)</c> (U+2014 EM DASH, a space, the key name, a space).
/// </summary>
public static class SignedNote
{
    private const string SignaturePrefix = "\u2014 ";

    /// <summary>Signs <paramref name="body"/> with <paramref name="signer"/> (an Ed25519 signer, <see cref="SigningAlgorithms.EdDSA"/>)
    /// whose public key is <paramref name="key"/>'s, and returns the note.</summary>
    /// <exception cref="ArgumentException">The body is empty, does not end with a newline, or the signer is not Ed25519.</exception>
    public static string Sign(string body, IAttestationSigner signer, NoteVerifier key)
    {
        if (body.Length == 0 || !body.EndsWith('\n') || body.Contains("\n\n", StringComparison.Ordinal))
            throw new ArgumentException("a note body is non-empty lines each ending in a newline", nameof(body));
        if (signer.Algorithm != SigningAlgorithms.EdDSA)
            throw new ArgumentException($"signed-note type 0x01 needs an Ed25519 signer, not {signer.Algorithm}", nameof(signer));
        var signature = signer.Sign(Encoding.UTF8.GetBytes(body));
        if (!key.Verify(body, signature))
            throw new ArgumentException("the signer's key is not the verifier key's", nameof(key));
        return $"{body}\n{SignaturePrefix}{key.Name} {Convert.ToBase64String([.. key.KeyId, .. signature])}\n";
    }

    /// <summary>Splits a note into its body and its signatures (name, 4-byte key id, signature bytes).</summary>
    /// <exception cref="FormatException">Not a signed note.</exception>
    public static (string Body, IReadOnlyList<(string Name, byte[] KeyId, byte[] Signature)> Signatures) Parse(string note)
    {
        var split = note.LastIndexOf("\n\n", StringComparison.Ordinal);
        if (split < 0 || !note.EndsWith('\n'))
            throw new FormatException("a signed note is a body, a blank line and signature lines");
        var body = note[..(split + 1)];
        var signatures = new List<(string, byte[], byte[])>();
        foreach (var line in note[(split + 2)..^1].Split('\n'))
        {
            var space = line.LastIndexOf(' ');
            if (!line.StartsWith(SignaturePrefix, StringComparison.Ordinal) || space <= SignaturePrefix.Length)
                throw new FormatException($"'{line}' is not a signature line (— name signature)");
            byte[] blob;
            try
            {
                blob = Convert.FromBase64String(line[(space + 1)..]);
            }
            catch (FormatException)
            {
                throw new FormatException($"the signature of '{line[SignaturePrefix.Length..space]}' is not base64");
            }
            if (blob.Length < 5)
                throw new FormatException("a signature holds a 4-byte key id and the signature");
            signatures.Add((line[SignaturePrefix.Length..space], blob[..4], blob[4..]));
        }
        return (body, signatures);
    }

    /// <summary>The note's body when one of its signatures is <paramref name="key"/>'s and verifies; else null. Malformed notes
    /// verify as null too.</summary>
    public static string? VerifiedBody(string note, NoteVerifier key)
    {
        try
        {
            var (body, signatures) = Parse(note);
            return signatures.Any(s => s.Name == key.Name && s.KeyId.AsSpan().SequenceEqual(key.KeyId) && key.Verify(body, s.Signature))
                ? body
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
