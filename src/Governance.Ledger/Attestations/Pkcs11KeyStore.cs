using System.Formats.Asn1;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Governance.Attestations;
using Governance.Domain.AttestationKeys;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace Governance.Ledger.Attestations;

/// <summary>Where the PKCS#11 key store finds its token (Governance:Attestations:Pkcs11).</summary>
/// <param name="Library">The module's path, e.g. <c>/usr/lib/softhsm/libsofthsm2.so</c> or an HSM vendor's.</param>
/// <param name="TokenLabel">The token's label.</param>
/// <param name="UserPin">The user PIN (from a secret store or environment variable, never a committed file).</param>
public sealed record Pkcs11Options(string Library, string TokenLabel, string UserPin);

/// <summary>
/// Attestation keys in a PKCS#11 token (an HSM; SoftHSM2 in tests): generated on the token as non-extractable EC P-256
/// private keys labelled with their key id, used through <c>CKM_ECDSA</c> and destroyed with <c>C_DestroyObject</c>.
/// The private key never leaves the token. Each operation opens its own session, and every call into a module is made
/// under one process-wide lock, so the store may be used from any thread.
/// </summary>
public sealed class Pkcs11KeyStore : IAttestationKeyStore, IDisposable
{
    /// <summary>DER of the named curve prime256v1 (OID 1.2.840.10045.3.1.7), the <c>CKA_EC_PARAMS</c> of a P-256 key.</summary>
    private static readonly byte[] P256Parameters = [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];

    /// <summary>DER of the OID id-Ed25519 (1.3.101.112, RFC 8410), the <c>CKA_EC_PARAMS</c> of an Ed25519 key.</summary>
    private static readonly byte[] Ed25519Parameters = [0x06, 0x03, 0x2B, 0x65, 0x70];

    /// <summary>PKCS#11 v3.0 §2.3.5 and §2.3.14: <c>CKM_EC_EDWARDS_KEY_PAIR_GEN</c> and <c>CKM_EDDSA</c>.</summary>
    private const CKM EdwardsKeyPairGen = (CKM)0x1055;

    private const CKM EdDsa = (CKM)0x1057;

    private static readonly Pkcs11InteropFactories Factories = new();
    private static readonly Lazy<bool> LibdlResolver = new(() =>
    {
        // Pkcs11Interop loads "libdl", which Debian 12 ships only as libdl.so.2.
        NativeLibrary.SetDllImportResolver(
            typeof(Pkcs11InteropFactories).Assembly,
            (name, _, _) => name == "libdl" ? NativeLibrary.Load("libdl.so.2") : IntPtr.Zero
        );
        return true;
    });

    /// <summary>The modules loaded in this process, with how many stores use each: PKCS#11 state is per process
    /// (<c>C_Finalize</c> ends every session of the module), so the attestation keys and the checkpoint key share one load and
    /// the last store disposed finalizes it. Guarded by <see cref="Module"/>.</summary>
    private static readonly Dictionary<string, (IPkcs11Library Library, int Users)> Loaded = [];

    /// <summary>
    /// Held for every call into a module. SoftHSM2 2.6 (Debian 12's) fails key generation with <c>CKR_GENERAL_ERROR</c> and
    /// crashes the process when sessions are opened and closed on several threads at once (SoftHSMv2 issues 573 and 688),
    /// though it declares itself thread-safe. The ledger signs an approval's attestation, a status list or a checkpoint at
    /// most a few times a second, so taking turns costs it nothing it would notice.
    /// </summary>
    private static readonly Lock Module = new();

    private readonly string _libraryPath;
    private readonly IPkcs11Library _library;
    private readonly ISlot _slot;
    private readonly string _pin;
    private bool _disposed;

    /// <exception cref="Pkcs11Exception">The module cannot be loaded.</exception>
    /// <exception cref="InvalidOperationException">No token has the label.</exception>
    public Pkcs11KeyStore(Pkcs11Options options)
    {
        if (!OperatingSystem.IsWindows())
            _ = LibdlResolver.Value;
        _libraryPath = Path.GetFullPath(options.Library);
        lock (Module)
        {
            _library = Acquire(_libraryPath);
            try
            {
                _slot =
                    _library
                        .GetSlotList(SlotsType.WithTokenPresent)
                        .FirstOrDefault(s => s.GetTokenInfo().Label.Trim() == options.TokenLabel)
                    ?? throw new InvalidOperationException(
                        $"No PKCS#11 token labelled '{options.TokenLabel}' is present in {options.Library}."
                    );
            }
            catch
            {
                Release(_libraryPath);
                throw;
            }
        }
        _pin = options.UserPin;
    }

    public string Kind => "pkcs11";

    public NewAttestationKey Generate()
    {
        using var turn = Module.EnterScope();
        using var session = OpenSession();
        var attributes = Factories.ObjectAttributeFactory;
        var pending = "pending-" + Guid.NewGuid().ToString("N");
        session.GenerateKeyPair(
            Factories.MechanismFactory.Create(CKM.CKM_EC_KEY_PAIR_GEN),
            [
                attributes.Create(CKA.CKA_TOKEN, true),
                attributes.Create(CKA.CKA_VERIFY, true),
                attributes.Create(CKA.CKA_EC_PARAMS, P256Parameters),
                attributes.Create(CKA.CKA_LABEL, pending),
            ],
            [
                attributes.Create(CKA.CKA_TOKEN, true),
                attributes.Create(CKA.CKA_PRIVATE, true),
                attributes.Create(CKA.CKA_SENSITIVE, true),
                attributes.Create(CKA.CKA_EXTRACTABLE, false),
                attributes.Create(CKA.CKA_SIGN, true),
                attributes.Create(CKA.CKA_LABEL, pending),
            ],
            out var publicKey,
            out var privateKey
        );
        var point = session.GetAttributeValue(publicKey, [CKA.CKA_EC_POINT])[0].GetValueAsByteArray();
        using var key = PublicKeyOf(point);
        var kid = Jwks.KeyIdOf(key);
        foreach (var handle in new[] { publicKey, privateKey })
            session.SetAttributeValue(handle, [attributes.Create(CKA.CKA_LABEL, kid)]);
        return new NewAttestationKey(kid, SigningAlgorithms.ES256, Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()), Kind);
    }

    public IAttestationSigner Open(string keyId)
    {
        using var turn = Module.EnterScope();
        var session = OpenSession();
        try
        {
            var key =
                Find(session, keyId, CKO.CKO_PRIVATE_KEY).FirstOrDefault()
                ?? throw new CryptographicException($"The PKCS#11 token holds no private key {keyId}.");
            return new Pkcs11Signer(session, key, keyId);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    public void Destroy(string keyId)
    {
        using var turn = Module.EnterScope();
        using var session = OpenSession();
        foreach (var handle in Find(session, keyId, CKO.CKO_PRIVATE_KEY).Concat(Find(session, keyId, CKO.CKO_PUBLIC_KEY)))
            session.DestroyObject(handle);
    }

    public IReadOnlyList<string> KeyIds()
    {
        using var turn = Module.EnterScope();
        using var session = OpenSession();
        return session
            .FindAllObjects([Factories.ObjectAttributeFactory.Create(CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY)])
            .Select(h => session.GetAttributeValue(h, [CKA.CKA_LABEL])[0].GetValueAsString())
            .Where(label => !label.StartsWith("pending-", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToArray();
    }

    /// <summary>
    /// Generates an Ed25519 key pair on the token for the transparency log's checkpoints (<c>CKM_EC_EDWARDS_KEY_PAIR_GEN</c>,
    /// PKCS#11 v3.0), the private key non-extractable, both labelled <paramref name="label"/>, and opens it.
    /// </summary>
    /// <exception cref="InvalidOperationException">The token already holds a key with that label.</exception>
    /// <exception cref="Pkcs11Exception">The token cannot generate Ed25519 keys (SoftHSM2 does from 2.6).</exception>
    public IEd25519Signer GenerateEd25519(string label)
    {
        using var turn = Module.EnterScope();
        using (var session = OpenSession())
        {
            if (Find(session, label, CKO.CKO_PRIVATE_KEY).Count > 0)
                throw new InvalidOperationException($"The PKCS#11 token already holds a private key labelled '{label}'.");
            var attributes = Factories.ObjectAttributeFactory;
            session.GenerateKeyPair(
                Factories.MechanismFactory.Create(EdwardsKeyPairGen),
                [
                    attributes.Create(CKA.CKA_TOKEN, true),
                    attributes.Create(CKA.CKA_VERIFY, true),
                    attributes.Create(CKA.CKA_EC_PARAMS, Ed25519Parameters),
                    attributes.Create(CKA.CKA_LABEL, label),
                ],
                [
                    attributes.Create(CKA.CKA_TOKEN, true),
                    attributes.Create(CKA.CKA_PRIVATE, true),
                    attributes.Create(CKA.CKA_SENSITIVE, true),
                    attributes.Create(CKA.CKA_EXTRACTABLE, false),
                    attributes.Create(CKA.CKA_SIGN, true),
                    attributes.Create(CKA.CKA_LABEL, label),
                ],
                out _,
                out _
            );
        }
        return OpenEd25519(label);
    }

    /// <summary>Opens the Ed25519 key pair labelled <paramref name="label"/> (its public key read from the token).</summary>
    /// <exception cref="CryptographicException">The token holds no such key pair, or its public key is not an Ed25519 point.</exception>
    public IEd25519Signer OpenEd25519(string label)
    {
        using var turn = Module.EnterScope();
        var session = OpenSession();
        try
        {
            var key =
                Find(session, label, CKO.CKO_PRIVATE_KEY).FirstOrDefault()
                ?? throw new CryptographicException($"The PKCS#11 token holds no private key labelled '{label}'.");
            var publicKey =
                Find(session, label, CKO.CKO_PUBLIC_KEY).FirstOrDefault()
                ?? throw new CryptographicException($"The PKCS#11 token holds no public key labelled '{label}'.");
            var point = session.GetAttributeValue(publicKey, [CKA.CKA_EC_POINT])[0].GetValueAsByteArray();
            return new Pkcs11Ed25519Signer(session, key, Ed25519PointOf(point));
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Earlier releases kept keys only in files.</summary>
    public EarlierReleaseKeys? FindEarlierReleaseKeys() => null;

    public void Dispose()
    {
        lock (Module)
        {
            if (_disposed)
                return;
            _disposed = true;
            Release(_libraryPath);
        }
    }

    /// <summary>Loads the module or counts one more user of it; call under <see cref="Module"/>.</summary>
    private static IPkcs11Library Acquire(string path)
    {
        var library = Loaded.TryGetValue(path, out var loaded)
            ? loaded.Library
            : Factories.Pkcs11LibraryFactory.LoadPkcs11Library(Factories, path, AppType.MultiThreaded);
        Loaded[path] = (library, loaded.Users + 1);
        return library;
    }

    /// <summary>Counts one user less of the module, finalizing it after the last; call under <see cref="Module"/>.</summary>
    private static void Release(string path)
    {
        var (library, users) = Loaded[path];
        if (users > 1)
            Loaded[path] = (library, users - 1);
        else
        {
            Loaded.Remove(path);
            library.Dispose();
        }
    }

    /// <summary>A logged-in session; call under <see cref="Module"/>.</summary>
    private ISession OpenSession()
    {
        var session = _slot.OpenSession(SessionType.ReadWrite);
        try
        {
            session.Login(CKU.CKU_USER, _pin);
        }
        catch (Pkcs11Exception e) when (e.RV == CKR.CKR_USER_ALREADY_LOGGED_IN) { }
        catch
        {
            session.Dispose();
            throw;
        }
        return session;
    }

    private static List<IObjectHandle> Find(ISession session, string keyId, CKO kind) =>
        session.FindAllObjects([
            Factories.ObjectAttributeFactory.Create(CKA.CKA_CLASS, kind),
            Factories.ObjectAttributeFactory.Create(CKA.CKA_LABEL, keyId),
        ]);

    /// <summary><c>CKA_EC_POINT</c> is a DER OCTET STRING around the uncompressed point 04‖X‖Y.</summary>
    private static ECDsa PublicKeyOf(byte[] ecPoint)
    {
        var point = AsnDecoder.ReadOctetString(ecPoint, AsnEncodingRules.DER, out _);
        if (point.Length != 65 || point[0] != 0x04)
            throw new CryptographicException("The token answered an EC point that is not an uncompressed P-256 point.");
        return ECDsa.Create(
            new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = point[1..33], Y = point[33..] },
            }
        );
    }

    /// <summary><c>CKA_EC_POINT</c> of an Edwards key: the 32-byte point, as a DER OCTET STRING (as SoftHSM2 and PKCS#11 v3.0
    /// write it) or raw.</summary>
    private static byte[] Ed25519PointOf(byte[] ecPoint)
    {
        var point = ecPoint.Length == 32 ? ecPoint : AsnDecoder.ReadOctetString(ecPoint, AsnEncodingRules.DER, out _);
        return point.Length == 32 ? point : throw new CryptographicException("The token answered a public key that is not Ed25519.");
    }

    /// <summary>An Ed25519 signer holding a logged-in session and the private key's handle until disposed.</summary>
    private sealed class Pkcs11Ed25519Signer(ISession session, IObjectHandle key, byte[] publicKey) : IEd25519Signer
    {
        public string KeyId { get; } = Jwks.Ed25519Thumbprint(publicKey);

        public string Algorithm => SigningAlgorithms.EdDSA;

        public byte[] PublicKey => publicKey;

        /// <summary>Pure Ed25519 (RFC 8032 §5.1.6) over <paramref name="data"/>, computed by the token (<c>CKM_EDDSA</c>
        /// without parameters).</summary>
        public byte[] Sign(byte[] data)
        {
            lock (Module)
                return session.Sign(Factories.MechanismFactory.Create(EdDsa), key, data);
        }

        public void Dispose()
        {
            lock (Module)
                session.Dispose();
        }
    }

    /// <summary>
    /// An ECDSA signature as raw r‖s (two equal halves, big-endian, zero-padded: IEEE P1363, what PKCS#11 answers) re-encoded
    /// as the DER <c>SEQUENCE { r INTEGER, s INTEGER }</c> of RFC 3279 §2.2.3. The integers are written minimal: a half that
    /// starts with zero bytes (about one signature in 256) loses them, which <c>AsnWriter.WriteIntegerUnsigned</c> refuses to
    /// do itself.
    /// </summary>
    /// <exception cref="ArgumentException">An empty or odd-length signature.</exception>
    internal static byte[] DerSignature(ReadOnlySpan<byte> raw)
    {
        if (raw.Length == 0 || raw.Length % 2 != 0)
            throw new ArgumentException($"Not a raw r‖s signature: {raw.Length} bytes.", nameof(raw));
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteInteger(new BigInteger(raw[..(raw.Length / 2)], isUnsigned: true, isBigEndian: true));
            writer.WriteInteger(new BigInteger(raw[(raw.Length / 2)..], isUnsigned: true, isBigEndian: true));
        }
        return writer.Encode();
    }

    /// <summary>A signer holding a logged-in session and the private key's handle until disposed.</summary>
    private sealed class Pkcs11Signer(ISession session, IObjectHandle key, string keyId) : IAttestationSigner
    {
        public string KeyId => keyId;

        public string Algorithm => SigningAlgorithms.ES256;

        /// <summary>ECDSA P-256 over SHA-256 of <paramref name="data"/>: the token signs the digest (<c>CKM_ECDSA</c>) and
        /// answers raw r‖s (PKCS#11 v2.40 §2.3.1), re-encoded as the DER sequence our envelopes carry.</summary>
        public byte[] Sign(byte[] data)
        {
            byte[] raw;
            lock (Module)
                raw = session.Sign(Factories.MechanismFactory.Create(CKM.CKM_ECDSA), key, SHA256.HashData(data));
            return DerSignature(raw);
        }

        public void Dispose()
        {
            lock (Module)
                session.Dispose();
        }
    }
}
