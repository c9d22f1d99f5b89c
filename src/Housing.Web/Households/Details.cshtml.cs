using Housing.Allocations;
using Housing.Households;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Housing.Web.Households;

/// <summary>One household and the help it has had. The service decides whether the full citizen ID shows (an administrator or the area's staff).</summary>
public sealed class DetailsModel(HouseholdService households, AllocationService allocations) : PageModel
{
    public HouseholdView Household { get; private set; } = null!;
    public IReadOnlyList<AllocationView> Allocations { get; private set; } = [];
    public bool Registered { get; private set; }

    public async Task OnGetAsync(long id, bool registered, CancellationToken ct)
    {
        Registered = registered;
        Household = await households.GetAsync(User.ToCaller(), id, ct);
        Allocations = await allocations.ForHouseholdAsync(User.ToCaller(), id, ct);
    }
}
