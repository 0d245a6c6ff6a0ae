using System.Globalization;
using Governance.Domain.Shared;
using Governance.Ledger.Sequencing;

namespace Governance.Api.Hosting;

/// <summary>
/// The <c>?asOf=</c> (an RFC 3339 timestamp with an offset) and <c>?asOfPosition=</c> (a ledger position) of a point-in-time
/// read, resolved by <see cref="PointInTime"/>; the answer states the point in the <c>Ledger-Position</c> and
/// <c>Ledger-As-Of</c> headers (and, for the slots and history, in its body).
/// </summary>
public static class AsOfQuery
{
    public const string PositionHeader = "Ledger-Position";
    public const string AsOfHeader = "Ledger-As-Of";

    /// <summary>The point the request asks about (now when it names none), stated on the response.</summary>
    /// <param name="currentAge">How old the position of an answer about now may be (<see cref="PointInTime.ResolveAsync"/>).</param>
    /// <exception cref="GovernanceRuleException">Invalid input naming <c>asOf</c> or <c>asOfPosition</c>.</exception>
    public static async Task<LedgerPoint> ResolveAsync(this HttpContext http, PointInTime history, TimeSpan? currentAge = null)
    {
        var query = http.Request.Query;
        var check = new InputCheck();
        DateTimeOffset? asOf = null;
        long? position = null;
        if (query["asOf"].ToString() is { Length: > 0 } text)
        {
            if (
                DateTimeOffset.TryParseExact(
                    text,
                    "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
                    CultureInfo.InvariantCulture,
                    DateTimeStyles.None,
                    out var at
                ) && (text.EndsWith('Z') || text.Contains('+') || text.LastIndexOf('-') > text.IndexOf('T'))
            )
                asOf = at.ToUniversalTime();
            else
                check.Fail("asOf", $"must be an RFC 3339 timestamp with its offset, e.g. 2026-03-14T10:00:00Z, got '{text}'");
        }
        if (query["asOfPosition"].ToString() is { Length: > 0 } p)
        {
            if (long.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                position = n;
            else
                check.Fail("asOfPosition", $"must be a ledger position (a whole number), got '{p}'");
        }
        check.ThrowIfAny();
        var point = await history.ResolveAsync(asOf, position, http.RequestAborted, currentAge);
        http.Response.Headers[PositionHeader] = point.Position.ToString(CultureInfo.InvariantCulture);
        http.Response.Headers[AsOfHeader] = point.At.ToString("O", CultureInfo.InvariantCulture);
        return point;
    }
}
