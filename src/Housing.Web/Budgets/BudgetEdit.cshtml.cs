using Housing.Budgets;
using Microsoft.AspNetCore.Mvc;

namespace Housing.Web.Budgets;

public sealed class BudgetEditForm
{
    public int? TargetHouseholds { get; set; }
    public decimal? Amount { get; set; }
    public string? Reason { get; set; }
}

/// <summary>Changes a budget's target or amount with a written reason; never below what its projects hold.</summary>
public sealed class BudgetEditModel(BudgetService budgets) : FormPage
{
    public BudgetView Budget { get; private set; } = null!;
    [BindProperty] public BudgetEditForm Input { get; set; } = new();

    public async Task OnGetAsync(long id, CancellationToken ct)
    {
        Budget = (await budgets.GetAsync(User.ToCaller(), id, ct)).Budget;
        Input = new BudgetEditForm { TargetHouseholds = Budget.TargetHouseholds, Amount = Budget.Amount };
    }

    public async Task<IActionResult> OnPostAsync(long id, CancellationToken ct)
    {
        if (await TryAsync(() => budgets.ChangeAsync(User.ToCaller(), id, new ChangeBudget(Input.TargetHouseholds, Input.Amount, Input.Reason), ct)))
            return Redirect($"/Budgets/{id}");
        Budget = (await budgets.GetAsync(User.ToCaller(), id, ct)).Budget;
        return Page();
    }
}
