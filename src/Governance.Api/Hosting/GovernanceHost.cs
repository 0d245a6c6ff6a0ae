using System.Text.Json.Serialization;
using Governance.Api.Features.Approvals;
using Governance.Api.Features.Attestations;
using Governance.Api.Features.AuditTrail;
using Governance.Api.Features.Datasets;
using Governance.Api.Features.Deployments;
using Governance.Api.Features.EvidencePacks;
using Governance.Api.Features.Models;
using Governance.Api.Features.ModelVersions;
using Governance.Api.Features.Validation;
using Governance.Api.Identity;
using Governance.Api.Ledger;
using MudBlazor.Services;
using Scalar.AspNetCore;

namespace Governance.Api.Hosting;

public static class GovernanceHost
{
    public static WebApplicationBuilder AddGovernance(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.AddLedgerStore(builder.Configuration);

        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        });
        // Malformed bodies throw, so Problems can name the offending JSON path instead of an empty 400.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddProblemDetails();
        services.AddExceptionHandler<Problems>();
        services.AddOpenApi();
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddCascadingAuthenticationState();
        services.AddMudServices();
        services.AddScoped<Governance.Ui.IGovernanceDesk, Features.Desk.LedgerDesk>();

        builder.AddGovernanceIdentity();
        services.AddSingleton<Features.Attestations.AttestationKeyRing>();
        services.AddHostedService<FirstPartyClients>();
        if (builder.Environment.IsDevelopment())
        {
            services.AddSingleton(DevelopmentIdentities.LoadOrCreate(DataFolder(builder.Configuration, builder.Environment)));
            services.AddHostedService<DevelopmentIdentities>();
        }
        // After the identity schema and the development people exist, so the demo is seeded as them.
        services.AddHostedService<Demo.DemoInventory>();
        return builder;
    }

    /// <summary>Git-ignored folder for development keys and demo artifacts (Governance:DataFolder, default .data under the repo root).</summary>
    public static string DataFolder(IConfiguration configuration, IHostEnvironment environment) =>
        Path.GetFullPath(configuration["Governance:DataFolder"] ?? Path.Combine(environment.ContentRootPath, "..", "..", ".data"));

    public static WebApplication UseGovernance(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseIdempotencyBuffering();
        app.UseRouting();
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();

        app.MapSignIn();
        app.MapConnect();
        app.MapStaticAssets().AllowAnonymous();
        app.MapEvidencePackDownloads();
        app.MapAttestationDownloads();
        // Pages authorize themselves with the sign-in cookie ([Authorize] on each page); the API keeps its own policies.
        app.MapRazorComponents<Governance.Ui.Components.App>().AddInteractiveServerRenderMode().AllowAnonymous();

        app.MapOpenApi().AllowAnonymous();
        app.MapScalarApiReference("/docs").AllowAnonymous();
        app.MapGet("/health", () => Results.Text("Healthy")).AllowAnonymous().ExcludeFromDescription();

        StartupBanner.PrintWhenStarted(app);
        app.MapGroup("/api/v1")
            .MapModels()
            .MapDatasets()
            .MapModelVersions()
            .MapValidation()
            .MapApprovals()
            .MapDeployments()
            .MapAuditTrail()
            .MapAdministration()
            .MapAttestations()
            .MapEvidencePacks();
        return app;
    }
}
