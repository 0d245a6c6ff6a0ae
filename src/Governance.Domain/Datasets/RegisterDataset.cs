using Governance.Attestations;
using Governance.Domain.Shared;

namespace Governance.Domain.Datasets;

public sealed record RegisterDataset(
    string? Name,
    string? Version,
    string? Description,
    IReadOnlyList<DatasetFile>? Files,
    string? ManifestDigest,
    long? RowCount,
    IReadOnlyList<DatasetColumn>? Schema,
    bool? ContainsPersonalData,
    LegalBasis? LegalBasis,
    string? Reason
);

public static class RegisterDatasetDecision
{
    /// <summary>The command's own fields against the ledger's rules (docs/limits.md), without state: the decision runs it
    /// first, and the CLI runs it before sending anything.</summary>
    public static InputCheck Check(RegisterDataset command)
    {
        var check = new InputCheck()
            .Slug(command.Name, "name")
            .VersionLabel(command.Version, "version")
            .Optional(command.Description, "description", 2000, multiline: true)
            .Optional(command.Reason, "reason", 2000, multiline: true)
            .ListedFiles(command.Files, "files", 10_000)
            .MaxItems(command.Schema, "schema", 2_000)
            .NonNegativeWholeNumber(command.RowCount, "rowCount");
        if (command.RowCount is null)
            check.Fail("rowCount", "is required");
        if (command.Schema is not { Count: > 0 })
            check.Fail("schema", "must list at least one column with its name and type");
        else if (command.Schema.Any(c => c is null || string.IsNullOrWhiteSpace(c.Name) || string.IsNullOrWhiteSpace(c.Type)))
            check.Fail("schema", "every column needs a name and a type");
        else
            for (var i = 0; i < command.Schema.Count; i++)
                check.Required(command.Schema[i].Name, $"schema[{i}].name", 200).Required(command.Schema[i].Type, $"schema[{i}].type", 200);
        if (command.ContainsPersonalData is null)
            check.Fail("containsPersonalData", "is required (true or false)");
        if (command.ContainsPersonalData == true)
            check.Defined(command.LegalBasis, "legalBasis");
        if (command.ManifestDigest is not null)
            check.Sha256(command.ManifestDigest, "manifestDigest");
        return check;
    }

    /// <summary>The manifest digest the command's files would be registered under, or null when its fields do not pass
    /// <see cref="Check"/>: what the ledger looks up to refuse a second registration of the same files.</summary>
    public static string? ManifestDigestOf(RegisterDataset command)
    {
        try
        {
            Check(command).ThrowIfAny();
        }
        catch (GovernanceRuleException)
        {
            return null;
        }
        return Dataset.ManifestDigestOf(command.Files!.Select(f => f with { Sha256 = Digest.Normalize(f.Sha256) }));
    }

    /// <summary>Registers a dataset version that is not yet registered, whose files no other dataset was registered with.</summary>
    public static DatasetRegistered Decide(RegisterDataset command, Dataset? existing, CommandContext context) =>
        Decide(command, existing, sameFiles: null, context);

    /// <summary>
    /// As <see cref="Decide(RegisterDataset, Dataset?, CommandContext)"/>; <paramref name="sameFiles"/> is a dataset already
    /// registered with the same manifest digest, if any. A second one is refused (409 <c>dataset.files_already_registered</c>):
    /// the digest would then name two datasets, and every version trained on the first would answer
    /// <c>dataset.digest_ambiguous</c> for ever (its evidence packs and review page included).
    /// </summary>
    public static DatasetRegistered Decide(RegisterDataset command, Dataset? existing, Dataset? sameFiles, CommandContext context)
    {
        Check(command).ThrowIfAny();

        var files = command.Files!.Select(f => f with { Sha256 = Digest.Normalize(f.Sha256) }).ToArray();
        var manifestDigest = Dataset.ManifestDigestOf(files);
        if (command.ManifestDigest is not null && Digest.Normalize(command.ManifestDigest) != manifestDigest)
            throw GovernanceRuleException.InvalidField(
                "manifestDigest",
                $"does not match the files listed: their manifest digest is {manifestDigest}"
            );

        if (existing is not null)
            throw GovernanceRuleException.Conflict(
                "dataset.already_registered",
                $"Dataset '{command.Name}' version '{command.Version}' is already registered."
            );
        if (sameFiles is not null)
            throw GovernanceRuleException.Conflict(
                "dataset.files_already_registered",
                $"Dataset '{sameFiles.Id}' is already registered with these files (manifest digest {manifestDigest}); "
                    + "reference it instead: a second registration would make the digest name two datasets."
            );

        return new DatasetRegistered(
            Dataset.StreamKey(command.Name!, command.Version!),
            command.Name!,
            command.Version!,
            command.Description,
            files,
            manifestDigest,
            FileManifest.Encoding,
            command.RowCount!.Value,
            command.Schema!,
            command.ContainsPersonalData!.Value,
            command.ContainsPersonalData == true ? command.LegalBasis : null,
            context.Audit(command.Reason ?? "Dataset registered")
        );
    }
}
