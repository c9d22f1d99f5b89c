using Housing.Budgets;
using Housing.Geography;
using Microsoft.AspNetCore.Mvc;

namespace Housing.Web.Budgets;

public sealed class ProjectForm
{
    public string? SubdistrictCode { get; set; }
    public string? Name { get; set; }
    public string? CommunityName { get; set; }
    public int? TargetHouseholds { get; set; }
    public decimal? Amount { get; set; }
}

/// <summary>A budget with its projects, and the form to share it out to a subdistrict council or a community.</summary>
public sealed class BudgetModel(BudgetService budgets, GeographyService geography) : FormPage
{
    public BudgetDetail Detail { get; private set; } = null!;
    public List<(Subdistrict Subdistrict, District District)> Subdistricts { get; } = [];
    public bool CanManage { get; private set; }
    [BindProperty] public ProjectForm Input { get; set; } = new();

    public Task OnGetAsync(long id, CancellationToken ct) => LoadAsync(id, ct);

    public async Task<IActionResult> OnPostAsync(long id, CancellationToken ct)
    {
        ProjectView? made = null;
        if (await TryAsync(async () => made = await budgets.CreateProjectAsync(User.ToCaller(), id, new CreateProject(Input.SubdistrictCode, Input.Name,
                Input.TargetHouseholds, Input.Amount, Input.CommunityName), ct)))
            return Redirect($"/Projects/{made!.Id}");
        await LoadAsync(id, ct);
        return Page();
    }

    async Task LoadAsync(long id, CancellationToken ct)
    {
        var caller = User.ToCaller();
        Detail = await budgets.GetAsync(caller, id, ct);
        CanManage = caller.CanManage(Detail.Budget.ProvinceCode);
        if (!CanManage) return;
        Subdistricts.AddRange(await geography.SubdistrictsOfProvincesAsync([Detail.Budget.ProvinceCode], ct));
    }
}
