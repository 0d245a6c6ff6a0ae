using Governance.Domain.Datasets;
using Governance.Domain.Models;
using Governance.Domain.Shared;

namespace Governance.Domain.ModelVersions;

/// <summary>The owner registers a version of a model: its artifact, datasets, metrics, code commit and hyperparameters.</summary>
/// <param name="ArtifactDigest">
/// The artifact's SHA-256. For a model directory (<paramref name="ArtifactFiles"/> given) it may be left out: it is the
/// files' manifest digest, and when given it must be that digest.
/// </param>
/// <param name="ArtifactSizeBytes">
/// The artifact's size in bytes; for a model directory it may be left out (the sum of the files' sizes), and when given
/// it must be that sum.
/// </param>
/// <param name="ArtifactFiles">
/// The files of a model directory (1 to <see cref="RegisterModelVersionDecision.MaxArtifactFiles"/>, paths as for a
/// dataset's files); null for a one-file artifact.
/// </param>
public sealed record RegisterModelVersion(
    string ModelId,
    string? Version,
    string? ArtifactUri,
    string? ArtifactDigest,
    long? ArtifactSizeBytes,
    ArtifactFormat? Format,
    string? TrainingDatasetDigest,
    string? ValidationDatasetDigest,
    IReadOnlyDictionary<string, double>? Metrics,
    string? CodeCommit,
    IReadOnlyDictionary<string, string>? Hyperparameters,
    string? Reason,
    IReadOnlyList<ArtifactFile>? ArtifactFiles = null
);

public static class RegisterModelVersionDecision
{
    /// <summary>The most files a model directory may list.</summary>
    public const int MaxArtifactFiles = 1_000;

    /// <summary>The command's own fields against the ledger's rules (docs/limits.md), without state: the decision runs it
    /// first, and the CLI runs it before sending anything.</summary>
    public static InputCheck Check(RegisterModelVersion command)
    {
        var check = new InputCheck()
            .VersionLabel(command.Version, "version")
            .Required(command.ArtifactUri, "artifactUri")
            .Defined(command.Format, "format")
            .Sha256(command.TrainingDatasetDigest, "trainingDatasetDigest")
            .Sha256(command.ValidationDatasetDigest, "validationDatasetDigest")
            .Required(command.CodeCommit, "codeCommit", 200)
            .Optional(command.Reason, "reason", 2000, multiline: true);
        if (command.ArtifactFiles is null)
        {
            check.Sha256(command.ArtifactDigest, "artifactDigest");
            if (command.ArtifactSizeBytes is null or <= 0)
                check.Fail("artifactSizeBytes", "is required and must be positive");
        }
        else
        {
            check.ListedFiles(command.ArtifactFiles, "artifactFiles", MaxArtifactFiles);
            if (command.ArtifactDigest is not null)
                check.Sha256(command.ArtifactDigest, "artifactDigest");
            if (command.ArtifactSizeBytes is <= 0)
                check.Fail("artifactSizeBytes", "must be positive");
        }
        check
            .NonNegativeWholeNumber(command.ArtifactSizeBytes, "artifactSizeBytes")
            .MaxItems(command.Metrics?.Keys.ToArray(), "metrics", 200)
            .MaxItems(command.Hyperparameters?.Keys.ToArray(), "hyperparameters", 500);
        if (command.ArtifactUri is not null && !Uri.TryCreate(command.ArtifactUri, UriKind.Absolute, out _))
            check.Fail("artifactUri", "must be an absolute URI (e.g. s3://bucket/model.zip or file:///models/model.zip)");
        if (command.Metrics?.Any(m => string.IsNullOrWhiteSpace(m.Key) || !double.IsFinite(m.Value)) == true)
            check.Fail("metrics", "every metric needs a name and a finite number");
        check.RequiredItems(command.Metrics?.Keys.ToArray(), "metrics", 200);
        if (command.Hyperparameters?.Any(h => string.IsNullOrWhiteSpace(h.Key) || h.Value is null) == true)
            check.Fail("hyperparameters", "every hyperparameter needs a name and a value");
        check.RequiredItems(command.Hyperparameters?.Keys.ToArray(), "hyperparameters", 200);
        check.RequiredItems(command.Hyperparameters?.Values.ToArray(), "hyperparameters", 500);
        return check;
    }

    /// <summary>
    /// Registers a version of a registered, unretired model, binding its artifact digest and datasets. For a model
    /// directory the digest is the files' manifest digest and the size their sum; a digest or size given with the files
    /// that differs from them is refused (400 naming <c>artifactDigest</c> or <c>artifactSizeBytes</c>), as are files that
    /// hold no bytes at all or more than 2^53 - 1 together (<c>artifactFiles</c>).
    /// </summary>
    /// <param name="command">The registration as the owner sent it.</param>
    /// <param name="model">The model's state; null if the model is not registered.</param>
    /// <param name="existing">The version's state; non-null means the version is already registered.</param>
    /// <param name="trainingDataset">The dataset whose manifest digest is the command's training digest, if one is registered.</param>
    /// <param name="validationDataset">Likewise for the validation digest.</param>
    /// <param name="context">Actor, time and correlation id of the command.</param>
    public static ModelVersionRegistered Decide(
        RegisterModelVersion command,
        Model? model,
        ModelVersion? existing,
        Dataset? trainingDataset,
        Dataset? validationDataset,
        CommandContext context
    )
    {
        var check = Check(command);
        var (digest, size, files) = ArtifactOf(command, check);
        if (Digest.IsSha256(command.TrainingDatasetDigest) && trainingDataset is null)
            check.Fail("trainingDatasetDigest", "no registered dataset has this manifest digest; register the dataset first");
        if (Digest.IsSha256(command.ValidationDatasetDigest) && validationDataset is null)
            check.Fail("validationDatasetDigest", "no registered dataset has this manifest digest; register the dataset first");
        check.ThrowIfAny();

        if (model is null)
            throw GovernanceRuleException.NotFound("model.not_found", $"Model '{command.ModelId}' is not registered.");
        ModelStewardship.EnsureSteward(model, context.Actor, "register versions of");
        if (model.IsRetired)
            throw GovernanceRuleException.Conflict("model.retired", $"Model '{model.Id}' is retired and takes no new versions.");
        if (existing is not null)
            throw GovernanceRuleException.Conflict(
                "model_version.already_registered",
                $"Model '{model.Id}' already has a version '{command.Version}'."
            );

        return new ModelVersionRegistered(
            model.Id,
            command.Version!,
            command.ArtifactUri!,
            digest!,
            size,
            command.Format!.Value,
            trainingDataset!.ManifestDigest,
            validationDataset!.ManifestDigest,
            command.Metrics ?? new Dictionary<string, double>(),
            command.CodeCommit!.Trim(),
            command.Hyperparameters ?? new Dictionary<string, string>(),
            model.RiskTier,
            model.OwnerId,
            context.Audit(command.Reason ?? "Model version registered"),
            files
        );
    }

    /// <summary>
    /// The artifact's digest, size and files (digests lower-cased) as they will be recorded; adds to <paramref name="check"/>
    /// a model directory's digest or size that disagrees with its files. The digest is null only when the check already
    /// holds a problem with the artifact's fields.
    /// </summary>
    private static (string? Digest, long Size, ArtifactFile[]? Files) ArtifactOf(RegisterModelVersion command, InputCheck check)
    {
        if (command.ArtifactFiles is null)
            return (
                Digest.IsSha256(command.ArtifactDigest) ? Digest.Normalize(command.ArtifactDigest!) : null,
                command.ArtifactSizeBytes ?? 0,
                null
            );
        if (!new InputCheck().ListedFiles(command.ArtifactFiles, "artifactFiles", MaxArtifactFiles).Passes)
            return (null, 0, null);

        var files = command.ArtifactFiles.Select(f => f with { Sha256 = Digest.Normalize(f.Sha256) }).ToArray();
        var manifestDigest = ListedFiles.ManifestDigestOf(files);
        // At most 1,000 sizes of at most 2^53 - 1 each: the sum fits a long.
        var total = files.Sum(f => f.SizeBytes);
        if (total is 0 or > InputCheck.MaxExactInteger)
            check.Fail("artifactFiles", $"the files must hold between 1 and {InputCheck.MaxExactInteger} bytes together");
        if (Digest.IsSha256(command.ArtifactDigest) && Digest.Normalize(command.ArtifactDigest!) != manifestDigest)
            check.Fail("artifactDigest", $"does not match the files listed: their manifest digest is {manifestDigest}");
        if (command.ArtifactSizeBytes is { } given && given != total)
            check.Fail("artifactSizeBytes", $"does not match the files listed: they hold {total} bytes");
        return (manifestDigest, total, files);
    }
}
