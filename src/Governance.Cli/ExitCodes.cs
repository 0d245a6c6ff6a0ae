namespace Governance.Cli;

/// <summary>What a CI step can branch on.</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>Bad usage or input (missing file, malformed digest, a 400/404 from the ledger): nothing was recorded.</summary>
    public const int InvalidInput = 1;

    /// <summary>The ledger could not be reached, failed, or refused the credentials.</summary>
    public const int ServerOrAuth = 2;

    /// <summary>The ledger said no: approval denied, rejected or revoked, deployment refused (and recorded), forbidden, or a state
    /// conflict.</summary>
    public const int Denied = 3;

    /// <summary>Offline verification of an attestation failed.</summary>
    public const int VerificationFailed = 4;

    /// <summary><c>approval wait</c>: the approval was still pending when the timeout ran out (nothing was decided yet).</summary>
    public const int StillPending = 5;
}

/// <summary>A failure that ends the command with a given exit code and message.</summary>
public sealed class CliFailure(int exitCode, string code, string message, object? details = null) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
    public string Code { get; } = code;
    public object? Details { get; } = details;
}
