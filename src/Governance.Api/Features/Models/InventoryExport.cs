using System.Text;
using Governance.Api.Identity;
using Governance.Domain.Shared;
using Governance.Ledger.People;
using Governance.Ui.Desks;

namespace Governance.Api.Features.Models;

/// <summary>The inventory page's CSV export (<c>/inventory.csv</c> with the page's own query), for a person signed in with the
/// cookie: the same rows the page shows (<see cref="InventoryQuery"/>), one line per version.</summary>
public static class InventoryExport
{
    public static IEndpointRouteBuilder MapInventoryExport(this IEndpointRouteBuilder app)
    {
        app.MapGet("/inventory.csv", ExportAsync)
            .RequireAuthorization(p =>
                p.AddAuthenticationSchemes(IdentitySetup.UiCookie)
                    .RequireRole(Roles.Auditor, Roles.RiskOfficer, Roles.Validator, Roles.ModelOwner, Roles.Admin)
            )
            .ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> ExportAsync(HttpContext http, IAuditDesk desk, IPeopleDirectory people, TimeProvider clock)
    {
        var query = InventoryQuery.Parse(name => http.Request.Query[name].FirstOrDefault());
        var rows = query.Select(await desk.InventoryAsync(query.Filter, http.RequestAborted));
        var csv = InventoryCsv.Write(rows, await people.NamesAsync(http.RequestAborted));
        return Results.File(
            Encoding.UTF8.GetBytes(csv),
            "text/csv; charset=utf-8",
            $"inventory-{clock.GetUtcNow().UtcDateTime:yyyy-MM-dd}.csv"
        );
    }
}
