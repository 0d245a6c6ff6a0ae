namespace Governance.Domain.Webhooks;

/// <summary>
/// When a failed delivery is tried again: exponential backoff, <see cref="FirstRetry"/> after the first failure, multiplied by
/// <see cref="Factor"/> after each further one, capped at <see cref="MaxDelay"/>, for at most <see cref="MaxAttempts"/>
/// attempts, after which the delivery is given up (it stays in the subscription's delivery log as failed). The defaults
/// (30 s, ×4, 6 h cap, 8 attempts) retry for about 15 hours (53,430 s): 30 s, 2 min, 8 min, 32 min, 2.1 h, 6 h, 6 h.
/// </summary>
public sealed record DeliverySchedule(TimeSpan FirstRetry, double Factor, TimeSpan MaxDelay, int MaxAttempts)
{
    public static readonly DeliverySchedule Default = new(TimeSpan.FromSeconds(30), 4, TimeSpan.FromHours(6), 8);

    /// <summary>What is wrong with this schedule, or null (positive delays, a factor of at least 1, at least one attempt).</summary>
    public string? Problem =>
        FirstRetry <= TimeSpan.Zero || MaxDelay < FirstRetry ? "the first retry must be positive and at most the longest delay"
        : !(Factor >= 1) || double.IsInfinity(Factor) ? "the factor must be a finite number of at least 1"
        : MaxAttempts < 1 ? "at least one attempt is needed"
        : null;

    /// <summary>The wait after failed attempt <paramref name="attempt"/> (1-based) before the next one, or null when that was the
    /// last attempt allowed.</summary>
    public TimeSpan? DelayAfter(int attempt)
    {
        if (attempt < 1)
            throw new ArgumentOutOfRangeException(nameof(attempt), attempt, "attempts count from 1");
        if (attempt >= MaxAttempts)
            return null;
        var seconds = FirstRetry.TotalSeconds * Math.Pow(Factor, attempt - 1);
        return seconds >= MaxDelay.TotalSeconds ? MaxDelay : TimeSpan.FromSeconds(seconds);
    }
}
