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

    public string? Error { get; private set; }

    /// <summary>Links from other pages (a subdistrict, a name) may still search by GET; a full citizen ID may not, as it
    /// would sit in the URL, the history and the access logs: the form sends it by POST.</summary>
    public async Task OnGetAsync(CancellationToken ct)
    {
        if (HouseholdService.IsFullCitizenId(Q))
        {
            Error = Lang.T("ค้นหาด้วยเลขประจำตัวประชาชนเต็มได้จากช่องค้นหาเท่านั้น", "Search by a full citizen ID with the search box only.");
            Q = null;
            CanRegister = User.ToCaller().CanManageSomewhere;
            return;
        }
        await SearchAsync(ct);
    }

    public Task OnPostAsync(CancellationToken ct) => SearchAsync(ct);

    async Task SearchAsync(CancellationToken ct)
    {
        var caller = User.ToCaller();
        CanRegister = caller.CanManageSomewhere;
        Result = await households.SearchAsync(caller, SubdistrictCode, Q, VillageNo, PageNumber, PageSize, ct);
    }
}
