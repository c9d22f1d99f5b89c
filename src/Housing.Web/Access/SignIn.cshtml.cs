using Housing.Access;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Housing.Web.Access;

[AllowAnonymous]
[Microsoft.AspNetCore.RateLimiting.EnableRateLimiting(WebSetup.SignInLimit)]
public sealed class SignInModel(UserService users) : PageModel
{
    public string? Error { get; private set; }
    public string? Username { get; private set; }
    public string ReturnUrl { get; private set; } = "/";

    public void OnGet(string? returnUrl) => ReturnUrl = Url.IsLocalUrl(returnUrl) ? returnUrl : "/";

    public async Task<IActionResult> OnPostAsync(string? username, string? password, string? returnUrl, CancellationToken ct)
    {
        Username = username;
        ReturnUrl = Url.IsLocalUrl(returnUrl) ? returnUrl : "/";
        try
        {
            var signedIn = await users.SignInAsync(username, password, HttpContext.Connection.RemoteIpAddress?.ToString(), ct);
            await HttpContext.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme,
                Claims.Principal(signedIn, CookieAuthenticationDefaults.AuthenticationScheme), new AuthenticationProperties { IsPersistent = false });
            return LocalRedirect(ReturnUrl);
        }
        catch (SignInRefused e)
        {
            Error = e.Text.Current;
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Page();
        }
    }
}
