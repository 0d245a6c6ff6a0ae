using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Governance.Domain.Validation;
using Governance.Ledger.ModelVersions;
using Governance.Ledger.Writing;
using Marten;

namespace Governance.Ledger.Validation;

/// <summary>A version awaiting independent validation, with the stream version the validator's page was rendered from.</summary>
public sealed record ValidationQueueItem(ModelVersion Version, long StreamVersion);

/// <summary>Independent validation (SR 11-7 / SR 26-2 effective challenge; SS1/23 principle 4): submission and outcome.</summary>
public sealed class ValidationRecords(IDocumentStore store, LedgerWriter writer)
{
    public static readonly IReadOnlyList<string> SubmitRoles = [Roles.ModelOwner];
    public static readonly IReadOnlyList<string> RecordRoles = [Roles.Validator];

    /// <summary>The owner hands a version to independent validation with its evidence.</summary>
    public Task<Written<ModelVersion>> SubmitAsync(
        VersionRef target,
        SubmitForValidation command,
        CommandCall call,
        CancellationToken ct
    ) =>
        writer
            .DecideOnVersionAsync(
                store,
                target,
                call,
                _ => SubmitRoles,
                (model, version, context) => ValidationDecisions.Decide(command, model, version, context),
                w => w.After!,
                ct
            )
            .AnsweredWithRecordAsync(store, target, ct);

    /// <summary>The validator records the outcome and findings; the validator cannot be the model owner, a delegate or the
    /// registrant.</summary>
    public Task<Written<ModelVersion>> RecordOutcomeAsync(
        VersionRef target,
        RecordValidationOutcome command,
        CommandCall call,
        CancellationToken ct
    ) =>
        writer
            .DecideOnVersionAsync(
                store,
                target,
                call,
                _ => RecordRoles,
                (model, version, context) => ValidationDecisions.Decide(command, model, version, context),
                w => w.After!,
                ct
            )
            .AnsweredWithRecordAsync(store, target, ct);

    /// <summary>Versions submitted for validation and awaiting an outcome, longest waiting first.</summary>
    public async Task<IReadOnlyList<ValidationQueueItem>> QueueAsync(CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var versions = await session
            .Query<ModelVersion>()
            .Where(v => v.Status == ModelVersionStatus.ValidationSubmitted)
            .OrderBy(v => v.LastChangedAt)
            .ToListAsync(ct);
        var items = new List<ValidationQueueItem>(versions.Count);
        foreach (var version in versions)
            items.Add(new ValidationQueueItem(version, (await session.Events.FetchStreamStateAsync(version.Id, ct))?.Version ?? 0));
        return items;
    }
}
