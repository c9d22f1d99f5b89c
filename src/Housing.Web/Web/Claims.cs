using System.Security.Claims;
using Housing.Access;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Housing.Web;

/// <summary>The caller as claims (in cookies and bearer tokens) and back.</summary>
public static class Claims
{
    const string Province = "housing:province", Subdistrict = "housing:subdistrict", Stamp = "housing:stamp", Display = "housing:display";

    public static ClaimsPrincipal Principal(SignedIn s, string scheme)
    {
        var c = s.Caller;
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, c.UserId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new(ClaimTypes.Name, c.Username),
            new(ClaimTypes.Role, c.Role.ToString()),
            new(Stamp, s.SecurityStamp.ToString()),
        };
        if (!string.IsNullOrWhiteSpace(s.DisplayName)) claims.Add(new(Display, s.DisplayName));
        claims.AddRange(c.ProvinceCodes.Select(p => new Claim(Province, p)));
        claims.AddRange(c.SubdistrictCodes.Select(p => new Claim(Subdistrict, p)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme));
    }

    /// <summary>The signed-in caller. Endpoints and pages pass it to every service call.</summary>
    public static Caller ToCaller(this ClaimsPrincipal user)
    {
        if (user.Identity?.IsAuthenticated != true || !long.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var id)
            || !Enum.TryParse<Role>(user.FindFirstValue(ClaimTypes.Role), out var role))
            throw new InvalidOperationException("No signed-in caller: the endpoint must require authentication.");
        return new Caller(id, user.Identity.Name ?? "", role,
            user.FindAll(Province).Select(c => c.Value).ToArray(), user.FindAll(Subdistrict).Select(c => c.Value).ToArray());
    }

    public static string DisplayName(this ClaimsPrincipal user) => user.FindFirstValue(Display) ?? user.Identity?.Name ?? "";

    /// <summary>Every signed-in request is checked against the user row, whichever way it came: a disabled user, or one whose
    /// role or area changed (a new security stamp), is signed out at once. Without this a bearer token kept the rights it was
    /// issued with until it expired (an hour), and a cookie until its next check (five minutes).</summary>
    public static async Task EndStaleSessionsAsync(HttpContext ctx, RequestDelegate next)
    {
        var user = ctx.User;
        if (user.Identity?.IsAuthenticated == true
            && !(long.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var id) && Guid.TryParse(user.FindFirstValue(Stamp), out var stamp)
                 && await ctx.RequestServices.GetRequiredService<UserService>().IsCurrentAsync(id, stamp, ctx.RequestAborted)))
        {
            if (!ctx.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
                await ctx.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            await ctx.ChallengeAsync(WebSetup.SmartScheme); // the API: 401; a page: the sign-in page
            return;
        }
        await next(ctx);
    }

    /// <summary>Every few minutes a cookie is checked against the user row: a disabled user or a changed
    /// role or area (new security stamp) is signed out.</summary>
    public static async Task ValidateCookieAsync(CookieValidatePrincipalContext ctx)
    {
        var issued = ctx.Properties.IssuedUtc ?? DateTimeOffset.MinValue;
        var checkedAt = ctx.Properties.Items.TryGetValue("checked", out var s) && DateTimeOffset.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, out var t) ? t : issued;
        var now = DateTimeOffset.UtcNow;
        if (now - checkedAt < TimeSpan.FromMinutes(5)) return;
        var principal = ctx.Principal!;
        if (!long.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), out var id) || !Guid.TryParse(principal.FindFirstValue(Stamp), out var stamp)
            || !await ctx.HttpContext.RequestServices.GetRequiredService<UserService>().IsCurrentAsync(id, stamp))
        {
            ctx.RejectPrincipal();
            await ctx.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return;
        }
        ctx.Properties.Items["checked"] = now.ToString("O");
        ctx.ShouldRenew = true;
    }
}
