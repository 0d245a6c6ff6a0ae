namespace Governance.Domain.Shared;

/// <summary>
/// The display names of people and machine clients by namespaced subject id (<see cref="Subjects"/>), as the people
/// directory (the identity store) knows them when a page, an answer or an evidence pack is read. The ledger records subject
/// ids only (<see cref="Actor"/>), so renaming or erasing a person (GDPR Art. 17) changes what is shown, never what is sealed.
/// A subject the directory does not know (erased, or never registered there) is shown as its id.
/// </summary>
public sealed class PeopleNames(IReadOnlyDictionary<string, string> names)
{
    /// <summary>No directory: every party is shown by its subject id.</summary>
    public static readonly PeopleNames None = new(new Dictionary<string, string>());

    /// <summary>The display name of <paramref name="subjectId"/>, or the id itself when the directory has none.</summary>
    public string Of(string subjectId) => names.TryGetValue(subjectId, out var name) ? name : subjectId;

    /// <summary>The display name of the actor's subject; null for no actor.</summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(actor))]
    public string? Of(Actor? actor) => actor is null ? null : Of(actor.SubjectId);
}
