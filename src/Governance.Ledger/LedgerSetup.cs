using Governance.Domain.Approvals;
using Governance.Domain.AttestationKeys;
using Governance.Domain.Datasets;
using Governance.Domain.Deployments;
using Governance.Domain.Discussion;
using Governance.Domain.Evidence;
using Governance.Domain.EvidencePacks;
using Governance.Domain.Incidents;
using Governance.Domain.Models;
using Governance.Domain.ModelVersions;
using Governance.Domain.Monitoring;
using Governance.Domain.Security;
using Governance.Domain.TechnicalDocumentation;
using Governance.Domain.Validation;
using Governance.Domain.Webhooks;
using Governance.Ledger.Approvals;
using Governance.Ledger.Attestations;
using Governance.Ledger.AuditTrail;
using Governance.Ledger.Datasets;
using Governance.Ledger.Deployments;
using Governance.Ledger.Discussion;
using Governance.Ledger.Evidence;
using Governance.Ledger.EvidencePacks;
using Governance.Ledger.Incidents;
using Governance.Ledger.Models;
using Governance.Ledger.ModelVersions;
using Governance.Ledger.Monitoring;
using Governance.Ledger.Notifications;
using Governance.Ledger.People;
using Governance.Ledger.Reconciliation;
using Governance.Ledger.SecurityLog;
using Governance.Ledger.Sequencing;
using Governance.Ledger.TechnicalDocumentation;
using Governance.Ledger.Transparency;
using Governance.Ledger.Upcasting;
using Governance.Ledger.Validation;
using Governance.Ledger.Webhooks;
using Governance.Ledger.Writing;
using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Marten.Services.Json.Transformations.SystemTextJson;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using Weasel.Core;

namespace Governance.Ledger;

/// <summary>Where the ledger keeps its events and how it signs: everything a host must say to use it.</summary>
/// <param name="ConnectionString">A PostgreSQL connection string (the README's GOVERNANCE_DB).</param>
/// <param name="AttestationKeysFolder">The folder of ES256 PEM keys that sign attestations (<see cref="PemKeyStore"/>); null when
/// <see cref="Pkcs11"/> is set.</param>
public sealed record LedgerOptions(string ConnectionString, string? AttestationKeysFolder)
{
    /// <summary>Whether this process creates and updates the database schema at start (<see cref="AutoCreate.CreateOrUpdate"/>, the
    /// default, for development) or expects it applied by the <c>migrate</c> command under the migration role
    /// (<see cref="AutoCreate.None"/>: production, where the application role has no DDL rights; docs/database-roles.md).</summary>
    public AutoCreate AutoCreate { get; init; } = AutoCreate.CreateOrUpdate;

    /// <summary>A PKCS#11 token that holds the attestation keys instead of the folder.</summary>
    public Pkcs11Options? Pkcs11 { get; init; }

    /// <summary>How long a signed status list is current (its <c>nextUpdate</c> minus its <c>issuedAt</c>): the longest an offline
    /// verifier holding the latest list can miss a revocation, before its grace. Default 24 hours.</summary>
    public TimeSpan StatusListValidity { get; init; } = TimeSpan.FromHours(24);

    /// <summary>The default <see cref="EvidencePackRenderBudget"/>: the worst legal input renders in under 2 s
    /// (docs/performance.md), so 10 s leaves room for a busy machine.</summary>
    public static readonly TimeSpan DefaultEvidencePackRenderBudget = TimeSpan.FromSeconds(10);

    /// <summary>The longest one evidence pack may take to render (positive); over it the render stops and nothing is
    /// recorded.</summary>
    public TimeSpan EvidencePackRenderBudget { get; init; } = DefaultEvidencePackRenderBudget;

    /// <summary>A streaming replica for read-only queries (<see cref="Sequencing.ReplicaReads"/>); null: the primary answers
    /// everything.</summary>
    public ReplicaOptions? Replica { get; init; }

    /// <summary>The default <see cref="GroupCommitters"/>.</summary>
    public const int DefaultGroupCommitters = 2;

    /// <summary>How many transactions of commands this process writes at once (at least 1; default
    /// <see cref="DefaultGroupCommitters"/>, the best measured on two cores in docs/performance.md). Commands that find them
    /// all busy wait and are written together by the next one free (<see cref="Writing.GroupCommit"/>).</summary>
    public int GroupCommitters { get; init; } = DefaultGroupCommitters;

    /// <summary>The most commands written in one transaction (at least 1; default 32).</summary>
    public int GroupCommitSize { get; init; } = 32;
}

public static class LedgerSetup
{
    /// <summary>Every event type the ledger stores, so any stream can be read back (the audit trail reads them all).</summary>
    public static readonly Type[] EventTypes =
    [
        typeof(ModelRegistered),
        typeof(ModelRetired),
        typeof(ModelDelegateAdded),
        typeof(ModelDelegateRemoved),
        typeof(ModelOwnershipTransferred),
        typeof(ModelVersionSuspended),
        typeof(ModelVersionSuspensionLifted),
        typeof(DatasetRegistered),
        typeof(ModelVersionRegistered),
        typeof(SubmittedForValidation),
        typeof(ValidationCompleted),
        typeof(ApprovalRequested),
        typeof(ApprovalSignedOff),
        typeof(ModelVersionApproved),
        typeof(ApprovalRejected),
        typeof(ApprovalRevoked),
        typeof(MonitoringBreachRecorded),
        typeof(BreachReviewResolved),
        typeof(ModelVersionDeployed),
        typeof(DeploymentRefused),
        typeof(DeploymentRolledBack),
        typeof(DeploymentReplaced),
        typeof(ModelVersionRestored),
        typeof(DeploymentStarted),
        typeof(DeploymentCompleted),
        typeof(DeploymentFailed),
        typeof(LiveVersionRolledBack),
        typeof(LiveVersionWithdrawn),
        typeof(ModelVersionRetired),
        typeof(EvidenceReportRecorded),
        typeof(SeriousIncidentRecorded),
        typeof(SeriousIncidentReported),
        typeof(IncidentCorrectiveActionRecorded),
        typeof(TechnicalDocumentationRecorded),
        typeof(RiskRecorded),
        typeof(ResidualRiskAccepted),
        typeof(DeclarationOfConformitySigned),
        typeof(ApprovalAttested),
        typeof(ModelLoaded),
        typeof(ModelLoadRefused),
        typeof(UnapprovedLoadReported),
        typeof(EvidencePackIssued),
        typeof(SignInSucceeded),
        typeof(SignInFailed),
        typeof(TokenIssuedToClient),
        typeof(AccountLockedOut),
        typeof(ClientAuthenticationFailed),
        typeof(UserCreated),
        typeof(UserRolesChanged),
        typeof(ClientRegistered),
        typeof(ClientSecretRotated),
        typeof(AttestationKeyActivated),
        typeof(AttestationKeyRetired),
        typeof(AttestationKeyCompromised),
        typeof(ReadModelDifferenceFound),
        typeof(WebhookSubscriptionRegistered),
        typeof(WebhookSecretRotated),
        typeof(WebhookSubscriptionRemoved),
        typeof(CommentPosted),
        typeof(MonitoringReportRecorded),
        typeof(FindingAssigned),
        typeof(FindingRemediationProposed),
        typeof(FindingRemediationRejected),
        typeof(FindingClosed),
    ];

    /// <summary>
    /// The Marten store (schema applied at start), the writer and every feature's commands and queries, as singletons.
    /// Callers add <see cref="TimeProvider"/> (the ledger reads the time only through it), and may add an
    /// <see cref="IPeopleDirectory"/> (without one, parties are shown by subject id).
    /// </summary>
    public static IServiceCollection AddGovernanceLedger(this IServiceCollection services, LedgerOptions options)
    {
        var marten = services
            .AddMarten(sp =>
            {
                var store = Configure(new StoreOptions(), options.ConnectionString, options.AutoCreate);
                store.Listeners.Add(sp.GetRequiredService<DeploymentGates>());
                return store;
            })
            .UseLightweightSessions();
        if (options.AutoCreate != AutoCreate.None)
            marten.ApplyAllDatabaseChangesOnStartup();
        services.AddSingleton(options);
        services.TryAddSingleton<IPeopleDirectory, NoPeopleDirectory>();
        services.AddSingleton(ApprovalPolicy.Default);
        services.AddSingleton<LedgerWriter>();
        services.AddSingleton<GroupCommit>();
        services.AddSingleton<SafePosition>();
        services.AddSingleton<ReplicaReads>();
        services.AddSingleton<PointInTime>();
        services.AddSingleton<EnvironmentSlots>();
        services.AddSingleton<TransparencyLog>();
        services.AddSingleton<ICommitsWithEvents, IdempotentAnswers>();
        services.AddSingleton<ICommitsWithEvents, WebhookOutbox>();
        services.AddSingleton<IAttestationKeyStore>(_ =>
            options.Pkcs11 is { } token ? new Pkcs11KeyStore(token)
            : options.AttestationKeysFolder is { } folder ? new PemKeyStore(folder)
            : throw new InvalidOperationException("The ledger needs an attestation keys folder or a PKCS#11 token.")
        );
        services.AddSingleton<AttestationKeyRing>();
        services.AddSingleton<ModelInventory>();
        services.AddSingleton<DatasetRegister>();
        services.AddSingleton<ModelVersionRecords>();
        services.AddSingleton<ValidationRecords>();
        services.AddSingleton<FindingRecords>();
        // Notifications: one source per kind; a new kind is one more INotificationSource here.
        services.AddSingleton<INotificationSource, ApprovalNotifications>();
        services.AddSingleton<INotificationSource, FindingNotifications>();
        services.AddSingleton<INotificationSource, BreachNotifications>();
        services.AddSingleton<INotificationSource, MentionNotifications>();
        services.AddSingleton<NotificationCenter>();
        services.AddSingleton<EvidenceRecords>();
        services.AddSingleton<IncidentRecords>();
        services.AddSingleton<MonitoringRecords>();
        services.AddSingleton<TechnicalFileRecords>();
        services.AddSingleton<DiscussionRecords>();
        services.AddSingleton<ApprovalRecords>();
        services.AddSingleton<ApprovalQueries>();
        services.AddSingleton<DeploymentGates>();
        services.AddSingleton<DeploymentGateListener>();
        services.AddHostedService(sp => sp.GetRequiredService<DeploymentGateListener>());
        services.AddHostedService<DeploymentGateBackfill>();
        services.AddSingleton<BreachRecords>();
        services.AddSingleton<ApprovalLookupReplay>();
        services.AddSingleton<IntegrityChecks>();
        services.AddSingleton(sp => new ModelLogVerification(
            sp.GetRequiredService<TransparencyLog>(),
            sp.GetRequiredService<IntegrityChecks>(),
            sp.GetService<CheckpointKey>(),
            sp.GetRequiredService<TimeProvider>()
        ));
        services.AddSingleton<DeploymentRecords>();
        services.AddSingleton<SignedApprovals>();
        services.AddSingleton<ServingHosts>();
        services.AddSingleton<EventTrail>();
        services.AddSingleton(sp => new EvidencePackIssuer(
            sp.GetRequiredService<IDocumentStore>(),
            sp.GetRequiredService<LedgerWriter>(),
            sp.GetRequiredService<DatasetRegister>(),
            sp.GetRequiredService<IPeopleDirectory>(),
            sp.GetRequiredService<TransparencyLog>(),
            sp.GetRequiredService<PointInTime>(),
            sp.GetRequiredService<TimeProvider>(),
            options.EvidencePackRenderBudget
        ));
        services.AddSingleton<SecurityLogBook>();
        return services;
    }

    /// <summary>
    /// <paramref name="connectionString"/> with Npgsql's automatic preparation on (<c>Max Auto Prepare=64;Auto Prepare Min
    /// Usages=2</c>) unless it sets <c>Max Auto Prepare</c> itself; the event store's connections use it. A command's sixteen or
    /// so statements are then parsed and planned once per pooled connection instead of on every command (docs/performance.md
    /// (b)). PostgreSQL re-plans a prepared statement after a schema change and the ledger's statements name their columns, so
    /// a migration that adds columns or indexes or replaces functions breaks nothing; one that changes the type of a column a
    /// statement returns fails each connection's prepared statement once (docs/operations.md, "Prepared statements").
    /// </summary>
    public static string WithAutoPrepare(string connectionString)
    {
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        if (given.Keys.Cast<string>().Any(k => k.Replace(" ", "").Equals("MaxAutoPrepare", StringComparison.OrdinalIgnoreCase)))
            return connectionString;
        return new NpgsqlConnectionStringBuilder(connectionString) { MaxAutoPrepare = 64, AutoPrepareMinUsages = 2 }.ConnectionString;
    }

    /// <summary>The store's configuration: schema <c>governance</c>, string stream keys, inline projections.</summary>
    /// <param name="autoCreate">Whether Marten creates or updates its tables when it first uses them (<see
    /// cref="LedgerOptions.AutoCreate"/>).</param>
    public static StoreOptions Configure(StoreOptions opts, string connectionString, AutoCreate autoCreate = AutoCreate.CreateOrUpdate)
    {
        opts.Connection(WithAutoPrepare(connectionString));
        opts.DatabaseSchemaName = "governance";
        opts.AutoCreateSchemaObjects = autoCreate;
        // Subject ids stored before they were namespaced are read as user:… or client:… (see NamespacedSubjects).
        opts.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase, NamespacedSubjects.Configure);

        // Streams are keyed by name so that a model, a model version ("model@version") or a dataset ("dataset:name@version")
        // can only be registered once: a second start of the same stream is a conflict, not a duplicate.
        opts.Events.StreamIdentity = StreamIdentity.AsString;
        // No retry of a commit inside Marten: a retried batch runs in a new transaction without the append lock the ledger took
        // (docs/architecture.md, "The safe position"); the ledger's own retries decide again from a fresh read.
        opts.ConfigureWritePolly(_ => { });
        opts.Events.MetadataConfig.CorrelationIdEnabled = true;
        // DatasetRegistered gained manifestEncoding: new events get a new type name, and those stored under the old one
        // are upcast to v1-text on reading (see DatasetRegisteredV1).
        opts.Events.MapEventTypeWithSchemaVersion<DatasetRegistered>(2);
        opts.Events.AddEventTypes(EventTypes);
        var serializer = opts.Serializer();
        opts.Events.Upcast<DatasetRegistered>(
            DatasetRegisteredV1.EventTypeName,
            JsonTransformations.Upcast(stored => DatasetRegisteredV1.Upcast(stored, serializer))
        );

        // Inline: the projections commit in the same transaction as the events, so every answer is strongly consistent.
        // Their side effects too: the version's approval-lookup row and its NOTIFY (ModelVersionProjection).
        opts.Events.EnableSideEffectsOnInlineProjections = true;
        opts.Projections.Add(new ModelProjection(), ProjectionLifecycle.Inline);
        opts.Projections.Add(new InventoryProjection(), ProjectionLifecycle.Inline);
        opts.Projections.Add(new DatasetProjection(), ProjectionLifecycle.Inline);
        opts.Projections.Add(new ModelVersionProjection(), ProjectionLifecycle.Inline);
        opts.Projections.Add(new ApprovalProjection(), ProjectionLifecycle.Inline);
        opts.Projections.Add(new EnvironmentSlotProjection(), ProjectionLifecycle.Inline);
        opts.Projections.Add(new AttestationKeyProjection(), ProjectionLifecycle.Inline);
        opts.Projections.Add(new SeriousIncidentProjection(), ProjectionLifecycle.Inline);
        opts.Projections.Add(new MonitoringStreamProjection(), ProjectionLifecycle.Inline);
        opts.Projections.Add(new WebhookSubscriptionProjection(), ProjectionLifecycle.Inline);
        opts.Projections.Add(new TechnicalFileProjection(), ProjectionLifecycle.Inline);
        opts.Projections.Add(new ApprovalDiscussionProjection(), ProjectionLifecycle.Inline);
        opts.Projections.Add(new FindingTrackProjection(), ProjectionLifecycle.Inline);

        opts.Schema.For<Dataset>().Index(d => d.ManifestDigest);
        opts.Schema.For<ModelVersion>().Index(v => v.ModelId).Index(v => v.ArtifactDigest);
        opts.RegisterDocumentType<DeploymentGate>();
        opts.Schema.For<Approval>().Index(a => a.ArtifactDigest);
        opts.Schema.For<SeriousIncident>().Index(i => i.ModelId);
        opts.Schema.For<EnvironmentSlot>().Index(s => s.ModelId).Index(s => s.Environment);
        opts.RegisterDocumentType<IdempotentAnswer>();
        // Per-person notification state (operational, mutable, not evidence): read marks, e-mail choices, e-mails sent.
        opts.RegisterDocumentType<NotificationReadState>();
        opts.RegisterDocumentType<NotificationPreferences>();
        opts.RegisterDocumentType<NotificationMailLog>();
        // Evidence, kept: the bytes of every issued evidence pack under their SHA-256, written once and never changed.
        opts.RegisterDocumentType<KeptEvidencePack>();
        // Webhooks (operational, mutable): encrypted secrets, the transactional outbox, and each subscription's delivery log.
        opts.RegisterDocumentType<StoredWebhookSecret>();
        opts.RegisterDocumentType<WebhookOutboxMessage>();
        opts.Schema.For<WebhookDelivery>().Index(d => d.SubscriptionId).Index(d => d.NextAttemptAt);
        // Operational, not evidence: one row per host serving a version, overwritten by each passing re-verification.
        opts.Schema.For<LastVerification>().Index(v => v.ModelId);
        return opts;
    }
}
