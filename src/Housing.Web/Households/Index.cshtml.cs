using Housing.Households;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Housing.Web.Households;

/// <summary>The household register of the caller's area: search by name, citizen ID, house or village, in pages.</summary>
public sealed class RegisterModel(HouseholdService households) : PageModel
{
    public const int PageSize = 50;
    [BindProperty(SupportsGet = true)] public string? Q { get; set; }
    [BindProperty(SupportsGet = true)] public string? SubdistrictCode { get; set; }
    [BindProperty(SupportsGet = true)] public int? VillageNo { get; set; }
    [BindProperty(SupportsGet = true, Name = "p")] public int PageNumber { get; set; } = 1;
    public Paged<HouseholdView> Result { get; private set; } = new([], 1, PageSize, 0);
    public bool CanRegister { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        var caller = User.ToCaller();
        CanRegister = caller.CanManageSomewhere;
        Result = await households.SearchAsync(caller, SubdistrictCode, Q, VillageNo, PageNumber, PageSize, ct);
    }

    public string PageLink(int page) => $"/Households?q={Uri.EscapeDataString(Q ?? "")}&subdistrictCode={SubdistrictCode}&villageNo={VillageNo}&p={page}";
}
