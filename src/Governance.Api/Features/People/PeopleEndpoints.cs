using Governance.Api.Hosting;
using Governance.Domain.Shared;
using Governance.Ledger.People;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Governance.Api.Features.People;

/// <summary>A party named by an answer, as the people directory knows them now.</summary>
/// <param name="Known">False when the directory has no such person or client (erased, or never registered): the name is then
/// the subject id.</param>
public sealed record PersonName(string SubjectId, string DisplayName, bool Known);

/// <summary>
/// The people directory over HTTP. Answers and events name parties by namespaced subject id only (display names are personal
/// data and the ledger is sealed); a client joins names here, as the UI and the evidence packs do.
/// </summary>
public static class PeopleEndpoints
{
    /// <summary>At most this many subjects per request.</summary>
    public const int MaxSubjects = 100;

    public static RouteGroupBuilder MapPeople(this RouteGroupBuilder api)
    {
        api.MapGet("/people", GetPeople)
            .AllowRoles(Roles.Auditor, Roles.RiskOfficer, Roles.Validator, Roles.ModelOwner, Roles.Admin)
            .WithTags("People")
            .WithName(nameof(GetPeople))
            .WithSummary(
                $"Display names of the parties named by subject id (subject=user:…&subject=client:…, at most {MaxSubjects}), as the "
                    + "identity store knows them now."
            );
        return api;
    }

    private static async Task<Ok<IReadOnlyList<PersonName>>> GetPeople(
        [Microsoft.AspNetCore.Mvc.FromQuery(Name = "subject")] string[]? subject,
        IPeopleDirectory directory,
        CancellationToken ct
    )
    {
        var check = new InputCheck();
        if (subject is not { Length: > 0 })
            check.Fail("subject", "name at least one subject id (subject=user:…)");
        else if (subject.Length > MaxSubjects)
            check.Fail("subject", $"at most {MaxSubjects} subject ids per request");
        else if (subject.FirstOrDefault(s => string.IsNullOrWhiteSpace(s) || s.Length > 300 || !Subjects.IsNamespaced(s)) is { } bad)
            check.Fail("subject", $"'{(bad.Length > 40 ? bad[..40] + "…" : bad)}' is not a namespaced subject id (user:…, client:…)");
        check.ThrowIfAny();
        var names = await directory.NamesAsync(ct);
        return TypedResults.Ok<IReadOnlyList<PersonName>>(
            subject!.Distinct().Select(s => new PersonName(s, names.Of(s), names.Of(s) != s)).ToArray()
        );
    }
}
