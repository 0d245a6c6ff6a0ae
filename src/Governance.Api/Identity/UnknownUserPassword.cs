using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Governance.Api.Identity;

/// <summary>
/// Makes a sign-in with an unknown user name cost what one with a wrong password does (OWASP ASVS 4.0.3 V2.2.1; OWASP
/// Authentication Cheat Sheet, "Authentication Responses"): the password given is checked by the same
/// <see cref="IPasswordHasher{TUser}"/> against a placeholder hash of a random password, made once with Identity's hasher
/// settings (PBKDF2 iterations), so that timing does not tell which user names exist. The check always fails.
/// </summary>
public sealed class UnknownUserPassword(IOptions<PasswordHasherOptions> options)
{
    private readonly string _placeholder = new PasswordHasher<GovernanceUser>(options).HashPassword(
        new GovernanceUser(),
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))
    );

    /// <summary>Runs <paramref name="hasher"/> on <paramref name="password"/> as for a real account; the result is discarded, as
    /// no password can match the placeholder.</summary>
    public void Check(IPasswordHasher<GovernanceUser> hasher, string password) =>
        hasher.VerifyHashedPassword(new GovernanceUser(), _placeholder, password);
}
