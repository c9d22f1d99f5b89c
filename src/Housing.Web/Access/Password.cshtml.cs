using System.Security.Claims;
using Housing.Access;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;

namespace Housing.Web.Access;

/// <summary>Everyone's own password. Changing it ends every session from before, this one included: the page says so
/// and sends the user to sign in again.</summary>
public sealed class PasswordModel(UserService users) : FormPage
{
    public bool Done { get; private set; }

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync(string? currentPassword, string? newPassword, string? confirmPassword, CancellationToken ct)
    {
        if (newPassword != confirmPassword)
        {
            Errors["confirmPassword"] = Lang.T("รหัสผ่านใหม่ทั้งสองช่องไม่ตรงกัน", "The two new passwords differ.");
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        if (!await TryAsync(() => users.ChangeOwnPasswordAsync(User.ToCaller(), new ChangePassword(currentPassword, newPassword), ct))) return Page();
        await HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        HttpContext.User = new ClaimsPrincipal(new ClaimsIdentity()); // the layout shows no menu: this session has ended
        Done = true;
        return Page();
    }
}
