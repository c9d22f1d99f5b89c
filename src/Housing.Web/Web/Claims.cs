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

    /// <summary>On every request, a cookie is checked against the user row: a disabled user or a changed role, area
    /// or password (a new security stamp) is signed out at once, on every instance.</summary>
    public static async Task ValidateCookieAsync(CookieValidatePrincipalContext ctx)
    {
        if (await IsCurrentAsync(ctx.HttpContext, ctx.Principal)) return;
        ctx.RejectPrincipal();
        await ctx.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
    }

    /// <summary>Bearer tokens: the handler has no hook after it reads the ticket, so this reads it (as the handler
    /// would), and answers for it: a token whose user is no longer current fails, so the request is a 401.</summary>
    public static async Task ValidateBearerAsync(Microsoft.AspNetCore.Authentication.BearerToken.MessageReceivedContext ctx)
    {
        var header = ctx.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return;
        var ticket = ctx.Options.BearerTokenProtector.Unprotect(header["Bearer ".Length..].Trim());
        if (ticket?.Properties.ExpiresUtc is not { } expires || ctx.HttpContext.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow() >= expires)
        {
            ctx.Fail("The token is not valid or has expired.");
            return;
        }
        if (!await IsCurrentAsync(ctx.HttpContext, ticket.Principal))
        {
            ctx.Fail("The user's sessions have ended (deactivated, or role, area or password changed).");
            return;
        }
        ctx.Principal = ticket.Principal;
        ctx.Properties = ticket.Properties;
        ctx.Success();
    }

    static async Task<bool> IsCurrentAsync(HttpContext http, ClaimsPrincipal? principal)
        => principal is not null && long.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), out var id)
            && Guid.TryParse(principal.FindFirstValue(Stamp), out var stamp)
            && await http.RequestServices.GetRequiredService<UserService>().IsCurrentAsync(id, stamp, http.RequestAborted);
}
