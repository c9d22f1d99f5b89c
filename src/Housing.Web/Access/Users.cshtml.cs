using Housing.Access;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Housing.Web.Access;

public sealed class UserForm
{
    public string? Username { get; set; }
    public string? DisplayName { get; set; }
    public string? Password { get; set; }
    public string? Role { get; set; } = nameof(Housing.Access.Role.ProvincialStaff);
    public string? Provinces { get; set; }
    public string? Subdistricts { get; set; }
}

public sealed class UsersModel(UserService users) : FormPage
{
    public IReadOnlyList<UserView> Users { get; private set; } = [];
    [BindProperty] public UserForm Input { get; set; } = new();
    public string? Created { get; private set; }

    public static string RoleName(string role) => role switch
    {
        nameof(Role.Admin) => Lang.T("ผู้ดูแลระบบ", "Administrator"),
        nameof(Role.ProvincialStaff) => Lang.T("เจ้าหน้าที่จังหวัด", "Provincial staff"),
        nameof(Role.Treasurer) => Lang.T("เหรัญญิก", "Treasurer"),
        _ => Lang.T("ผู้ติดตามผล", "Viewer"),
    };

    public async Task OnGetAsync(string? created, CancellationToken ct)
    {
        Created = created;
        Users = await users.ListAsync(User.ToCaller(), ct);
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var caller = User.ToCaller();
        var ok = await TryAsync(() => users.CreateAsync(caller, new CreateUser(Input.Username, Input.Password, Input.Role,
            Split(Input.Provinces), Split(Input.Subdistricts), Input.DisplayName), ct));
        if (ok) return RedirectToPage(new { created = Input.Username });
        Users = await users.ListAsync(caller, ct);
        return Page();
    }

    static string[] Split(string? s) => s?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
}
