using Housing.Budgets;
using Housing.Geography;
using Microsoft.AspNetCore.Mvc;

namespace Housing.Web.Budgets;

public sealed class BudgetForm
{
    public string? Program { get; set; } = Programs.BaanPorPiang;
    public int? FiscalYear { get; set; } = Thai.FiscalYear(Thai.Today());
    public string? ProvinceCode { get; set; }
    public int? TargetHouseholds { get; set; }
    public decimal? Amount { get; set; }
}

/// <summary>Budgets of the caller's area, filtered by year and program, and the form for a new one.</summary>
public sealed class BudgetsModel(BudgetService budgets, GeographyService geography) : FormPage
{
    public IReadOnlyList<BudgetView> Budgets { get; private set; } = [];
    public IReadOnlyList<Province> Provinces { get; private set; } = [];
    [BindProperty(SupportsGet = true)] public int? Year { get; set; }
    [BindProperty(SupportsGet = true)] public string? Program { get; set; }
    [BindProperty] public BudgetForm Input { get; set; } = new();
    public bool CanCreate { get; private set; }

    public Task OnGetAsync(CancellationToken ct) => LoadAsync(ct);

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        BudgetView? made = null;
        if (await TryAsync(async () => made = await budgets.CreateAsync(User.ToCaller(), new CreateBudget(Input.Program, Input.FiscalYear,
                Input.ProvinceCode, Input.TargetHouseholds, Input.Amount), ct)))
            return Redirect($"/Budgets/{made!.Id}");
        await LoadAsync(ct);
        return Page();
    }

    async Task LoadAsync(CancellationToken ct)
    {
        var caller = User.ToCaller();
        Budgets = await budgets.ListAsync(caller, Year, string.IsNullOrEmpty(Program) ? null : Program, ct: ct);
        Provinces = (await geography.ProvincesAsync(ct)).Where(p => caller.CanManage(p.Code)).ToList();
        CanCreate = Provinces.Count > 0;
        Input.ProvinceCode ??= Provinces.Count == 1 ? Provinces[0].Code : null;
    }
}
