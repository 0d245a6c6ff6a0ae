using System.Text.Json.Serialization;
using Governance.Domain.Shared;

namespace Governance.Domain.Security;

/// <summary>
/// The security log: who signed in or failed to, which clients got tokens, and who changed roles or secrets.
/// One stream per subject (<c>security:&lt;subject or client id&gt;</c>), readable by Admin and Auditor. Events name accounts by
/// subject id; user names and display names are read from the people directory (<see cref="PeopleNames"/>), so that erasing
/// a person never touches the sealed log. Events stored before this release also carry <c>userName</c> (and, for
/// <c>user_created</c>, <c>displayName</c>), which are not read back.
/// </summary>
public interface ISecurityEvent : ILedgerEvent
{
    /// <summary>The user or client the event is about (not necessarily the actor: an admin changes someone else's roles).</summary>
    string Subject { get; }
}

public static class SecurityLog
{
    public static string StreamKey(string subject) => $"security:{subject}";
}

public sealed record SignInSucceeded(string Subject, string Method, Audit Audit) : ISecurityEvent;

/// <summary>A failed sign-in; <paramref name="Failure"/> is unknown_user, bad_password, locked_out or not_allowed.</summary>
/// <param name="Subject">The account's subject id; <c>unknown-users</c> for a user name no account has.</param>
/// <param name="UserName">Only for an unknown user name: the name as typed (at most 256 characters, the sign-in form's limit),
/// which an investigation of guessing needs and no account's erasure concerns. Null, and left out, for a known account.</param>
public sealed record SignInFailed(
    string Subject,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? UserName,
    string Failure,
    Audit Audit
) : ISecurityEvent
{
    /// <summary>The <see cref="Subject"/> of a failed sign-in with a user name no account has.</summary>
    public const string UnknownUsers = "unknown-users";
}

/// <summary>
/// An account locked after failed passwords from <paramref name="Addresses"/> distinct client networks within the failure
/// window, until <paramref name="Until"/>. The addresses themselves are not recorded: they are personal data, and the log is
/// permanent.
/// </summary>
public sealed record AccountLockedOut(string Subject, DateTimeOffset Until, int Addresses, Audit Audit) : ISecurityEvent;

/// <summary>
/// A client that failed to authenticate at the token or device authorization endpoint (OAuth <c>invalid_client</c>):
/// <paramref name="Failure"/> is <c>unknown_client</c> (<paramref name="Subject"/> is then <c>unknown-clients</c> and
/// <paramref name="ClientId"/> the id as sent, at most 100 characters) or <c>invalid_credentials</c> (a registered client with a
/// wrong or missing secret); <paramref name="Endpoint"/> is <c>token</c> or <c>device</c>.
/// </summary>
public sealed record ClientAuthenticationFailed(string Subject, string ClientId, string Endpoint, string Failure, Audit Audit)
    : ISecurityEvent;

public sealed record TokenIssuedToClient(string Subject, string GrantType, IReadOnlyList<string> Scopes, Audit Audit) : ISecurityEvent;

public sealed record UserCreated(string Subject, IReadOnlyList<string> Roles, Audit Audit) : ISecurityEvent;

public sealed record UserRolesChanged(string Subject, IReadOnlyList<string> Added, IReadOnlyList<string> Removed, Audit Audit)
    : ISecurityEvent;

public sealed record ClientRegistered(
    string Subject,
    string DisplayName,
    IReadOnlyList<string> Scopes,
    IReadOnlyList<string> Roles,
    Audit Audit
) : ISecurityEvent;

public sealed record ClientSecretRotated(string Subject, Audit Audit) : ISecurityEvent;
