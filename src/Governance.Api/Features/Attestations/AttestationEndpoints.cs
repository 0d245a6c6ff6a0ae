using System.Text;
using Governance.Api.Hosting;
using Governance.Api.Identity;
using Governance.Attestations;
using Governance.Domain.Deployments;
using Governance.Domain.Shared;
using Governance.Ledger.Attestations;
using Governance.Ledger.ModelVersions;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Governance.Api.Features.Attestations;

/// <summary>Signed approvals over HTTP: envelopes, revocation status, keys and their rotation, model servers' load reports
/// and last verifications.</summary>
public static class AttestationEndpoints
{
    private static readonly string[] EnvelopeReaders =
    [
        Roles.DeploymentPipeline,
        Roles.Auditor,
        Roles.RiskOfficer,
        Roles.ModelOwner,
        Roles.Validator,
        Roles.Admin,
    ];

    /// <summary>The web UI's link to an attestation, for a person signed in with the cookie.</summary>
    public static IEndpointRouteBuilder MapAttestationDownloads(this IEndpointRouteBuilder app)
    {
        app.MapGet("/attestations/{approvalId}", GetAttestation)
            .RequireAuthorization(p =>
                p.AddAuthenticationSchemes(IdentitySetup.UiCookie)
                    .RequireRole(Roles.Auditor, Roles.RiskOfficer, Roles.ModelOwner, Roles.Validator, Roles.Admin)
            )
            .ExcludeFromDescription();
        return app;
    }

    public static RouteGroupBuilder MapAttestations(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("").WithTags("Signed approvals");
        group
            .MapGet("/approvals/{approvalId}/attestation", GetAttestation)
            .AllowRoles(EnvelopeReaders)
            .WithScopes(ApiScopes.ApprovalsRead, ApiScopes.LedgerRead)
            .WithName(nameof(GetAttestation))
            .WithSummary("The DSSE envelope of a granted approval (in-toto Statement v1, ES256), as issued.");
        group
            .MapGet("/approvals/{approvalId}/status", GetApprovalStatus)
            .AllowRoles(EnvelopeReaders)
            .WithScopes(ApiScopes.ApprovalsRead, ApiScopes.LedgerRead)
            .WithName(nameof(GetApprovalStatus))
            .WithSummary("Revocation status of an approval, for model servers' online check.");
        group
            .MapGet("/approvals/status-list", GetStatusList)
            .AllowRoles(EnvelopeReaders)
            .WithScopes(ApiScopes.ApprovalsRead, ApiScopes.LedgerRead)
            .WithName(nameof(GetStatusList))
            .WithSummary(
                "The signed status list: every approval's status and attestation digest, issued now, with its nextUpdate (a DSSE "
                    + "envelope signed by the current attestation key), for verifiers that work offline."
            );
        group
            .MapGet("/attestation-keys", GetAttestationKeys)
            .AllowAnyone()
            .RequireRateLimiting(IdentitySetup.PublicKeysRateLimit)
            .WithName(nameof(GetAttestationKeys))
            .WithSummary(
                "JWKS of the attestation keys, public like an OpenID provider's: every key with its status (current, retired, "
                    + "compromised) and window (nbf, exp), so attestations verify offline without a token. Cacheable for 5 minutes."
            );
        group
            .MapPost("/admin/attestation-keys/rotation", RotateAttestationKey)
            .AllowRoles(AttestationKeyRing.AdministerRoles)
            .WithName(nameof(RotateAttestationKey))
            .WithSummary(
                "Start signing with a new key, with a reason: the current key retires now and its private part is destroyed; "
                    + "statements it issued before keep verifying. Recorded in the security log."
            );
        group
            .MapPost("/admin/attestation-keys/{keyId}/compromise", ReportAttestationKeyCompromise)
            .AllowRoles(AttestationKeyRing.AdministerRoles)
            .WithName(nameof(ReportAttestationKeyCompromise))
            .WithSummary(
                "Report a key compromised from a time: statements it issued from then on are refused, a current key is replaced, "
                    + "and every still-valid approval it signed is re-attested with the current key. Recorded in the security log."
            );
        group
            .MapPost("/models/{modelId}/versions/{version}/loads", RecordLoad)
            .AllowRoles(SignedApprovals.LoadReportRoles)
            .WithScopes(ApiScopes.LoadsWrite)
            .WithName(nameof(RecordLoad))
            .WithSummary("A model server reports that it loaded, or refused to load, an artifact (with the reason code).");
        group
            .MapPost("/models/{modelId}/versions/{version}/verifications", RecordVerification)
            .AllowRoles(SignedApprovals.LoadReportRoles)
            .WithScopes(ApiScopes.LoadsWrite)
            .WithName(nameof(RecordVerification))
            .WithSummary(
                "A model server reports that the model it loaded passed a periodic re-verification. Kept as the host's last-verified "
                    + "record (operational, overwritten by each report), not as an event: the version's ETag does not change."
            );
        group
            .MapGet("/models/{modelId}/versions/{version}/serving", GetServingHosts)
            .AllowRoles(Roles.Auditor, Roles.RiskOfficer, Roles.Validator, Roles.ModelOwner, Roles.Admin)
            .WithName(nameof(GetServingHosts))
            .WithSummary("The hosts that reported loading a version: each one's last load or refusal and its last verification.");
        return api;
    }

    private static async Task<ContentHttpResult> GetAttestation(string approvalId, SignedApprovals signed, CancellationToken ct) =>
        TypedResults.Text(await signed.EnvelopeAsync(approvalId, ct), "application/vnd.dsse.envelope+json", Encoding.UTF8);

    private static async Task<Ok<ApprovalStatusAnswer>> GetApprovalStatus(
        string approvalId,
        SignedApprovals signed,
        CancellationToken ct
    ) => TypedResults.Ok(await signed.StatusAsync(approvalId, ct));

    /// <summary>Seconds a verifier or proxy may cache the key set: a rotation reaches everyone within this time.</summary>
    public const int KeysMaxAgeSeconds = 300;

    private static async Task<Ok<JwkSet>> GetAttestationKeys(SignedApprovals signed, HttpContext http)
    {
        http.Response.Headers.CacheControl = $"public, max-age={KeysMaxAgeSeconds}";
        return TypedResults.Ok(await signed.PublicKeysAsync(http.RequestAborted));
    }

    private static async Task<ContentHttpResult> GetStatusList(SignedApprovals signed, CancellationToken ct) =>
        TypedResults.Text(await signed.StatusListAsync(ct), "application/vnd.dsse.envelope+json", Encoding.UTF8);

    public sealed record RotateKeyRequest(string? Reason);

    public sealed record KeyCompromiseRequest(DateTimeOffset? CompromisedAt, string? Reason);

    private static async Task<IResult> RotateAttestationKey(RotateKeyRequest body, SignedApprovals signed, HttpContext http) =>
        (await signed.RotateAsync(body.Reason, await http.CallAsync(), http.RequestAborted)).ToResult(LedgerCalls.Ok);

    private static async Task<IResult> ReportAttestationKeyCompromise(
        string keyId,
        KeyCompromiseRequest body,
        SignedApprovals signed,
        HttpContext http
    ) =>
        (await signed.ReportCompromiseAsync(keyId, body.CompromisedAt, body.Reason, await http.CallAsync(), http.RequestAborted)).ToResult(
            LedgerCalls.Ok
        );

    private static async Task<IResult> RecordLoad(
        string modelId,
        string version,
        ModelLoadReport body,
        SignedApprovals signed,
        HttpContext http
    ) =>
        (await signed.RecordLoadAsync(new VersionRef(modelId, version), body, await http.CallAsync(), http.RequestAborted)).ToResult(r =>
            r.Unapproved is { } unapproved
                ? LedgerCalls.Answer(StatusCodes.Status409Conflict, Unapproved(unapproved))
                : LedgerCalls.Answer(StatusCodes.Status201Created, (object?)r.Loaded ?? r.Refused!)
        );

    private static async Task<Ok<LastVerification>> RecordVerification(
        string modelId,
        string version,
        RecordVerification command,
        ServingHosts hosts,
        HttpContext http
    ) =>
        TypedResults.Ok(await hosts.RecordVerificationAsync(new VersionRef(modelId, version), command, http.Caller(), http.RequestAborted));

    private static async Task<Ok<IReadOnlyList<ServingHost>>> GetServingHosts(
        string modelId,
        string version,
        ServingHosts hosts,
        CancellationToken ct
    )
    {
        var target = new VersionRef(modelId, version);
        return TypedResults.Ok(await hosts.OfVersionAsync(target, ct) ?? throw target.NotFound());
    }

    /// <summary>The 409 for a reported load no approval allowed: recorded as evidence, like a refused deployment.</summary>
    private static Microsoft.AspNetCore.Mvc.ProblemDetails Unapproved(Domain.ModelVersions.UnapprovedLoadReported unapproved) =>
        Problems.RecordedRefusal("load.unapproved", "The reported load is not covered by an approval", unapproved.Reasons);
}
