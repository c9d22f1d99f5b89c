using Housing.Households;
using Microsoft.AspNetCore.Mvc;

namespace Housing.Web.Households;

public sealed class HouseholdEditForm
{
    public string? HeadName { get; set; }
    public string? HouseNo { get; set; }
    public int? VillageNo { get; set; }
    public int? Members { get; set; }
    public decimal? MonthlyIncome { get; set; }
    public string? CitizenId { get; set; }
    public string? Reason { get; set; }
}

/// <summary>Corrects a household with a written reason (kept in the audit log); the citizen ID field is an Admin's only.</summary>
public sealed class EditModel(HouseholdService households) : FormPage
{
    public HouseholdView Household { get; private set; } = null!;
    public bool IsAdmin { get; private set; }
    [BindProperty] public HouseholdEditForm Input { get; set; } = new();

    public async Task OnGetAsync(long id, CancellationToken ct)
    {
        await LoadAsync(id, ct);
        Input = new HouseholdEditForm
        {
            HeadName = Household.HeadName, HouseNo = Household.HouseNo, VillageNo = Household.VillageNo,
            Members = Household.Members, MonthlyIncome = Household.MonthlyIncome,
        };
    }

    public async Task<IActionResult> OnPostAsync(long id, CancellationToken ct)
    {
        var cmd = new ChangeHousehold(Input.HeadName, Input.HouseNo, Input.VillageNo, Input.Members, Input.MonthlyIncome, Input.Reason,
            string.IsNullOrWhiteSpace(Input.CitizenId) ? null : Input.CitizenId);
        if (await TryAsync(() => households.ChangeAsync(User.ToCaller(), id, cmd, ct))) return Redirect($"/Households/{id}");
        await LoadAsync(id, ct);
        return Page();
    }

    async Task LoadAsync(long id, CancellationToken ct)
    {
        var caller = User.ToCaller();
        Household = await households.GetAsync(caller, id, ct);
        IsAdmin = caller.IsAdmin;
    }
}
