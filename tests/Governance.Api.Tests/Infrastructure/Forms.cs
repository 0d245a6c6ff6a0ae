using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.IdentityModel.Tokens;

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

    /// <summary>
    /// The web UI's authorization code flow with PKCE (RFC 7636, S256) for a person, as a browser runs it against
    /// <paramref name="browser"/> (redirects not followed, cookies kept): authorize, sign in, back to authorize for the code;
    /// then the code is redeemed at <paramref name="tokens"/>.
    /// </summary>
    /// <param name="redirect">The web UI's registered redirect URI.</param>
    /// <returns>The token endpoint's answer: access, identity and (with offline_access) refresh token.</returns>
    public static async Task<JsonElement> AuthorizationCodeTokens(
        HttpClient browser,
        HttpClient tokens,
        string redirect,
        string userName,
        string password,
        string scope
    )
    {
        var verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        using var toSignIn = await browser.GetAsync(
            $"/connect/authorize?client_id=governance-ui&response_type=code&redirect_uri={Uri.EscapeDataString(redirect)}"
                + $"&scope={Uri.EscapeDataString(scope)}&code_challenge={challenge}&code_challenge_method=S256"
        );
        Assert.True(toSignIn.StatusCode == HttpStatusCode.Redirect, $"authorize answered {toSignIn.StatusCode}");
        using var back = await SignIn(browser, PathOf(toSignIn.Headers.Location!), userName, password);
        Assert.True(back.StatusCode == HttpStatusCode.Redirect, $"sign-in answered {back.StatusCode}");
        using var toClient = await browser.GetAsync(PathOf(back.Headers.Location!));
        var code = Uri.UnescapeDataString(CodeParameter().Match(toClient.Headers.Location!.Query).Groups[1].Value);
        return await tokens
            .PostAsync(
                "/connect/token",
                new FormUrlEncodedContent(
                    new Dictionary<string, string>
                    {
                        ["grant_type"] = "authorization_code",
                        ["client_id"] = "governance-ui",
                        ["code"] = code,
                        ["redirect_uri"] = redirect,
                        ["code_verifier"] = verifier,
                    }
                )
            )
            .Expect(HttpStatusCode.OK);
    }

    private static string PathOf(Uri location) => location.IsAbsoluteUri ? location.PathAndQuery : location.OriginalString;

    [GeneratedRegex("code=([^&]+)")]
    private static partial Regex CodeParameter();

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    [GeneratedRegex("name=\"returnUrl\" value=\"([^\"]*)\"")]
    private static partial Regex ReturnUrlField();
}
