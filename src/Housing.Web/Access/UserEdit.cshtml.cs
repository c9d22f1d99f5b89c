using Housing.Access;
using Housing.Geography;
using Microsoft.AspNetCore.Mvc;

namespace Housing.Web.Access;

public sealed class UserEditForm
{
    public string? DisplayName { get; set; }
    public bool IsActive { get; set; }
    public AreaInput Area { get; set; } = new();
    public string? NewPassword { get; set; }
}

/// <summary>One user: role, area, active or not, and a new password. A change of role, area or activity, or a new
/// password, signs the user out everywhere at once.</summary>
public sealed class UserEditModel(UserService users, GeographyService geo) : FormPage
{
    public UserView? Subject { get; private set; }
    public AreaLists Lists { get; private set; } = new();
    [BindProperty] public UserEditForm Input { get; set; } = new();
    public string? Saved { get; private set; }

    public async Task<IActionResult> OnGetAsync(long id, string? saved, CancellationToken ct)
    {
        if (await FindAsync(id, ct) is not { } u) return NotFound();
        Saved = saved;
        Input = new UserEditForm
        {
            DisplayName = u.DisplayName, IsActive = u.IsActive,
            Area = new AreaInput { Role = u.Role, Provinces = [.. u.ProvinceCodes], Subdistricts = [.. u.SubdistrictCodes] },
        };
        Lists = await AreaLists.LoadAsync(geo, Input.Area, ct);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(long id, CancellationToken ct)
    {
        var a = Input.Area;
        var ok = await TryAsync(() => users.UpdateAsync(User.ToCaller(), id,
            new UpdateUser(a.Role, [.. a.Provinces], [.. a.Subdistricts], Input.DisplayName ?? "", Input.IsActive), ct));
        return ok ? RedirectToPage(new { id, saved = "user" }) : await AgainAsync(id, ct);
    }

    public async Task<IActionResult> OnPostPasswordAsync(long id, CancellationToken ct)
    {
        var ok = await TryAsync(() => users.SetPasswordAsync(User.ToCaller(), id, new SetPassword(Input.NewPassword), ct));
        return ok ? RedirectToPage(new { id, saved = "password" }) : await AgainAsync(id, ct);
    }

    public async Task<IActionResult> OnPostPickAsync(long id, CancellationToken ct) => await AgainAsync(id, ct);

    async Task<IActionResult> AgainAsync(long id, CancellationToken ct)
    {
        if (await FindAsync(id, ct) is null) return NotFound();
        Lists = await AreaLists.LoadAsync(geo, Input.Area, ct);
        return Page();
    }

    async Task<UserView?> FindAsync(long id, CancellationToken ct)
        => Subject = (await users.ListAsync(User.ToCaller(), ct)).FirstOrDefault(u => u.Id == id);
}
