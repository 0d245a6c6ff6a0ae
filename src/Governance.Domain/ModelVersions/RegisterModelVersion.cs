using Governance.Domain.Datasets;
using Governance.Domain.Models;
using Governance.Domain.Shared;

namespace Governance.Domain.ModelVersions;

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
    string? Reason
);

public static class RegisterModelVersionDecision
{
    /// <summary>The command's own fields against the ledger's rules (docs/limits.md), without state: the decision runs it
    /// first, and the CLI runs it before sending anything.</summary>
    public static InputCheck Check(RegisterModelVersion command)
    {
        var check = new InputCheck()
            .VersionLabel(command.Version, "version")
            .Required(command.ArtifactUri, "artifactUri")
            .Sha256(command.ArtifactDigest, "artifactDigest")
            .Defined(command.Format, "format")
            .Sha256(command.TrainingDatasetDigest, "trainingDatasetDigest")
            .Sha256(command.ValidationDatasetDigest, "validationDatasetDigest")
            .Required(command.CodeCommit, "codeCommit", 200)
            .Optional(command.Reason, "reason", 2000, multiline: true);
        if (command.ArtifactSizeBytes is null or <= 0)
            check.Fail("artifactSizeBytes", "is required and must be positive");
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

    /// <summary>Registers a version of a registered, unretired model, binding its artifact digest and datasets.</summary>
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
        if (Digest.IsSha256(command.TrainingDatasetDigest) && trainingDataset is null)
            check.Fail("trainingDatasetDigest", "no registered dataset has this manifest digest; register the dataset first");
        if (Digest.IsSha256(command.ValidationDatasetDigest) && validationDataset is null)
            check.Fail("validationDatasetDigest", "no registered dataset has this manifest digest; register the dataset first");
        check.ThrowIfAny();

        if (model is null)
            throw GovernanceRuleException.NotFound("model.not_found", $"Model '{command.ModelId}' is not registered.");
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
            Digest.Normalize(command.ArtifactDigest!),
            command.ArtifactSizeBytes!.Value,
            command.Format!.Value,
            trainingDataset!.ManifestDigest,
            validationDataset!.ManifestDigest,
            command.Metrics ?? new Dictionary<string, double>(),
            command.CodeCommit!.Trim(),
            command.Hyperparameters ?? new Dictionary<string, string>(),
            model.RiskTier,
            model.OwnerId,
            context.Audit(command.Reason ?? "Model version registered")
        );
    }
}
