using System.Security.Cryptography;
using Governance.Attestations;
using Governance.Ledger.Attestations;

namespace Governance.Api.Tests;

/// <summary>Private keys in a folder: owner-only, destroyed on request, and an earlier release's files found (issue 11, item 1).</summary>
public sealed class AttestationKeyRingTests : IDisposable
{
    private readonly string _parent = Directory.CreateTempSubdirectory("key-ring-").FullName;

    public void Dispose() => Directory.Delete(_parent, recursive: true);

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Key_files_are_0600_in_a_0700_folder_and_keys_an_earlier_release_left_readable_are_tightened()
    {
        var folder = Path.Combine(_parent, "keys");
        new PemKeyStore(folder).Generate();
        var older = Path.Combine(folder, "older.pem");
        File.WriteAllText(older, "-----BEGIN PRIVATE KEY-----");
        File.SetUnixFileMode(older, (UnixFileMode)0b110_100_100);

        new PemKeyStore(folder).Generate();

        const UnixFileMode ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        Assert.Equal(ownerOnly | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
        var keys = Directory.GetFiles(folder, "*.pem");
        Assert.Equal(3, keys.Length);
        Assert.All(keys, key => Assert.Equal(ownerOnly, File.GetUnixFileMode(key)));
    }

    [Fact]
    public void A_destroyed_key_can_no_longer_sign()
    {
        var store = new PemKeyStore(Path.Combine(_parent, "keys"));
        var key = store.Generate();
        using (var signer = store.Open(key.KeyId))
            Assert.Equal(SigningAlgorithms.ES256, signer.Algorithm);

        store.Destroy(key.KeyId);

        Assert.Empty(store.KeyIds());
        Assert.Throws<CryptographicException>(() => store.Open(key.KeyId));
    }

    [Fact]
    public void The_keys_an_earlier_release_left_are_found_by_its_current_pointer()
    {
        var folder = Path.Combine(_parent, "keys");
        var store = new PemKeyStore(folder);
        var retired = store.Generate();
        var current = store.Generate();
        Assert.Null(store.FindEarlierReleaseKeys());
        File.WriteAllText(Path.Combine(folder, "current"), current.KeyId);

        var earlier = store.FindEarlierReleaseKeys()!;

        Assert.Equal(current, earlier.Current);
        Assert.Equal([retired], earlier.Retired);
    }
}
