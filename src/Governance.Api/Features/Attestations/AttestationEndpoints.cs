using System.Text;
using Governance.Api.Features.ModelVersions;
using Governance.Api.Hosting;
using Governance.Api.Identity;
using Governance.Api.Ledger;
using Governance.Attestations;
using Governance.Domain.Approvals;
using Governance.Domain.Deployments;
using Governance.Domain.ModelVersions;
using Governance.Domain.Shared;
using Marten;

namespace Governance.Api.Features.Attestations;

/// <summary>The revocation status a model server checks online before loading.</summary>
public sealed record ApprovalStatusAnswer(
    string ApprovalId,
    string Model,
    string Version,
    string Environment,
    string ArtifactDigest,
    ApprovalStatus Status,
    bool Revoked,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? RevokedAt,
    string? RevocationReason,
    string? AttestationDigest,
    DateTimeOffset CheckedAt
);

public static class AttestationEndpoints
{
    /// <summary>
    /// When a sign-off completes an approval, sign an in-toto statement of it and record the envelope and its digest
    /// in the same transaction: an approval is never granted without its attestation.
    /// </summary>
    public static Func<Decided<ModelVersion>, IReadOnlyList<object>> AttestWhenApproved(AttestationKeyRing keys) =>
        decided =>
        {
            if (decided.Events.OfType<ModelVersionApproved>().SingleOrDefault() is not { } approved)
                return [];
            var version = decided.After!;
            var approval = version.FindApproval(approved.ApprovalId)!;
            var statement = ApprovalStatement.For(version, approval, approved, decided.Version);
            using var signer = keys.Current();
            var envelope = Dsse.Sign(statement, signer);
            return
            [
                new ApprovalAttested(
                    version.ModelId,
                    version.Version,
                    approval.Id,
                    approval.Environment,
                    approval.ArtifactDigest,
                    Dsse.DigestOf(envelope),
                    signer.KeyId,
                    Encoding.UTF8.GetString(Dsse.Serialize(envelope)),
                    approved.Audit with
                    {
                        Reason = "Signed attestation of the granted approval",
                    }
                ),
            ];
        };

    /// <summary>The web UI's link to an attestation, for a person signed in with the cookie.</summary>
    public static IEndpointRouteBuilder MapAttestationDownloads(this IEndpointRouteBuilder app)
    {
        app.MapGet(
                "/attestations/{approvalId}",
                (string approvalId, IQuerySession session, CancellationToken ct) => Envelope(approvalId, session, ct)
            )
            .RequireAuthorization(p =>
                p.AddAuthenticationSchemes(IdentitySetup.UiCookie)
                    .RequireRole(Roles.Auditor, Roles.RiskOfficer, Roles.ModelOwner, Roles.Validator, Roles.Admin)
            )
            .ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> Envelope(string approvalId, IQuerySession session, CancellationToken ct)
    {
        var approval =
            await session.LoadAsync<Approval>(approvalId, ct)
            ?? throw GovernanceRuleException.NotFound("approval.not_found", $"No approval {approvalId}.");
        if (approval.AttestationEnvelope is null)
            throw GovernanceRuleException.NotFound(
                "attestation.not_issued",
                $"Approval {approvalId} is {approval.Status}; attestations are issued when an approval is granted."
            );
        return Results.Text(approval.AttestationEnvelope, "application/vnd.dsse.envelope+json", Encoding.UTF8);
    }

    public sealed record LoadReportRequest(
        string? Environment,
        string? Host,
        string? ArtifactDigest,
        bool? Loaded,
        string? ApprovalId,
        string? ReasonCode,
        string? Reason
    );

    public static RouteGroupBuilder MapAttestations(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("").WithTags("Signed approvals");

        group
            .MapGet(
                "/approvals/{approvalId}/attestation",
                (string approvalId, IQuerySession session, CancellationToken ct) => Envelope(approvalId, session, ct)
            )
            .AllowRoles(Roles.DeploymentPipeline, Roles.Auditor, Roles.RiskOfficer, Roles.ModelOwner, Roles.Validator, Roles.Admin)
            .WithScopes(ApiScopes.ApprovalsRead, ApiScopes.LedgerRead)
            .WithName("GetAttestation")
            .WithSummary("The DSSE envelope of a granted approval (in-toto Statement v1, ES256), as issued.");

        group
            .MapGet(
                "/approvals/{approvalId}/status",
                async (string approvalId, IQuerySession session, TimeProvider clock, CancellationToken ct) =>
                {
                    var a =
                        await session.LoadAsync<Approval>(approvalId, ct)
                        ?? throw GovernanceRuleException.NotFound("approval.not_found", $"No approval {approvalId}.");
                    return Results.Ok(
                        new ApprovalStatusAnswer(
                            a.Id,
                            a.ModelId,
                            a.Version,
                            a.Environment,
                            a.ArtifactDigest,
                            a.Status,
                            a.Status == ApprovalStatus.Revoked,
                            a.ExpiresAt,
                            a.RevokedAt,
                            a.RevocationReason,
                            a.AttestationDigest,
                            clock.GetUtcNow()
                        )
                    );
                }
            )
            .AllowRoles(Roles.DeploymentPipeline, Roles.Auditor, Roles.RiskOfficer, Roles.ModelOwner, Roles.Validator, Roles.Admin)
            .WithScopes(ApiScopes.ApprovalsRead, ApiScopes.LedgerRead)
            .WithName("GetApprovalStatus")
            .WithSummary("Revocation status of an approval, for model servers' online check.");

        group
            .MapGet("/attestation-keys", (AttestationKeyRing keys) => Results.Ok(keys.PublicKeys()))
            .AllowRoles(Roles.All.ToArray())
            .WithScopes(ApiScopes.ApprovalsRead, ApiScopes.LedgerRead)
            .WithName("GetAttestationKeys")
            .WithSummary("JWKS of the attestation keys: the current one and every retired one, so earlier attestations still verify.");

        group
            .MapPost(
                "/admin/attestation-keys/rotation",
                (AttestationKeyRing keys) =>
                {
                    using var signer = keys.Rotate();
                    return Results.Ok(keys.PublicKeys());
                }
            )
            .AllowRoles(Roles.Admin)
            .WithName("RotateAttestationKey")
            .WithSummary("Start signing with a new key; earlier attestations keep verifying with the retired one.");

        group
            .MapPost(
                "/models/{modelId}/versions/{version}/loads",
                (string modelId, string version, LoadReportRequest body, Commands commands, HttpContext http) =>
                    commands.OnVersion(
                        http,
                        modelId,
                        version,
                        (v, ctx) =>
                            [
                                RecordLoadDecision.Decide(
                                    new RecordLoad(
                                        body.Environment,
                                        body.Host,
                                        body.ArtifactDigest,
                                        body.Loaded,
                                        body.ApprovalId,
                                        body.ReasonCode,
                                        body.Reason
                                    ),
                                    v,
                                    ctx
                                ),
                            ],
                        d => new CommandAnswer(StatusCodes.Status201Created, d.Events[0])
                    )
            )
            .AllowRoles(Roles.DeploymentPipeline)
            .WithScopes(ApiScopes.LoadsWrite)
            .WithName("RecordLoad")
            .WithSummary("A model server reports that it loaded, or refused to load, an artifact (with the reason code).");
        return api;
    }
}
