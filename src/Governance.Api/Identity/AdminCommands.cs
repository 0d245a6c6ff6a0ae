using Governance.Attestations;
using Governance.Attestations.Transparency;
using Governance.Domain.Shared;
using Governance.Ledger.Attestations;
using Governance.Ledger.Transparency;

namespace Governance.Api.Identity;

/// <summary>
/// Bootstrap from the command line, for a fresh production install where no Admin can sign in yet:
///   Governance.Api admin create-user --user NAME --display-name "NAME" --role ROLE [--role ROLE] [--email E]   (password read from stdin)
///   Governance.Api admin register-client --client-id ID --display-name "NAME" --scope SCOPE [--scope SCOPE] [--role ROLE]
///   Governance.Api admin rotate-secret --client-id ID
///   Governance.Api admin generate-checkpoint-key
/// Each identity change is recorded in the security log with the operating-system user as actor.
/// </summary>
public static class AdminCommands
{
    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        // The checkpoint key is not an identity change: no identity store needed.
        if (args is ["generate-checkpoint-key"])
            return GenerateCheckpointKey(services, stdout, stderr);
        var options = Parse(args.Skip(1));
        var actor = new Actor(Subjects.OsPrefix + Environment.UserName, Roles.Admin);
        await IdentityDb.EnsureSchemaAsync(services, CancellationToken.None);
        await using var scope = services.CreateAsyncScope();
        var accounts = scope.ServiceProvider.GetRequiredService<Accounts>();
        try
        {
            switch (args.ElementAtOrDefault(0))
            {
                case "create-user":
                    var password = stdin.ReadLine();
                    var user = await accounts.CreateUserAsync(
                        new NewUser(
                            One(options, "user"),
                            One(options, "display-name"),
                            One(options, "email"),
                            password,
                            options.GetValueOrDefault("role") ?? []
                        ),
                        actor,
                        null,
                        CancellationToken.None
                    );
                    stdout.WriteLine($"created user {user.UserName} ({user.Id}) with roles {string.Join(", ", options["role"])}");
                    return 0;
                case "register-client":
                    var client = await accounts.RegisterClientAsync(
                        new NewClient(
                            One(options, "client-id"),
                            One(options, "display-name"),
                            options.GetValueOrDefault("scope"),
                            options.GetValueOrDefault("role")
                        ),
                        actor,
                        null,
                        CancellationToken.None
                    );
                    stdout.WriteLine($"client_id={client.ClientId}");
                    stdout.WriteLine($"client_secret={client.ClientSecret}");
                    return 0;
                case "rotate-secret":
                    var rotated = await accounts.RotateSecretAsync(One(options, "client-id") ?? "", actor, null, CancellationToken.None);
                    stdout.WriteLine($"client_id={rotated.ClientId}");
                    stdout.WriteLine($"client_secret={rotated.ClientSecret}");
                    return 0;
                default:
                    stderr.WriteLine(
                        "usage: admin create-user --user NAME --display-name NAME --role ROLE [--email E] (password on stdin)"
                    );
                    stderr.WriteLine("       admin register-client --client-id ID --display-name NAME --scope SCOPE [--role ROLE]");
                    stderr.WriteLine("       admin rotate-secret --client-id ID");
                    stderr.WriteLine("       admin generate-checkpoint-key");
                    return 2;
            }
        }
        catch (GovernanceRuleException refused)
        {
            stderr.WriteLine($"refused ({refused.Code}): {refused.Message}");
            return 1;
        }
    }

    /// <summary>
    /// Makes the transparency log's checkpoint key where the configuration puts it (Governance:TransparencyLog:KeyFile, a new
    /// PEM file with mode 0600; or :Pkcs11, a non-extractable Ed25519 key pair on the token labelled :KeyLabel) and prints the
    /// signed-note verifier key auditors give <c>governance ledger verify --log-key</c>. Never replaces an existing key: exit 1.
    /// </summary>
    private static int GenerateCheckpointKey(IServiceProvider services, TextWriter stdout, TextWriter stderr)
    {
        if (services.GetService<TransparencyLogOptions>() is not { } options)
        {
            stderr.WriteLine(
                "No transparency log is configured: set Governance:TransparencyLog:KeyFile or Governance:TransparencyLog:Pkcs11."
            );
            return 2;
        }
        try
        {
            byte[] publicKey;
            if (options.Pkcs11Key is { } pkcs11)
            {
                using var token = new Pkcs11KeyStore(pkcs11.Token);
                using var signer = token.GenerateEd25519(pkcs11.KeyLabel);
                publicKey = signer.PublicKey;
            }
            else
            {
                Ed25519PemSigner.Generate(options.KeyFile!);
                using var signer = Ed25519PemSigner.Load(options.KeyFile!);
                publicKey = signer.PublicKey;
            }
            stdout.WriteLine(new NoteVerifier(options.Origin, publicKey).VerifierKey());
            return 0;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or System.Security.Cryptography.CryptographicException)
        {
            stderr.WriteLine($"refused: {e.Message}");
            return 1;
        }
    }

    private static string? One(Dictionary<string, List<string>> options, string name) => options.GetValueOrDefault(name)?.LastOrDefault();

    private static Dictionary<string, List<string>> Parse(IEnumerable<string> args)
    {
        var options = new Dictionary<string, List<string>>();
        string? name = null;
        foreach (var arg in args)
        {
            if (arg.StartsWith("--"))
                name = arg[2..];
            else if (name is not null)
            {
                if (!options.TryGetValue(name, out var values))
                    options[name] = values = [];
                values.Add(arg);
            }
        }
        return options;
    }
}
