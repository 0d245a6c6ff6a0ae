using Governance.Api.Features.Approvals;
using Governance.Api.Features.Datasets;
using Governance.Api.Features.Models;
using Governance.Api.Features.ModelVersions;
using Governance.Api.Ledger;
using Governance.Domain.Approvals;
using Governance.Domain.Datasets;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Security;
using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Weasel.Core;

namespace Governance.Api.Hosting;

public static class LedgerStore
{
    public const string ConnectionStringName = "Governance";

    /// <summary>Every event type the ledger stores, so any stream can be read back (the audit trail reads them all).</summary>
    public static readonly Type[] EventTypes =
    [
        typeof(ModelRegistered),
        typeof(ModelRetired),
        typeof(DatasetRegistered),
        typeof(ModelVersionRegistered),
        typeof(SubmittedForValidation),
        typeof(ValidationCompleted),
        typeof(ApprovalRequested),
        typeof(ApprovalSignedOff),
        typeof(ModelVersionApproved),
        typeof(ApprovalRejected),
        typeof(ApprovalRevoked),
        typeof(ModelVersionDeployed),
        typeof(DeploymentRefused),
        typeof(DeploymentRolledBack),
        typeof(ModelVersionRetired),
        typeof(ApprovalAttested),
        typeof(ModelLoaded),
        typeof(ModelLoadRefused),
        typeof(Domain.EvidencePacks.EvidencePackIssued),
        typeof(SignInSucceeded),
        typeof(SignInFailed),
        typeof(TokenIssuedToClient),
        typeof(UserCreated),
        typeof(UserRolesChanged),
        typeof(ClientRegistered),
        typeof(ClientSecretRotated),
    ];

    /// <summary>The connection string: GOVERNANCE_DB if set (the README's contract), else ConnectionStrings:Governance.</summary>
    public static string ConnectionString(IConfiguration configuration) =>
        configuration["GOVERNANCE_DB"] is { Length: > 0 } fromEnvironment
            ? fromEnvironment
            : configuration.GetConnectionString(ConnectionStringName)
                ?? throw new InvalidOperationException(
                    "Set GOVERNANCE_DB (a PostgreSQL connection string) or ConnectionStrings:Governance; the README's ./gov commands do this for you."
                );

    public static IServiceCollection AddLedgerStore(this IServiceCollection services, IConfiguration configuration)
    {
        services
            .AddMarten(_ => Configure(new StoreOptions(), ConnectionString(configuration)))
            .UseLightweightSessions()
            .ApplyAllDatabaseChangesOnStartup();
        services.AddScoped<Commands>();
        return services;
    }

    public static StoreOptions Configure(StoreOptions opts, string connectionString)
    {
        opts.Connection(connectionString);
        opts.DatabaseSchemaName = "governance";
        opts.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
        opts.UseSystemTextJsonForSerialization(enumStorage: EnumStorage.AsString, casing: Casing.CamelCase);

        // Streams are keyed by name so that a model, a model version ("model@version") or a dataset ("dataset:name@version")
        // can only be registered once: a second start of the same stream is a conflict, not a duplicate.
        opts.Events.StreamIdentity = StreamIdentity.AsString;
        opts.Events.MetadataConfig.CorrelationIdEnabled = true;
        opts.Events.AddEventTypes(EventTypes);

        // Inline: the projections commit in the same transaction as the events, so every answer is strongly consistent.
        opts.Projections.Add(new ModelProjection(), ProjectionLifecycle.Inline);
        opts.Projections.Add(new InventoryProjection(), ProjectionLifecycle.Inline);
        opts.Projections.Add(new DatasetProjection(), ProjectionLifecycle.Inline);
        opts.Projections.Add(new ModelVersionProjection(), ProjectionLifecycle.Inline);
        opts.Projections.Add(new ApprovalProjection(), ProjectionLifecycle.Inline);

        opts.Schema.For<Dataset>().Index(d => d.ManifestDigest);
        opts.Schema.For<ModelVersion>().Index(v => v.ModelId).Index(v => v.ArtifactDigest);
        opts.Schema.For<Approval>().Index(a => a.ArtifactDigest);
        opts.RegisterDocumentType<IdempotentResponse>();
        return opts;
    }
}
