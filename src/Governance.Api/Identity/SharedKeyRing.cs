using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Governance.Api.Identity;

/// <summary>
/// ASP.NET Core Data Protection's key ring, in the identity store (<c>identity.data_protection_keys</c>), through
/// Microsoft.AspNetCore.DataProtection.EntityFrameworkCore: every API node reads and writes the same keys, so the web UI's
/// sign-in and session cookies and its antiforgery tokens made by one node are read by every other, and a browser needs no
/// sticky session behind the load balancer (docs/operations.md). The keys are encrypted at rest with the token encryption
/// certificate every node shares (Governance:Identity:EncryptionCertificate).
/// </summary>
public sealed class SharedKeyRing(DbContextOptions<SharedKeyRing> options) : DbContext(options), IDataProtectionKeyContext
{
    /// <summary>The table, in <see cref="IdentityDb.Schema"/>.</summary>
    public const string Table = "data_protection_keys";

    /// <summary>The application name every node protects with: nodes that share keys must share it too.</summary>
    public const string ApplicationName = "Governance";

    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder builder) => builder.Entity<DataProtectionKey>().ToTable(Table, IdentityDb.Schema);

    /// <summary>Keeps the key ring in the identity store's database, encrypted with <paramref name="encryption"/>.</summary>
    public static void Add(
        IServiceCollection services,
        string connectionString,
        System.Security.Cryptography.X509Certificates.X509Certificate2 encryption
    )
    {
        services.AddDbContext<SharedKeyRing>(o => o.UseNpgsql(connectionString));
        services
            .AddDataProtection()
            .SetApplicationName(ApplicationName)
            .PersistKeysToDbContext<SharedKeyRing>()
            .ProtectKeysWithCertificate(encryption)
            .UnprotectKeysWithAnyCertificate(encryption);
    }
}
