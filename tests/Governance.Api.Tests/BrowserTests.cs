using System.Net;
using System.Text.Json;
using Governance.Api.Identity;
using Governance.Api.Tests.Infrastructure;
using Governance.Domain.Shared;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Governance.Api.Tests;

/// <summary>
/// The product on a real port in Development (its development people exist), people signing in through the real
/// sign-in page in Debian's chromium; the ledger is set up over HTTP by test callers (X-Test-* headers).
/// </summary>
public class BrowserApp : LedgerApp
{
    protected override bool UsesTestAuthentication => false;

    public string Address { get; private set; } = "";

    /// <summary>A port known before start, because the UI's OpenID Connect client must know its issuer (this host) at configuration
    /// time.</summary>
    private readonly int _port = FreePort();

    private static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseEnvironment("Development");
        builder.UseSetting("Governance:PublicUrl", $"http://127.0.0.1:{_port}/");
        builder.ConfigureTestServices(services =>
        {
            services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, TestAuthentication>(TestAuthentication.SchemeName, null);
            services.PostConfigure<PolicySchemeOptions>(
                IdentitySetup.PolicyScheme,
                o =>
                {
                    var product = o.ForwardDefaultSelector!;
                    o.ForwardDefaultSelector = http =>
                        http.Request.Headers.ContainsKey("X-Test-Subject") ? TestAuthentication.SchemeName : product(http);
                }
            );
        });
    }

    public void Start()
    {
        UseKestrel(_port);
        StartServer();
        Address = $"http://127.0.0.1:{_port}";
    }

    /// <summary>Debian's chromium, headless, for every browser test (Playwright never downloads a browser here).</summary>
    public static Task<IBrowser> LaunchChromium(IPlaywright playwright) =>
        playwright.Chromium.LaunchAsync(
            new BrowserTypeLaunchOptions
            {
                ExecutablePath = "/usr/bin/chromium",
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync", "--no-first-run"],
            }
        );

    /// <summary>A new browser context signed in as the development person <paramref name="userName"/> at <paramref name="path"/>,
    /// once the page is interactive (clicks on prerendered HTML are lost). The viewport is 1400×1000 unless
    /// <paramref name="viewport"/> says otherwise; <paramref name="watch"/> sees the page before it first loads.</summary>
    public async Task<IPage> SignedInPage(
        IBrowser browser,
        string path,
        string userName,
        ViewportSize? viewport = null,
        Action<IPage>? watch = null
    )
    {
        var (user, password) = Person(userName);
        var page = await (
            await browser.NewContextAsync(
                new BrowserNewContextOptions { ViewportSize = viewport ?? new ViewportSize { Width = 1400, Height = 1000 } }
            )
        ).NewPageAsync();
        watch?.Invoke(page);
        await page.GotoAsync(Address + path);
        await page.GetByLabel("User name").FillAsync(user);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.Locator("#interactive-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached, Timeout = 30_000 });
        return page;
    }

    /// <summary>Picks <paramref name="option"/> in the MudSelect labelled <paramref name="label"/> and waits for its list to
    /// close.</summary>
    public static async Task Choose(IPage page, string label, string option)
    {
        // A click that lands before the select is interactive (its circuit still wiring events) opens nothing: click again
        // until its list is open, rather than waiting out the whole timeout on a list that will not appear.
        var open = page.Locator(".mud-popover-open").GetByText(option, new() { Exact = true }).First;
        for (var attempt = 1; attempt < 5; attempt++)
        {
            await page.GetByLabel(label, new() { Exact = true }).ClickAsync(new() { Force = true });
            try
            {
                await open.WaitForAsync(new() { Timeout = 3_000 });
                break;
            }
            catch (TimeoutException) { }
            // A list that did open, only slowly, would be closed by another click: wait for it instead.
            if (await page.Locator(".mud-popover-open").CountAsync() > 0)
                break;
        }
        await open.ClickAsync();
        await page.Locator(".mud-popover-open").WaitForAsync(new() { State = WaitForSelectorState.Hidden });
    }

    public (string UserName, string Password) Person(string userName)
    {
        var credentials = JsonDocument.Parse(File.ReadAllText(Path.Combine(DataFolder, "development-credentials.json"))).RootElement;
        var person = credentials.GetProperty("people").EnumerateArray().Single(p => p.GetProperty("userName").GetString() == userName);
        return (userName, person.GetProperty("password").GetString()!);
    }
}

public sealed class BrowserTests(BrowserApp app) : IClassFixture<BrowserApp>, IAsyncLifetime
{
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private static readonly string Screenshots = Path.Combine(Programs.RepositoryRoot(), "artifacts", "screenshots");

    public async Task InitializeAsync()
    {
        if (app.Address.Length == 0)
            app.Start();
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(
            new BrowserTypeLaunchOptions
            {
                ExecutablePath = "/usr/bin/chromium",
                Headless = true,
                Args =
                [
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                ],
            }
        );
        Directory.CreateDirectory(Screenshots);
    }

    /// <summary>Every page a test visited ran under the Content-Security-Policy without a violation (issue 12, item 6): chromium
    /// reports each blocked script, style or connection on the console.</summary>
    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        Assert.DoesNotContain(_browserLog, line => line.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase));
    }

    private async Task<IPage> SignedIn(string path, string userName, string password)
    {
        var page = await (
            await _browser.NewContextAsync(
                new BrowserNewContextOptions
                {
                    ViewportSize = new ViewportSize { Width = 1400, Height = 1000 },
                }
            )
        ).NewPageAsync();
        page.Console += (_, message) => _browserLog.Add($"console {message.Type}: {message.Text}");
        page.Request += (_, request) =>
        {
            if (request.IsNavigationRequest)
                _navigations.Add(request.Url);
        };
        page.RequestFailed += (_, request) => _browserLog.Add($"failed {request.Url}: {request.Failure}");
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
                _browserLog.Add($"{response.Status} {response.Url}");
        };
        await page.GotoAsync(app.Address + path);
        await page.GetByLabel("User name").FillAsync(userName);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Ready(page);
        return page;
    }

    /// <summary>Clicks on prerendered HTML are lost: wait until the page says it is interactive.</summary>
    private async Task Ready(IPage page)
    {
        try
        {
            await page.Locator("#interactive-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached, Timeout = 30_000 });
        }
        catch (TimeoutException)
        {
            await Shot(page, "failure-" + Guid.NewGuid().ToString("N")[..6]);
            throw new TimeoutException($"{page.Url} never became interactive. Browser log:\n{string.Join("\n", _browserLog)}");
        }
    }

    private readonly List<string> _browserLog = [];
    private readonly List<string> _navigations = [];

    private static Task Shot(IPage page, string name) =>
        page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, name + ".png"), FullPage = true });

    private async Task<(string ModelId, string Digest, string ApprovalId)> AwaitingApproval(string? ownerSubject = null)
    {
        var ledger = new Scenario(app);
        var owner = ownerSubject is null ? ledger.Owner : app.As(ownerSubject, Roles.ModelOwner);
        var modelId = Scenario.NewId("ui");
        await owner
            .PostAsync(
                "/api/v1/models",
                System.Net.Http.Json.JsonContent.Create(
                    new
                    {
                        modelId,
                        name = $"Retail PD {modelId}",
                        businessPurpose = "Probability of default for retail loans",
                        riskTier = "Medium",
                        jurisdictions = new[] { "EU" },
                    }
                )
            )
            .Expect(HttpStatusCode.Created);
        var digest = Scenario.DigestOf(modelId);
        var dataset = await ledger.RegisterDataset();
        await owner
            .PostAsync(
                $"/api/v1/models/{modelId}/versions",
                System.Net.Http.Json.JsonContent.Create(Scenario.VersionBody("1.0.0", digest, dataset))
            )
            .Expect(HttpStatusCode.Created);
        await owner
            .PostAsync(
                $"{Scenario.VersionPath(modelId)}/validation-submissions",
                System.Net.Http.Json.JsonContent.Create(new { summary = "Pack" })
            )
            .Expect(HttpStatusCode.OK);
        await ledger
            .Validator.PostAsync(
                $"{Scenario.VersionPath(modelId)}/validation",
                System.Net.Http.Json.JsonContent.Create(new { outcome = "Passed", opinion = "Sound." })
            )
            .Expect(HttpStatusCode.OK);
        var approval = await owner
            .PostAsync(
                $"{Scenario.VersionPath(modelId)}/approvals",
                System.Net.Http.Json.JsonContent.Create(new { environment = "production", intendedUse = "Retail credit decisions" })
            )
            .Expect(HttpStatusCode.Created);
        return (modelId, digest, approval.GetProperty("id").GetString()!);
    }

    [Fact]
    public async Task A_risk_officer_approves_from_the_queue_after_confirming_and_the_pipeline_check_then_allows()
    {
        var (modelId, digest, approvalId) = await AwaitingApproval();
        var (user, password) = app.Person("rita");
        var page = await SignedIn("/", user, password);
        await Shot(page, "01-dashboard");
        // The UI signed the officer in as an OpenID Connect client: authorization code with PKCE, then the redirect back.
        Assert.Contains(
            _navigations,
            u => u.Contains("/connect/authorize?") && u.Contains("client_id=governance-ui") && u.Contains("code_challenge=")
        );
        Assert.Contains(_navigations, u => u.Contains("/signin-oidc?") && u.Contains("code="));

        await page.GotoAsync(app.Address + "/approvals");
        await Ready(page);
        await Shot(page, "02-approval-queue");
        await page.GetByRole(AriaRole.Link, new() { Name = $"Review Retail PD {modelId} 1.0.0 for production" }).ClickAsync();
        await page.WaitForURLAsync($"**/approvals/{approvalId}");
        await Ready(page);
        Assert.Equal(digest, await page.Locator("#artifact-digest").InnerTextAsync());

        await page.GetByLabel("Rationale").FillAsync("Validation is sound; residual risk within appetite.");
        await page.GetByLabel("Conditions (one per line)").FillAsync("Quarterly monitoring of PSI");
        await Shot(page, "03-review");
        await page.Locator("#approve").ClickAsync();
        var confirmation = page.Locator("#confirmation");
        await confirmation.WaitForAsync();
        Assert.Contains(digest, await confirmation.InnerTextAsync());
        Assert.Contains("production", await confirmation.InnerTextAsync());
        await Shot(page, "04-confirmation");
        await page.Locator("#confirm").ClickAsync();
        await page.Locator("#decision-recorded").WaitForAsync();
        await Shot(page, "05-approved");

        var check = await new Scenario(app).Check(modelId, digest);
        Assert.True(check.GetProperty("allowed").GetBoolean(), check.ToString());
        Assert.Equal(approvalId, check.GetProperty("approvalId").GetString());
        var approval = await new Scenario(app).Auditor.GetAsync($"/api/v1/approvals/{approvalId}").Expect(HttpStatusCode.OK);
        var officer = approval.GetProperty("signOffs")[0].GetProperty("officer");
        Assert.Equal("user:dev-officer-rita", officer.GetProperty("subjectId").GetString());
    }

    [Fact]
    public async Task A_model_owner_who_is_also_a_risk_officer_is_told_they_cannot_approve_their_own_version()
    {
        const string ownerId = "ui-owner-and-officer";
        await using (var scope = app.Services.CreateAsyncScope())
            await scope
                .ServiceProvider.GetRequiredService<Accounts>()
                .CreateUserAsync(
                    new NewUser("oscar", "Oscar Owner-Officer", null, "Owner-and-officer-1", [Roles.ModelOwner, Roles.RiskOfficer]),
                    new Actor("test", "Test", Roles.Admin),
                    null,
                    CancellationToken.None,
                    id: ownerId
                );
        var (modelId, _, approvalId) = await AwaitingApproval(ownerId);

        var page = await SignedIn($"/approvals/{approvalId}", "oscar", "Owner-and-officer-1");
        await page.GetByLabel("Rationale").FillAsync("It is my own model and it is fine.");
        await page.Locator("#approve").ClickAsync();
        await page.Locator("#confirm").ClickAsync();
        var refusal = page.Locator("#decision-refused");
        await refusal.WaitForAsync();
        Assert.Contains("model owner cannot approve their own model version", await refusal.InnerTextAsync());
        await Shot(page, "06-segregation-of-duties-refused");
        var version = await new Scenario(app).GetVersion(modelId);
        Assert.Empty(version.GetProperty("approvals")[0].GetProperty("signOffs").EnumerateArray());
    }

    [Fact]
    public async Task An_auditor_finds_a_model_in_the_inventory_downloads_its_evidence_pack_and_finds_the_approvals_covering_a_file()
    {
        var (modelId, digest, approvalId) = await AwaitingApproval();
        var ledger = new Scenario(app);
        await ledger.SignOff(ledger.OfficerRita, modelId, approvalId, digest).Expect(HttpStatusCode.OK);
        var (user, password) = app.Person("ada");
        var page = await SignedIn("/inventory", user, password);
        await Shot(page, "07-inventory");
        await page.GetByRole(AriaRole.Link, new() { Name = $"Retail PD {modelId}" }).ClickAsync();
        await page.WaitForURLAsync($"**/models/{modelId}");
        await Ready(page);
        await page.Locator("#timeline").WaitForAsync();
        await Shot(page, "08-model-timeline");

        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("#pack-1\\.0\\.0-model-card").ClickAsync());
        var path = Path.Combine(Screenshots, "..", $"{modelId}-model-card.pdf");
        await download.SaveAsAsync(path);
        var pdf = await File.ReadAllBytesAsync(path);
        Assert.Equal("%PDF", System.Text.Encoding.ASCII.GetString(pdf, 0, 4));
        var issued = await ledger.Auditor.GetAsync($"{Scenario.VersionPath(modelId)}/evidence-packs").Expect(HttpStatusCode.OK);
        Assert.Equal(Digest.OfBytes(pdf), issued[0].GetProperty("sha256").GetString());
        Assert.Equal("user:dev-auditor-ada", issued[0].GetProperty("issuedTo").GetProperty("subjectId").GetString());

        await page.GotoAsync(app.Address + "/search");
        await Ready(page);
        await page.GetByLabel("Artifact SHA-256").FillAsync(digest[7..]);
        await page.Locator("#find").ClickAsync();
        await page.Locator("#covering-approvals").WaitForAsync();
        Assert.Contains(modelId, await page.Locator("#covering-approvals").InnerTextAsync());
        await Shot(page, "09-search-by-digest");
    }

    private static Task Choose(IPage page, string label, string option) => BrowserApp.Choose(page, label, option);

    /// <summary>Waits for this step's own answer (its text), not a message left from the previous step.</summary>
    private static async Task Recorded(IPage page, string expected)
    {
        var outcome = page.Locator($"#outcome-recorded:has-text(\"{expected}\"), #outcome-refused");
        try
        {
            await outcome.First.WaitForAsync();
        }
        catch (TimeoutException)
        {
            await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "failure-outcome.png"), FullPage = true });
            throw;
        }
        Assert.True(await page.Locator("#outcome-refused").CountAsync() == 0, await outcome.First.InnerTextAsync());
    }

    [Fact]
    public async Task Each_role_signs_in_as_its_development_user_and_completes_its_workflow()
    {
        var modelId = Scenario.NewId("wf");
        var files = Directory.CreateTempSubdirectory("ui-files-").FullName;
        File.WriteAllText(Path.Combine(files, "applications.csv"), "amount,age,default\n1000,30,0\n5000,45,1\n");
        File.WriteAllText(Path.Combine(files, "model.zip"), $"model bytes for {modelId}");
        var artifactDigest = Digest.OfBytes(File.ReadAllBytes(Path.Combine(files, "model.zip")));

        // The model owner registers the model, its dataset (hashed in the browser session), the version (artifact hashed) and submits it.
        var (ownerName, ownerPassword) = app.Person("olivia");
        var owner = await SignedIn("/owner", ownerName, ownerPassword);
        await owner.GetByLabel("Model id (lower-case, hyphens)").FillAsync(modelId);
        await owner.GetByLabel("Name", new() { Exact = true }).FillAsync($"Workflow model {modelId}");
        await owner.GetByLabel("Business purpose").FillAsync("Scores small-business loan applications.");
        await Choose(owner, "Risk tier", "Low");
        await owner.Locator("#register-model").ClickAsync();
        await Recorded(owner, "is in the inventory");

        await owner.GetByRole(AriaRole.Tab, new() { Name = "Dataset" }).ClickAsync();
        await owner.GetByLabel("Dataset name").FillAsync($"{modelId}-data");
        await owner.GetByLabel("Dataset version").FillAsync("1");
        await owner.Locator("input[type=file]").SetInputFilesAsync(Path.Combine(files, "applications.csv"));
        await owner.GetByText("applications.csv ·").WaitForAsync();
        await owner.GetByLabel("Rows").FillAsync("2");
        await owner.GetByLabel("Columns (name:type, comma-separated)").FillAsync("amount:float, age:float, default:bool");
        await owner.Locator("#register-dataset").ClickAsync();
        await Recorded(owner, "registered; manifest");

        await owner.GetByRole(AriaRole.Tab, new() { Name = "Version" }).ClickAsync();
        await Assertions.Expect(owner.GetByLabel("Model id of the version")).ToHaveValueAsync(modelId);
        await owner.GetByLabel("Version (e.g. 1.2.0)").FillAsync("1.0.0");
        await owner.Locator("input[type=file]").SetInputFilesAsync(Path.Combine(files, "model.zip"));
        await Assertions.Expect(owner.GetByLabel("Artifact SHA-256 (sha256:...)")).ToHaveValueAsync(artifactDigest);
        await owner.GetByLabel("Artifact URI (where it is kept)").FillAsync($"s3://models/{modelId}/1.0.0/model.zip");
        await Choose(owner, "Training dataset", $"{modelId}-data 1");
        await Choose(owner, "Validation dataset", $"{modelId}-data 1");
        await owner.GetByLabel("Metrics (name=value, comma-separated)").FillAsync("auc=0.81");
        await owner.GetByLabel("Code commit").FillAsync("9f1c2ab");
        await owner.Locator("#register-version").ClickAsync();
        await Recorded(owner, "registered with artifact");

        await owner.GetByRole(AriaRole.Tab, new() { Name = "Validation and approval" }).ClickAsync();
        await Assertions.Expect(owner.GetByLabel("Model id to submit")).ToHaveValueAsync(modelId);
        await Assertions.Expect(owner.GetByLabel("Version to submit")).ToHaveValueAsync("1.0.0");
        await owner.GetByLabel("Evidence for the validator").FillAsync("Holdout metrics and data lineage.");
        await owner.Locator("#submit-validation").ClickAsync();
        await Recorded(owner, "Submitted for independent validation");
        await Shot(owner, "10-owner-submitted");

        // The independent validator records the outcome.
        var (validatorName, validatorPassword) = app.Person("victor");
        var validator = await SignedIn("/validation", validatorName, validatorPassword);
        await validator.GetByText($"{modelId} 1.0.0").ClickAsync();
        await Choose(validator, "Outcome", "Passed");
        await validator.GetByLabel("Opinion").FillAsync("Conceptually sound; metrics meet the agreed thresholds.");
        await Shot(validator, "11-validation");
        await validator.Locator("#record-validation").ClickAsync();
        await Recorded(validator, "validation outcome is recorded");

        // The owner asks for approval; a risk officer approves; the pipeline's check then allows the artifact.
        await owner.GetByLabel("Intended use").FillAsync("Small-business credit decisions.");
        await owner.Locator("#request-approval").ClickAsync();
        await Recorded(owner, "requested; it is in");

        var (officerName, officerPassword) = app.Person("ravi");
        var officer = await SignedIn("/approvals", officerName, officerPassword);
        await officer.GetByRole(AriaRole.Link, new() { Name = $"Review Workflow model {modelId} 1.0.0 for production" }).ClickAsync();
        await Ready(officer);
        await officer.GetByLabel("Rationale").FillAsync("Low risk; validation passed.");
        await officer.Locator("#approve").ClickAsync();
        await officer.Locator("#confirm").ClickAsync();
        await officer.Locator("#decision-recorded").WaitForAsync();
        Assert.True((await new Scenario(app).Check(modelId, artifactDigest)).GetProperty("allowed").GetBoolean());

        // The auditor reads the model's timeline and downloads its SR 11-7 pack.
        var (auditorName, auditorPassword) = app.Person("ada");
        var auditor = await SignedIn($"/models/{modelId}", auditorName, auditorPassword);
        Assert.Contains("validation_completed", await auditor.Locator("#timeline").InnerTextAsync());
        var download = await auditor.RunAndWaitForDownloadAsync(() =>
            auditor.GetByRole(AriaRole.Link, new() { Name = "SR 11-7" }).ClickAsync()
        );
        Assert.EndsWith("sr-11-7.pdf", download.SuggestedFilename);
        Directory.Delete(files, recursive: true);
    }

    [Fact]
    public async Task A_person_signs_out_with_the_UI_form_and_the_API_reference_runs_under_the_content_security_policy()
    {
        var (user, password) = app.Person("ada");
        var page = await SignedIn("/inventory", user, password);
        var headers = await (await page.GotoAsync(app.Address + "/"))!.AllHeadersAsync();
        Assert.Contains("script-src 'self'", headers["content-security-policy"]);
        await Ready(page);

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();

        // The sign-out form carried its antiforgery token: both sessions ended, so the UI sends the browser to sign in again.
        await page.GetByLabel("User name").WaitForAsync();
        Assert.Contains("/account/sign-in", page.Url);
        await page.GotoAsync(app.Address + "/docs");
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        Assert.Contains("nonce-", (await (await page.ReloadAsync())!.AllHeadersAsync())["content-security-policy"]);
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        Assert.True(await page.Locator("#app *").CountAsync() > 0, "the API reference rendered nothing");
    }
}
