namespace Governance.Api.Hosting;

/// <summary>
/// A setting the host cannot start without, missing or malformed; the message names the setting and what it must be. The
/// API's entry point prints it as one line and exits 2, whether it is starting the server or running a command
/// (<c>admin ...</c>, <c>migrate</c>), instead of an unhandled exception's stack trace.
/// </summary>
public sealed class ConfigurationProblem(string message, Exception? inner = null) : InvalidOperationException(message, inner)
{
    /// <summary>The configuration problem that <paramref name="e"/> is or wraps (the host and the service provider wrap what
    /// a service's construction throws), or null.</summary>
    public static ConfigurationProblem? In(Exception e) =>
        e switch
        {
            ConfigurationProblem problem => problem,
            AggregateException many => many.InnerExceptions.Select(In).FirstOrDefault(p => p is not null),
            { InnerException: { } inner } => In(inner),
            _ => null,
        };
}
