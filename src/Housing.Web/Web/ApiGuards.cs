using System.Net;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.HttpOverrides;

namespace Housing.Web;

/// <summary>What keeps the API's writes from being made on a signed-in person's behalf, and whose forwarded
/// headers are believed.</summary>
public static class ApiGuards
{
    /// <summary>Where a page's script puts the antiforgery token (from the page's hidden field) for a write to the API.</summary>
    public const string AntiforgeryHeader = "RequestVerificationToken";

    /// <summary>The browser sends the sign-in cookie along with any request, even one another site makes it send; a bearer
    /// token it never sends by itself. So a write to the API signed in by the cookie alone must carry the antiforgery
    /// token in the header <see cref="AntiforgeryHeader"/>, as the pages' own forms carry it in a field. Uploads included.</summary>
    public static IApplicationBuilder UseCookieApiAntiforgery(this IApplicationBuilder app) => app.Use(async (ctx, next) =>
    {
        var m = ctx.Request.Method;
        if (WebSetup.IsApi(ctx.Request) && !(HttpMethods.IsGet(m) || HttpMethods.IsHead(m) || HttpMethods.IsOptions(m) || HttpMethods.IsTrace(m))
            && ctx.User.Identity?.IsAuthenticated == true && !IsBearer(ctx.Request)
            // The header only, never the form field: no page form posts to the API, and an upload is refused unread.
            && (!ctx.Request.Headers.ContainsKey(AntiforgeryHeader) || !await ctx.RequestServices.GetRequiredService<IAntiforgery>().IsRequestValidAsync(ctx)))
        {
            ctx.Response.StatusCode = StatusCodes.Status400BadRequest;
            await ctx.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = ctx,
                ProblemDetails =
                {
                    Status = 400,
                    Detail = Lang.T($"คำขอที่เข้าสู่ระบบด้วยคุกกี้ต้องมีโทเค็นป้องกันการปลอมคำขอในส่วนหัว {AntiforgeryHeader} หรือใช้ Bearer token",
                        $"A write signed in by the cookie needs the antiforgery token in the {AntiforgeryHeader} header; API clients send a bearer token instead."),
                },
            });
            return;
        }
        await next(ctx);
    });

    public static bool IsBearer(HttpRequest r) => r.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase);

    /// <summary>X-Forwarded-For/-Proto are believed from the proxies of <c>Housing:KnownProxies</c> only (addresses or
    /// CIDRs, comma-separated; loopback when unset, as ASP.NET Core's default): a client that reaches the app directly
    /// cannot pick the address the rate limiter and the lockout count it under.</summary>
    public static ForwardedHeadersOptions ForwardedHeaders(IConfiguration config)
    {
        var o = new ForwardedHeadersOptions { ForwardedHeaders = Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedFor | Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedProto };
        var configured = (config["Housing:KnownProxies"] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (configured.Length == 0) return o; // the defaults: 127.0.0.0/8 and ::1
        o.KnownIPNetworks.Clear();
        o.KnownProxies.Clear();
        foreach (var entry in configured)
        {
            if (entry.Contains('/') && System.Net.IPNetwork.TryParse(entry, out var network)) o.KnownIPNetworks.Add(network);
            else if (IPAddress.TryParse(entry, out var address)) o.KnownProxies.Add(address);
            else throw new InvalidOperationException($"Housing:KnownProxies: '{entry}' is neither an address nor a CIDR network (e.g. 10.0.0.5 or 10.0.0.0/24).");
        }
        return o;
    }
}
