using System.Net;

namespace Governance.Api.Identity;

/// <summary>The few server-rendered pages of sign-in: plain HTML with labels, focus order and high-contrast styling.</summary>
public static class Pages
{
    // The stylesheet's rules too long for one source line; Render puts each on its own line of the <style> element.
    private const string MainRule =
        "main { max-width: 26rem; margin: 8vh auto; background: #fff; padding: 2rem 2.25rem; border-radius: 6px; "
        + "box-shadow: 0 1px 4px rgba(0,0,0,.15); }";

    private const string InputRule =
        "input[type=text], input[type=password] { width: 100%; box-sizing: border-box; padding: .6rem; "
        + "border: 1px solid #6b7580; border-radius: 4px; font-size: 1rem; }";

    private const string ButtonRule =
        "button { margin-top: 1.5rem; width: 100%; padding: .7rem; background: #0b4f8a; color: #fff; border: 0; border-radius: 4px; "
        + "font-size: 1rem; cursor: pointer; }";

    public static IResult Render(string title, string body, int status = StatusCodes.Status200OK) =>
        Results.Content(
            $$"""
            <!doctype html>
            <html lang="en">
            <head>
              <meta charset="utf-8">
              <meta name="viewport" content="width=device-width, initial-scale=1">
              <title>{{Encode(title)}} · Governance</title>
              <style>
                body { font-family: "DejaVu Sans", system-ui, sans-serif; background: #f4f6f8; color: #1b1f24; margin: 0; }
                {{MainRule}}
                h1 { font-size: 1.35rem; margin: 0 0 .25rem; } p.lead { color: #44505c; margin-top: 0; }
                label { display: block; font-weight: 600; margin: 1rem 0 .35rem; }
                {{InputRule}}
                input:focus, button:focus { outline: 3px solid #0b5cad; outline-offset: 1px; }
                {{ButtonRule}}
                .error { background: #fde8e8; color: #8a1111; border: 1px solid #d99; padding: .6rem .8rem; border-radius: 4px; }
                .ok { background: #e6f4ea; color: #0f5223; border: 1px solid #9c9; padding: .6rem .8rem; border-radius: 4px; }
              </style>
            </head>
            <body><main>{{body}}</main></body>
            </html>
            """,
            "text/html; charset=utf-8",
            statusCode: status
        );

    public static string Encode(string? text) => WebUtility.HtmlEncode(text ?? "");

    public static string Error(string? message) => message is null ? "" : $"""<p class="error" role="alert">{Encode(message)}</p>""";
}
