using Governance.Ledger.Attestations;

namespace Governance.Api.Tests.Infrastructure;

/// <summary>The SoftHSM2 token ./gov test installs and initialises (GOVERNANCE_TEST_PKCS11_* and SOFTHSM2_CONF).</summary>
public static class SoftHsm
{
    public static Pkcs11Options Token() =>
        new(Variable("GOVERNANCE_TEST_PKCS11_LIBRARY"), Variable("GOVERNANCE_TEST_PKCS11_TOKEN"), Variable("GOVERNANCE_TEST_PKCS11_PIN"));

    private static string Variable(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{name} is not set: run the tests with ./gov test, which installs softhsm2 and initialises a test token."
            );
}

/// <summary>The API with its attestation keys in the SoftHSM2 token instead of a folder.</summary>
public sealed class SoftHsmLedgerApp : LedgerApp
{
    protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        var token = SoftHsm.Token();
        builder.UseSetting("Governance:Attestations:Pkcs11:Library", token.Library);
        builder.UseSetting("Governance:Attestations:Pkcs11:TokenLabel", token.TokenLabel);
        builder.UseSetting("Governance:Attestations:Pkcs11:UserPin", token.UserPin);
    }
}
