using System.Net;
using System.Text.RegularExpressions;

namespace Governance.Api.Tests.Infrastructure;

/// <summary>The server-rendered forms as a browser fills them in: the antiforgery token of a page, and the sign-in form.</summary>
public static partial class Forms
{
    /// <summary>The antiforgery token of the form in <paramref name="html"/> (empty when there is none).</summary>
    public static string AntiforgeryToken(string html) => WebUtility.HtmlDecode(AntiforgeryField().Match(html).Groups[1].Value);

    /// <summary>The return address the sign-in form in <paramref name="html"/> carries (empty when there is none).</summary>
    public static string ReturnUrl(string html) => WebUtility.HtmlDecode(ReturnUrlField().Match(html).Groups[1].Value);

    /// <summary>Fills in and posts the sign-in form at <paramref name="signInUrl"/> the way a browser does, antiforgery token
    /// included.</summary>
    public static async Task<HttpResponseMessage> SignIn(HttpClient browser, string signInUrl, string userName, string password)
    {
        var page = await (await browser.GetAsync(signInUrl)).Content.ReadAsStringAsync();
        var returnUrl = ReturnUrl(page);
        return await browser.PostAsync(
            "/account/sign-in",
            new FormUrlEncodedContent(
                new Dictionary<string, string>
                {
                    ["userName"] = userName,
                    ["password"] = password,
                    ["returnUrl"] = returnUrl,
                    ["__RequestVerificationToken"] = AntiforgeryToken(page),
                }
            )
        );
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    [GeneratedRegex("name=\"returnUrl\" value=\"([^\"]*)\"")]
    private static partial Regex ReturnUrlField();
}
