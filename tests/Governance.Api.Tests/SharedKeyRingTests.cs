using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Governance.Api.Identity;
using Governance.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Governance.Api.Tests;

/// <summary>The key ring's fixture: its own database, whose identity schema the host creates.</summary>
public sealed class KeyRingApp : LedgerApp;

/// <summary>
/// ASP.NET Core Data Protection's keys live in the identity store, encrypted with the certificate the nodes share: what one
/// node protects (sign-in cookies, antiforgery tokens), another node reads, and no one without the certificate can.
/// </summary>
public sealed class SharedKeyRingTests(KeyRingApp app) : IClassFixture<KeyRingApp>
{
    private static X509Certificate2 Certificate(string name)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
    }

    /// <summary>A node's data protection, as the API host configures it.</summary>
    private ServiceProvider Node(X509Certificate2 encryption)
    {
        var services = new ServiceCollection().AddLogging();
        SharedKeyRing.Add(services, app.ConnectionString, encryption);
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task What_one_node_protects_another_node_with_the_shared_certificate_reads_and_a_stranger_cannot()
    {
        _ = app.Services; // the host has created the identity schema
        var shared = Certificate("governance-token-encryption");
        await using var nodeA = Node(shared);
        await using var nodeB = Node(shared);
        const string purpose = "Governance.Tests.SharedKeyRing";

        var cookie = nodeA.GetRequiredService<IDataProtectionProvider>().CreateProtector(purpose).Protect("signed in as rita");

        Assert.Equal("signed in as rita", nodeB.GetRequiredService<IDataProtectionProvider>().CreateProtector(purpose).Unprotect(cookie));
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var keys = new NpgsqlCommand(
            $"select count(*), bool_and(\"Xml\" like '%EncryptedData%') from identity.{SharedKeyRing.Table}",
            connection
        );
        await using var reader = await keys.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.True(reader.GetInt64(0) >= 1, "no key in the identity store");
        Assert.True(reader.GetBoolean(1), "a key is stored unencrypted");

        await using var stranger = Node(Certificate("someone-else"));
        Assert.ThrowsAny<CryptographicException>(() =>
            stranger.GetRequiredService<IDataProtectionProvider>().CreateProtector(purpose).Unprotect(cookie)
        );
    }
}
