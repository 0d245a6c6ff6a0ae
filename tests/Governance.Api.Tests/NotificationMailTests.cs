using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Governance.Api.Hosting;
using Governance.Api.Tests.Infrastructure;
using Governance.Domain.Monitoring;
using Governance.Domain.Notifications;
using Governance.Domain.Shared;
using Governance.Ledger.ModelVersions;
using Governance.Ledger.Monitoring;
using Governance.Ledger.Notifications;
using Governance.Ledger.Writing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Governance.Api.Tests;

/// <summary>
/// Notifications by e-mail through a real SMTP server: Debian's aiosmtpd (python3-aiosmtpd, installed by ./gov test), run by the
/// test, receives what MailKit sends. Each notification is mailed once, only of the kinds the person chose, and a finding's
/// due-date mail comes when the (injected) clock reaches 14 days before its date; a breach review reaches whom the signed plan
/// alerts and the officers who may resolve it.
/// </summary>
public sealed class NotificationMailTests(NotificationMailTests.MailApp app) : IClassFixture<NotificationMailTests.MailApp>
{
    /// <summary>A host of its own with Governance:Smtp pointing at an aiosmtpd sink on a free port.</summary>
    public sealed class MailApp : LedgerApp
    {
        public int SmtpPort { get; } = FreePort();
        private Process? _sink;
        private readonly StringBuilder _received = new();

        /// <summary>Everything the SMTP sink printed (aiosmtpd's Debugging handler prints each message whole), with folded header
        /// lines unfolded (RFC 5322 §2.2.3), so a long subject reads as one line.</summary>
        public string Received
        {
            get
            {
                lock (_received)
                    return _received.ToString().Replace("\r", "").Replace("\n ", " ").Replace("\n\t", " ");
            }
        }

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            _sink = Process.Start(
                new ProcessStartInfo("/usr/bin/python3", ["-u", "-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{SmtpPort}"])
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                }
            )!;
            _sink.OutputDataReceived += (_, e) =>
            {
                lock (_received)
                    _received.AppendLine(e.Data);
            };
            _sink.ErrorDataReceived += (_, _) => { };
            _sink.BeginOutputReadLine();
            _sink.BeginErrorReadLine();
            // Ready when it accepts connections.
            for (var i = 0; ; i++)
                try
                {
                    using var probe = new TcpClient();
                    await probe.ConnectAsync(IPAddress.Loopback, SmtpPort);
                    break;
                }
                catch (SocketException) when (i < 100)
                {
                    await Task.Delay(100);
                }
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Governance:Smtp:Host", "127.0.0.1");
            builder.UseSetting("Governance:Smtp:Port", SmtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
            builder.UseSetting("Governance:Smtp:Security", "None");
            builder.UseSetting("Governance:Smtp:From", "governance@bank.example");
            builder.UseSetting("Governance:Smtp:IntervalSeconds", "3600");
        }

        protected override void OnDisposed()
        {
            if (_sink is { HasExited: false })
                _sink.Kill();
            _sink?.Dispose();
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
    }

    private async Task<string> NewPerson(string userName, string role)
    {
        var admin = app.As("mail-admin", Roles.Admin);
        var created = await admin
            .PostAsJsonAsync(
                "/api/v1/admin/users",
                new
                {
                    userName,
                    displayName = $"Mail {userName}",
                    email = $"{userName}@bank.example",
                    password = "Correct-Horse-9-battery",
                    roles = new[] { role },
                }
            )
            .Expect(HttpStatusCode.Created);
        return created.GetProperty("subjectId").GetString()!;
    }

    [Fact]
    public async Task Reviews_and_findings_due_are_mailed_once_each_of_the_kinds_chosen_when_the_clock_says_so()
    {
        var mailer = app.Services.GetRequiredService<NotificationMailer>();
        var center = app.Services.GetRequiredService<NotificationCenter>();
        var officer = await NewPerson("mail-officer", Roles.RiskOfficer);
        var muted = await NewPerson("mail-muted", Roles.RiskOfficer);
        await center.SetEmailKindsAsync(muted, [NotificationKind.FindingDue], CancellationToken.None);
        var owner = await NewPerson("mail-owner", Roles.ModelOwner);

        var ledger = new Scenario(app);
        var modelId = await ledger.RegisterModel(Scenario.NewId("mail"));
        await ledger.RegisterVersion(modelId);
        await ledger.Validate(modelId);
        await ledger.RequestApproval(modelId);
        await ledger
            .Validator.PostAsJsonAsync(
                $"{Scenario.VersionPath(modelId)}/findings/F-1/assignment",
                new { ownerId = owner, dueAt = app.Clock.GetUtcNow().AddDays(20) }
            )
            .Expect(HttpStatusCode.OK);

        Assert.True(await mailer.SendPendingAsync(CancellationToken.None) >= 1, "nothing was sent");
        var review = $"Subject: [Governance] Approval of {modelId} 1.0.0 for production awaits your decision";
        await Eventually(() => app.Received.Contains(review), () => app.Received);
        Assert.Contains("<mail-officer@bank.example>", app.Received);
        Assert.DoesNotContain("<mail-muted@bank.example>", app.Received);
        Assert.DoesNotContain($"Finding F-1 of {modelId}", app.Received);

        // Once each: a second pass sends nothing new.
        Assert.Equal(0, await mailer.SendPendingAsync(CancellationToken.None));

        // Twelve days on, the finding is due within 14 days: its owner is told (the injected clock, no waiting).
        app.Clock.Offset += TimeSpan.FromDays(12);
        try
        {
            await mailer.SendPendingAsync(CancellationToken.None);
        }
        finally
        {
            app.Clock.Offset -= TimeSpan.FromDays(12);
        }
        await Eventually(() => app.Received.Contains($"Subject: [Governance] Finding F-1 of {modelId} 1.0.0 is due"), () => app.Received);
        Assert.Contains("<mail-owner@bank.example>", app.Received);
        Assert.Equal(1, Count(app.Received, review));
    }

    private static readonly object[] Psi = [new { statistic = "Psi", threshold = 0.25 }];

    [Fact]
    public async Task A_breach_review_is_mailed_to_whom_the_signed_plan_alerts_and_to_the_officers_who_may_resolve_it()
    {
        var mailer = app.Services.GetRequiredService<NotificationMailer>();
        // Breaches only: this class's other test counts the review mails every officer gets.
        var officer = await NewPerson("breach-officer", Roles.RiskOfficer);
        await app
            .Services.GetRequiredService<NotificationCenter>()
            .SetEmailKindsAsync(officer, [NotificationKind.Breach], CancellationToken.None);
        var analyst = await NewPerson("breach-analyst", Roles.Auditor);
        await NewPerson("breach-bystander", Roles.Auditor);
        var ledger = new Scenario(app);
        var modelId = await ledger.RegisterModel(Scenario.NewId("breach"));
        var dataset = await ledger.RegisterDataset();
        var digest = await ledger.RegisterVersion(modelId, datasetDigest: dataset);
        await ledger.Validate(modelId);
        var plan = new
        {
            referenceDatasetDigest = dataset,
            referenceRows = 1000,
            features = new[]
            {
                new
                {
                    name = "Amount",
                    kind = "Numeric",
                    tests = Psi,
                },
            },
            prediction = new
            {
                name = "Score",
                kind = "Numeric",
                tests = Psi,
            },
            correction = "None",
            datasetDriftShare = 0.5,
            cadenceDays = 30,
            onBreach = "UnderReview",
            drainPeriod = "00:00:00",
            alert = new[] { analyst },
        };
        var approvalId = (
            await ledger
                .Owner.PostAsJsonAsync(
                    $"{Scenario.VersionPath(modelId)}/approvals",
                    new
                    {
                        environment = "production",
                        intendedUse = "Card fraud screening",
                        monitoringPlan = plan,
                    }
                )
                .Expect(HttpStatusCode.Created)
        ).GetProperty("id").GetString()!;
        await ledger.SignOff(ledger.OfficerRita, modelId, approvalId, digest).Expect(HttpStatusCode.OK);
        await mailer.SendPendingAsync(CancellationToken.None);

        await app
            .Services.GetRequiredService<BreachRecords>()
            .RecordBreachAsync(
                new VersionRef(modelId, "1.0.0"),
                "production",
                "monitoring-mail-1",
                Scenario.DigestOf("monitoring-mail-1"),
                [new BreachingFeature("Amount", DriftStatistic.Psi, 0.41, 0.25)],
                new CommandCall(new Caller("client:monitoring-job", [Roles.DeploymentPipeline], "monitoring-job"), "mail-breach-1"),
                CancellationToken.None
            );
        Assert.True(await mailer.SendPendingAsync(CancellationToken.None) >= 2, "the breach was not mailed");

        var subject = $"Subject: [Governance] {modelId} 1.0.0 in production breached its monitoring plan (Amount): approval under review";
        await Eventually(() => app.Received.Contains(subject + ", awaiting your resolution"), () => app.Received);
        Assert.Contains("<breach-officer@bank.example>", app.Received);
        Assert.Contains("<breach-analyst@bank.example>", app.Received);
        Assert.DoesNotContain("<breach-bystander@bank.example>", app.Received);
        Assert.Equal(0, await mailer.SendPendingAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_comment_mentioning_a_person_reaches_their_inbox_and_is_mailed_to_them_once()
    {
        var mailer = app.Services.GetRequiredService<NotificationMailer>();
        var center = app.Services.GetRequiredService<NotificationCenter>();
        var named = await NewPerson("mentioned-officer", Roles.RiskOfficer);
        await center.SetEmailKindsAsync(named, [NotificationKind.Mentioned], CancellationToken.None);
        var ledger = new Scenario(app);
        var (modelId, _, approvalId) = await ledger.ApprovedVersion();
        await mailer.SendPendingAsync(CancellationToken.None);

        await ledger
            .OfficerRita.PostAsJsonAsync(
                $"/api/v1/approvals/{approvalId}/comments",
                new { text = "Please check the PSI plan before the first report.", mentions = new[] { named } }
            )
            .Expect(HttpStatusCode.OK);

        var inbox = await center.InboxAsync(new Recipient(named, [Roles.RiskOfficer]), CancellationToken.None);
        var mention = Assert.Single(inbox.Items, i => i.Notification.Kind == NotificationKind.Mentioned);
        Assert.False(mention.Read);
        Assert.Equal($"/approvals/{approvalId}#discussion", mention.Notification.Link);
        Assert.True(await mailer.SendPendingAsync(CancellationToken.None) >= 1, "the mention was not mailed");
        var subject = $"Subject: [Governance] You were mentioned on the approval of {modelId} 1.0.0: \"Please check the PSI plan";
        await Eventually(() => app.Received.Contains(subject), () => app.Received);
        Assert.Contains("<mentioned-officer@bank.example>", app.Received);
        Assert.Equal(0, await mailer.SendPendingAsync(CancellationToken.None));
    }

    private static int Count(string text, string part) => (text.Length - text.Replace(part, "").Length) / part.Length;

    private static async Task Eventually(Func<bool> condition, Func<string> shown)
    {
        for (var i = 0; i < 100 && !condition(); i++)
            await Task.Delay(100);
        Assert.True(condition(), shown());
    }
}
