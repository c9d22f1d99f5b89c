using Housing.Budgets;
using Microsoft.AspNetCore.Mvc;

namespace Housing.Web.Budgets;

public sealed class ProjectEditForm
{
    public string? Name { get; set; }
    public int? TargetHouseholds { get; set; }
    public decimal? Amount { get; set; }
    public string? Reason { get; set; }
}

/// <summary>Changes a project (never below what it allocated or received, never past its budget) or cancels it while no
/// money has moved, each with a written reason.</summary>
public sealed class ProjectEditModel(BudgetService budgets) : FormPage
{
    public ProjectView Project { get; private set; } = null!;
    [BindProperty] public ProjectEditForm Input { get; set; } = new();
    [BindProperty] public string? CancelReason { get; set; }

    public async Task OnGetAsync(long id, CancellationToken ct)
    {
        Project = await budgets.GetProjectAsync(User.ToCaller(), id, ct);
        Input = new ProjectEditForm { Name = Project.Name, TargetHouseholds = Project.TargetHouseholds, Amount = Project.Amount };
    }

    public async Task<IActionResult> OnPostChangeAsync(long id, CancellationToken ct)
    {
        if (await TryAsync(() => budgets.ChangeProjectAsync(User.ToCaller(), id, new ChangeProject(Input.Name, Input.TargetHouseholds, Input.Amount, Input.Reason), ct)))
            return Redirect($"/Projects/{id}");
        Project = await budgets.GetProjectAsync(User.ToCaller(), id, ct);
        return Page();
    }

    public async Task<IActionResult> OnPostCancelAsync(long id, CancellationToken ct)
    {
        if (await TryAsync(() => budgets.CancelProjectAsync(User.ToCaller(), id, new CancelProject(CancelReason), ct)))
            return Redirect($"/Projects/{id}");
        if (Errors.Remove("reason", out var reason)) Errors["cancelReason"] = reason;
        Project = await budgets.GetProjectAsync(User.ToCaller(), id, ct);
        Input = new ProjectEditForm { Name = Project.Name, TargetHouseholds = Project.TargetHouseholds, Amount = Project.Amount };
        return Page();
    }
}
