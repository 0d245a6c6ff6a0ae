namespace Governance.Api.Tests.Infrastructure;

/// <summary>System time plus an offset the tests can move forward, e.g. past an approval's expiry.</summary>
public sealed class AdjustableClock : TimeProvider
{
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;
}
