namespace Governance.Domain.Shared;

public enum RuleKind
{
    /// <summary>A field of the command is missing or malformed.</summary>
    InvalidInput,

    /// <summary>The actor may not do this (segregation of duties).</summary>
    Forbidden,

    /// <summary>The command does not fit the current state of the record.</summary>
    Conflict,

    /// <summary>A record the command refers to does not exist.</summary>
    NotFound,
}

/// <summary>A command refused by a governance rule. Nothing is written when one is thrown.</summary>
public sealed class GovernanceRuleException : Exception
{
    public GovernanceRuleException(RuleKind kind, string code, string message, IReadOnlyDictionary<string, string[]>? fieldErrors = null)
        : base(message)
    {
        Kind = kind;
        Code = code;
        FieldErrors = fieldErrors ?? new Dictionary<string, string[]>();
    }

    public RuleKind Kind { get; }

    /// <summary>Machine-readable rule name, e.g. <c>segregation_of_duties.owner_cannot_approve</c>.</summary>
    public string Code { get; }

    /// <summary>For <see cref="RuleKind.InvalidInput"/>: the offending fields (camelCase, as in the API) and what is wrong with
    /// each.</summary>
    public IReadOnlyDictionary<string, string[]> FieldErrors { get; }

    public static GovernanceRuleException Forbidden(string code, string message) => new(RuleKind.Forbidden, code, message);

    public static GovernanceRuleException Conflict(string code, string message) => new(RuleKind.Conflict, code, message);

    public static GovernanceRuleException NotFound(string code, string message) => new(RuleKind.NotFound, code, message);

    public static GovernanceRuleException InvalidField(string field, string message) =>
        new(RuleKind.InvalidInput, "invalid_input", $"{field}: {message}", new Dictionary<string, string[]> { [field] = [message] });
}
