using Housing.Access;
using Housing.Geography;
using Microsoft.AspNetCore.Mvc;

namespace Housing.Web.Access;

public sealed class UserForm
{
    public string? Username { get; set; }
    public string? DisplayName { get; set; }
    public string? Password { get; set; }
    public AreaInput Area { get; set; } = new();
}

/// <summary>Who may use Housing: each user's role, area, whether active and when last signed in; and a new user.</summary>
public sealed class UsersModel(UserService users, GeographyService geo) : FormPage
{
    public IReadOnlyList<UserView> Users { get; private set; } = [];
    public IReadOnlyDictionary<string, string> Names { get; private set; } = new Dictionary<string, string>();
    public AreaLists Lists { get; private set; } = new();
    [BindProperty] public UserForm Input { get; set; } = new();
    public string? Created { get; private set; }

    public async Task OnGetAsync(string? created, CancellationToken ct)
    {
        Created = created;
        await LoadAsync(ct);
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var caller = User.ToCaller();
        var a = Input.Area;
        var ok = await TryAsync(() => users.CreateAsync(caller, new CreateUser(Input.Username, Input.Password, a.Role, [.. a.Provinces], [.. a.Subdistricts], Input.DisplayName), ct));
        if (ok) return RedirectToPage(new { created = Input.Username });
        await LoadAsync(ct);
        return Page();
    }

    /// <summary>A list of the area picker changed: the same form again with the next list filled.</summary>
    public async Task<IActionResult> OnPostPickAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
        return Page();
    }

    async Task LoadAsync(CancellationToken ct)
    {
        Users = await users.ListAsync(User.ToCaller(), ct);
        Lists = await AreaLists.LoadAsync(geo, Input.Area, ct);
        var names = await geo.NamesAsync(Users.SelectMany(u => u.ProvinceCodes).Distinct().ToList(), Users.SelectMany(u => u.SubdistrictCodes).Distinct().ToList(), ct);
        Names = names.ToDictionary(n => n.Code, n => Lang.IsEnglish ? n.NameEn : n.NameTh);
    }
}
