using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using Governance.Domain.Shared;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Governance.Api.Hosting;

/// <summary>
/// Development-only sign-in until the OpenID Connect issuer lands: one API key per role, generated at first start into
/// the git-ignored data folder and printed by the run command. Sent as <c>Authorization: ApiKey &lt;key&gt;</c>.
/// Never registered outside the Development environment.
/// </summary>
public sealed class DevelopmentKeys
{
    public const string Scheme = "DevelopmentKeys";

    public sealed record Identity(string Key, string SubjectId, string DisplayName, string Role);

    public required IReadOnlyList<Identity> Identities { get; init; }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private static readonly (string Subject, string Name, string Role)[] People =
    [
        ("dev-owner-olivia", "Olivia Owner (model owner)", Roles.ModelOwner),
        ("dev-validator-victor", "Victor Validator (independent validation)", Roles.Validator),
        ("dev-officer-rita", "Rita Risk (risk officer)", Roles.RiskOfficer),
        ("dev-officer-ravi", "Ravi Risk (risk officer)", Roles.RiskOfficer),
        ("dev-auditor-ada", "Ada Auditor (internal audit)", Roles.Auditor),
        ("dev-pipeline", "Deployment pipeline (CI)", Roles.DeploymentPipeline),
        ("dev-admin", "Adam Admin", Roles.Admin),
    ];

    public static DevelopmentKeys LoadOrCreate(string dataFolder)
    {
        Directory.CreateDirectory(dataFolder);
        var path = Path.Combine(dataFolder, "development-keys.json");
        if (File.Exists(path))
            return new DevelopmentKeys { Identities = JsonSerializer.Deserialize<Identity[]>(File.ReadAllText(path), Json)! };
        var identities = People.Select(p => new Identity(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), p.Subject, p.Name, p.Role)).ToArray();
        File.WriteAllText(path, JsonSerializer.Serialize(identities, Json));
        return new DevelopmentKeys { Identities = identities };
    }

    public sealed class Handler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, DevelopmentKeys keys)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            var header = Request.Headers.Authorization.ToString();
            if (!header.StartsWith("ApiKey ", StringComparison.Ordinal)) return Task.FromResult(AuthenticateResult.NoResult());
            var key = header["ApiKey ".Length..].Trim();
            var identity = keys.Identities.FirstOrDefault(i => CryptographicOperations.FixedTimeEquals(
                System.Text.Encoding.UTF8.GetBytes(i.Key), System.Text.Encoding.UTF8.GetBytes(key)));
            if (identity is null) return Task.FromResult(AuthenticateResult.Fail("Unknown development API key."));
            var claims = new[] { new Claim("sub", identity.SubjectId), new Claim("name", identity.DisplayName), new Claim(ClaimTypes.Role, identity.Role) };
            var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, DevelopmentKeys.Scheme, "name", ClaimTypes.Role));
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, DevelopmentKeys.Scheme)));
        }
    }
}
