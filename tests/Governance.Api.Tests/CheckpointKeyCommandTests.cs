using Governance.Api.Identity;
using Governance.Attestations;
using Governance.Attestations.Transparency;
using Governance.Ledger.Transparency;
using Microsoft.Extensions.DependencyInjection;

namespace Governance.Api.Tests;

/// <summary><c>Governance.Api admin generate-checkpoint-key</c>: makes the transparency log's key where the configuration puts
/// it, prints the verifier key auditors need, and never replaces a key.</summary>
public sealed class CheckpointKeyCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("checkpoint-key-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    internal static async Task<(int Exit, string Out, string Error)> Run(TransparencyLogOptions? options)
    {
        var services = new ServiceCollection();
        if (options is not null)
            services.AddSingleton(options);
        await using var provider = services.BuildServiceProvider();
        var (output, error) = (new StringWriter(), new StringWriter());
        var exit = await AdminCommands.RunAsync(provider, ["generate-checkpoint-key"], TextReader.Null, output, error);
        return (exit, output.ToString().Trim(), error.ToString());
    }

    [Fact]
    public async Task A_key_file_is_made_once_and_the_printed_verifier_key_is_its_public_half()
    {
        var file = Path.Combine(_folder, "checkpoint-key.pem");
        var options = new TransparencyLogOptions("governance.test/cmd", file, _folder);

        var made = await Run(options);
        var again = await Run(options);

        Assert.Equal(0, made.Exit);
        using (var signer = Ed25519PemSigner.Load(file))
            Assert.Equal(new NoteVerifier("governance.test/cmd", signer.PublicKey).VerifierKey(), made.Out);
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Equal(1, again.Exit);
        Assert.Contains("refused", again.Error);
    }

    [Fact]
    public async Task Without_a_configured_transparency_log_it_says_what_to_configure()
    {
        var (exit, _, error) = await Run(null);

        Assert.Equal(2, exit);
        Assert.Contains("Governance:TransparencyLog:KeyFile", error);
    }
}
