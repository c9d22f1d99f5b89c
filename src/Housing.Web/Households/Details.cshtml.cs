using Housing.Households;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Housing.Web.Households;

/// <summary>One household. The service decides whether the full citizen ID shows (an administrator or the area's staff).</summary>
public sealed class DetailsModel(HouseholdService households) : PageModel
{
    public HouseholdView Household { get; private set; } = null!;
    public bool Registered { get; private set; }

    public async Task OnGetAsync(long id, bool registered, CancellationToken ct)
    {
        Registered = registered;
        Household = await households.GetAsync(User.ToCaller(), id, ct);
    }
}
