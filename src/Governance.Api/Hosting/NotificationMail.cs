using Governance.Domain.Notifications;
using Governance.Ledger.Coordination;
using Governance.Ledger.Notifications;
using Governance.Ui.Desks;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Governance.Api.Hosting;

/// <summary>
/// The SMTP server notifications are e-mailed through (Governance:Smtp): <c>Host</c> (required to send any mail), <c>Port</c>
/// (default 25), <c>From</c> (the sender address, required), <c>Security</c> (<c>None</c>, <c>StartTls</c> or <c>SslOnConnect</c>;
/// default <c>StartTlsWhenAvailable</c>), <c>UserName</c> and <c>Password</c> (optional, for AUTH), and <c>IntervalSeconds</c>
/// (how often pending notifications are looked for; default 300).
/// </summary>
public sealed record SmtpSettings(
    string Host,
    int Port,
    string From,
    SecureSocketOptions Security,
    string? UserName,
    string? Password,
    TimeSpan Interval
)
{
    /// <summary>The settings in <paramref name="configuration"/>, or null when no host is configured (no e-mail is sent).</summary>
    /// <exception cref="ConfigurationProblem">A host without a sender, or a port, security or interval that does not
    /// parse.</exception>
    public static SmtpSettings? Read(IConfiguration configuration)
    {
        var section = configuration.GetSection("Governance:Smtp");
        if (section["Host"] is not { Length: > 0 } host)
            return null;
        var from =
            section["From"] is { Length: > 0 } sender && MailboxAddress.TryParse(sender, out _)
                ? sender
                : throw new ConfigurationProblem("Governance:Smtp:From must be the sender's e-mail address.");
        return new SmtpSettings(
            host,
            section.GetValue("Port", 25),
            from,
            section.GetValue("Security", SecureSocketOptions.StartTlsWhenAvailable),
            section["UserName"],
            section["Password"],
            TimeSpan.FromSeconds(section.GetValue("IntervalSeconds", 300))
        );
    }
}

/// <summary>
/// E-mails each person with an address the notifications of the kinds they chose, once each (<see cref="NotificationCenter"/>),
/// through the configured SMTP server with MailKit; every <see cref="SmtpSettings.Interval"/> of the injected clock. A failed
/// delivery is logged and tried again at the next pass (nothing is marked sent). With several API nodes only the leader of
/// <see cref="LockKey"/> mails (<see cref="LeaderElection"/>), so two nodes never send one notification twice.
/// </summary>
public sealed class NotificationMailer(
    NotificationCenter center,
    IAccountDirectory accounts,
    SmtpSettings smtp,
    IConfiguration configuration,
    TimeProvider clock,
    ILogger<NotificationMailer> log
) : BackgroundService
{
    /// <summary>The advisory lock of the mailer's leader election.</summary>
    public const long LockKey = 0x4d61696c6572a7e1L;

    /// <summary>How often a node that is not the mailer tries to become it.</summary>
    public static readonly TimeSpan LeaderPollInterval = TimeSpan.FromSeconds(2);

    // One pass at a time (the timer's and a caller's), so a notification is never sent twice by two passes at once.
    private readonly SemaphoreSlim _pass = new(1, 1);

    /// <summary>One pass: sends every pending notification to every person with an e-mail address.</summary>
    /// <returns>How many e-mails were sent.</returns>
    public async Task<int> SendPendingAsync(CancellationToken ct)
    {
        await _pass.WaitAsync(ct);
        try
        {
            return await SendAsync(ct);
        }
        finally
        {
            _pass.Release();
        }
    }

    private async Task<int> SendAsync(CancellationToken ct)
    {
        var publicUrl = Identity.IdentitySetup.PublicUrl(configuration);
        var sent = 0;
        using var client = new SmtpClient();
        foreach (var account in await accounts.AccountsAsync(ct))
        {
            if (account.Email is not { Length: > 0 } email || !MailboxAddress.TryParse(email, out var to))
                continue;
            var person = new Recipient(account.SubjectId, account.Roles.ToArray());
            var pending = await center.UnmailedAsync(person, ct);
            if (pending.Count == 0)
                continue;
            if (!client.IsConnected)
            {
                await client.ConnectAsync(smtp.Host, smtp.Port, smtp.Security, ct);
                if (smtp.UserName is { Length: > 0 } user)
                    await client.AuthenticateAsync(user, smtp.Password ?? "", ct);
            }
            to.Name = account.DisplayName;
            var delivered = new List<string>();
            foreach (var notification in pending)
            {
                await client.SendAsync(Message(notification, to, publicUrl), ct);
                delivered.Add(notification.Id);
                sent++;
            }
            await center.MarkMailedAsync(person, delivered, ct);
        }
        if (client.IsConnected)
            await client.DisconnectAsync(quit: true, ct);
        return sent;
    }

    private MimeMessage Message(Notification notification, MailboxAddress to, Uri publicUrl)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(smtp.From));
        message.To.Add(to);
        message.Subject = $"[Governance] {notification.Title}";
        message.Date = clock.GetUtcNow();
        message.Body = new TextPart("plain")
        {
            Text =
                $"{notification.Title}\n\nOpen it: {new Uri(publicUrl, notification.Link.TrimStart('/'))}\n\n"
                + "You receive this because you chose e-mail for this kind of notification; change it on the notifications page: "
                + $"{new Uri(publicUrl, "notifications")}\n",
        };
        return message;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        new LeaderElection(GovernanceHost.ConnectionString(configuration), LockKey, LeaderPollInterval, clock, log).RunAsync(
            (_, lost) => MailWhileLeadingAsync(lost),
            stoppingToken
        );

    private async Task MailWhileLeadingAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(smtp.Interval, clock);
        do
        {
            try
            {
                var sent = await SendPendingAsync(stoppingToken);
                if (sent > 0)
                    log.LogInformation("E-mailed {Count} notification(s)", sent);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning(e, "E-mailing notifications failed; they are tried again at the next pass");
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
