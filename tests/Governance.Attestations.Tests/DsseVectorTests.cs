using System.Text;
using System.Text.Json.Nodes;

namespace Governance.Attestations.Tests;

/// <summary>The DSSE protocol's test vectors (secure-systems-lab/dsse, in ../shared/vectors/dsse beside the repository):
/// Ed25519 keys A and B, and for each envelope its trusted keys, threshold, supported payload types and verdict.</summary>
public class DsseVectorTests
{
    private static readonly JsonNode Vectors = JsonNode.Parse(File.ReadAllText(VectorsPath()))!;

    private static string VectorsPath()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "Governance.sln")))
            folder = folder.Parent;
        return Path.Combine(folder!.FullName, "..", "shared", "vectors", "dsse", "vectors.json");
    }

    public static TheoryData<string> VectorIds => new(Vectors["vectors"]!.AsArray().Select(v => v!["id"]!.GetValue<string>()));

    [Theory]
    [MemberData(nameof(VectorIds))]
    public void Every_dsse_vector_is_accepted_or_refused_as_it_says(string id)
    {
        var vector = Vectors["vectors"]!.AsArray().Single(v => v!["id"]!.GetValue<string>() == id)!;
        var trusted = vector["trustedKeys"]!
            .AsArray()
            .Select(name => name!.GetValue<string>())
            .Select(name => new Ed25519VerificationKey(name, Convert.FromHexString(Vectors["keys"]![name]!["public"]!.GetValue<string>())))
            .ToList();
        var supported = vector["supportedPayloadTypes"]!.AsArray().Select(t => t!.GetValue<string>()).ToList();

        var result = DsseVerifier.Verify(
            Encoding.UTF8.GetBytes(vector["envelope"]!.ToJsonString()),
            supported,
            trusted,
            vector["threshold"]!.GetValue<int>()
        );

        Assert.True(result.Verified == (vector["expect"]!.GetValue<string>() == "accept"), $"{id}: {result.Code} {result.Message}");
        if (result.Verified)
        {
            // The bytes signed, rebuilt from the envelope, are the vector's (its pae is only read here, never verified against).
            var pae = Dsse.PreAuthenticationEncoding(vector["envelope"]!["payloadType"]!.GetValue<string>(), result.Payload!);
            Assert.Equal(vector["pae"]!.GetValue<string>(), Convert.ToHexStringLower(pae));
        }
    }
}
