namespace Governance.Ui.Components;

/// <summary>
/// How often an open page's bell asks the notification center again (30 seconds unless the host says otherwise), measured on
/// the injected <see cref="TimeProvider"/>. Notifications are derived from the ledger's state at the clock's now (approvals
/// awaiting a decision, expiries, findings due, breaches), so a periodic read is what sees them all, whichever source adds them.
/// </summary>
public sealed record NotificationBellOptions
{
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// One circuit's signal to its bell that the person changed what it counts (they marked notifications read), so the bell
/// refreshes at once instead of at its next tick. Scoped: a Blazor Server circuit has its own.
/// </summary>
public sealed class NotificationBellSignal
{
    internal event Func<Task>? Changed;

    /// <summary>Tells this circuit's bell to count again now.</summary>
    public Task RaiseAsync() => Changed?.Invoke() ?? Task.CompletedTask;
}
