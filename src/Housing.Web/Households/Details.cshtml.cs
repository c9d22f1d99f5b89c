using Housing.Allocations;
using Housing.Households;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Housing.Web.Households;

/// <summary>One household and the help it has had. The service decides whether the full citizen ID shows (an administrator or the area's staff).</summary>
public sealed class DetailsModel(HouseholdService households, AllocationService allocations, Housing.Ledgers.LedgerService ledgers) : PageModel
{
    public HouseholdView Household { get; private set; } = null!;
    public IReadOnlyList<AllocationView> Allocations { get; private set; } = [];
    public bool Registered { get; private set; }
    /// <summary>Each allocation's latest standing stage (null: not started), as the project's homes show it.</summary>
    public Dictionary<long, string?> Stages { get; } = [];

    public async Task OnGetAsync(long id, bool registered, CancellationToken ct)
    {
        Registered = registered;
        Household = await households.GetAsync(User.ToCaller(), id, ct);
        Allocations = await allocations.ForHouseholdAsync(User.ToCaller(), id, ct);
        foreach (var a in Allocations) Stages[a.Id] = (await ledgers.HomeAsync(User.ToCaller(), a.Id, ct)).Home.LastStage; // a household has one or two
    }
}
