using Governance.Ledger.Attestations;

namespace Governance.Api.Tests;

/// <summary>Signing keys on disk are readable by their owner only (issue 11, item 1).</summary>
public sealed class AttestationKeyRingTests : IDisposable
{
    private readonly string _parent = Directory.CreateTempSubdirectory("key-ring-").FullName;

    public void Dispose() => Directory.Delete(_parent, recursive: true);

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Key_files_are_0600_in_a_0700_folder_and_keys_an_earlier_release_left_readable_are_tightened()
    {
        var folder = Path.Combine(_parent, "keys");
        using (new AttestationKeyRing(folder).Rotate()) { }
        var older = Path.Combine(folder, "older.pem");
        File.WriteAllText(older, "-----BEGIN PRIVATE KEY-----");
        File.SetUnixFileMode(older, (UnixFileMode)0b110_100_100);

        using (new AttestationKeyRing(folder).Rotate()) { }

        const UnixFileMode ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        Assert.Equal(ownerOnly | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
        var keys = Directory.GetFiles(folder, "*.pem");
        Assert.Equal(3, keys.Length);
        Assert.All(keys, key => Assert.Equal(ownerOnly, File.GetUnixFileMode(key)));
    }
}
