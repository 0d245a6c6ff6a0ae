using Governance.Domain.Shared;

namespace Governance.Domain.ModelVersions;

/// <summary>A retired version can no longer be approved or deployed; what happened to it stays on record.</summary>
public sealed record RetireModelVersion(string? Reason);

public static class RetireModelVersionDecision
{
    public static ModelVersionRetired Decide(RetireModelVersion command, ModelVersion version, CommandContext context)
    {
        new InputCheck().Required(command.Reason, "reason", 2000, multiline: true).ThrowIfAny();
        version.EnsureNotRetired();
        return new ModelVersionRetired(version.ModelId, version.Version, context.Audit(command.Reason!));
    }
}
