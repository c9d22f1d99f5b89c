using Housing.Access;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Housing.Web.Access;

public sealed record TokenRequest(string? Username, string? Password);
public sealed record TokenResponse(string AccessToken, DateTimeOffset ExpiresAt);

public static class AccessEndpoints
{
    public static void MapAccessEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Access");
        api.MapPost("/auth/token", TokenAsync).AllowAnonymous().RequireRateLimiting(WebSetup.SignInLimit);
        api.MapPost("/users", CreateUserAsync);
        api.MapGet("/audit", async ([AsParameters] AuditQuery q, HttpContext http, AuditService audit, CancellationToken ct)
            => TypedResults.Ok(await audit.SearchAsync(http.User.ToCaller(), q, ct)));
        api.MapGet("/users", async (HttpContext http, UserService users, CancellationToken ct) => TypedResults.Ok(await users.ListAsync(http.User.ToCaller(), ct)));
        api.MapPatch("/users/{id:long}", async (long id, UpdateUser body, HttpContext http, UserService users, CancellationToken ct)
            => TypedResults.Ok(await users.UpdateAsync(http.User.ToCaller(), id, body, ct)));
        api.MapPost("/users/{id:long}/password", async (long id, SetPassword body, HttpContext http, UserService users, CancellationToken ct) =>
        {
            await users.SetPasswordAsync(http.User.ToCaller(), id, body, ct);
            return TypedResults.NoContent();
        });
        // Rate-limited like sign-in: a stolen session must not become a fast way to guess the current password.
        api.MapPost("/auth/password", async (ChangePassword body, HttpContext http, UserService users, CancellationToken ct) =>
        {
            await users.ChangeOwnPasswordAsync(http.User.ToCaller(), body, ct);
            return TypedResults.NoContent();
        }).RequireRateLimiting(WebSetup.SignInLimit);
    }

    /// <summary>A bearer token for the API: sign-in checks (and lockout) are the same as the page's.</summary>
    static async Task<Ok<TokenResponse>> TokenAsync(TokenRequest body, HttpContext http, UserService users, IOptionsMonitor<BearerTokenOptions> options,
        TimeProvider clock, CancellationToken ct)
    {
        var signedIn = await users.SignInAsync(body.Username, body.Password, http.Connection.RemoteIpAddress?.ToString(), ct);
        var o = options.Get(BearerTokenDefaults.AuthenticationScheme);
        var expires = clock.GetUtcNow() + o.BearerTokenExpiration;
        var ticket = new AuthenticationTicket(Claims.Principal(signedIn, BearerTokenDefaults.AuthenticationScheme),
            new AuthenticationProperties { IssuedUtc = clock.GetUtcNow(), ExpiresUtc = expires }, BearerTokenDefaults.AuthenticationScheme);
        return TypedResults.Ok(new TokenResponse(o.BearerTokenProtector.Protect(ticket), expires));
    }

    static async Task<Created<UserView>> CreateUserAsync(CreateUser body, HttpContext http, UserService users, CancellationToken ct)
    {
        var user = await users.CreateAsync(http.User.ToCaller(), body, ct);
        return TypedResults.Created($"/api/v1/users/{user.Id}", user);
    }
}
