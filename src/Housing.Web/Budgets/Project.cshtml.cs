using Housing.Allocations;
using Housing.Budgets;
using Microsoft.AspNetCore.Mvc;

namespace Housing.Web.Budgets;

public sealed class AllocateForm
{
    public long? HouseholdId { get; set; }
    public decimal? Amount { get; set; }
    public string? WorkType { get; set; } = "repair";
    public string? OverrideReason { get; set; }
}

/// <summary>A project: its households and allocations, what is left to allocate, and the form to allocate a home.</summary>
public sealed class ProjectModel(BudgetService budgets, AllocationService allocations, Housing.Rules.TrancheService tranches) : FormPage
{
    public ProjectView Project { get; private set; } = null!;
    public IReadOnlyList<AllocationView> Allocations { get; private set; } = [];
    public IReadOnlyList<Candidate> Candidates { get; private set; } = [];
    public bool CanManage { get; private set; }
    /// <summary>The program year's tranches against the project's progress; null when the year sets none.</summary>
    public IReadOnlyList<Housing.Rules.TrancheState>? Tranches { get; private set; }
    public long? Made { get; private set; }
    public bool Registered { get; private set; }
    /// <summary>After a refusal of a home funded before: the earlier allocation, linked beside the message.</summary>
    public long? ExistingAllocationId { get; private set; }
    [BindProperty] public AllocateForm Input { get; set; } = new();

    public Task OnGetAsync(long id, long? made, long? household, CancellationToken ct)
    {
        Made = made;
        Registered = household is not null;
        Input.HouseholdId = household;
        return LoadAsync(id, ct);
    }

    public async Task<IActionResult> OnPostAsync(long id, CancellationToken ct)
    {
        AllocationView? a = null;
        if (await TryAsync(async () => a = await allocations.CreateAsync(User.ToCaller(), id, new Allocate(Input.HouseholdId, Input.Amount, Input.WorkType, Input.OverrideReason), ct)))
            return Redirect($"/Projects/{id}?made={a!.Id}");
        ExistingAllocationId = LastConflict?.Extensions.GetValueOrDefault("existingAllocationId") as long?;
        await LoadAsync(id, ct);
        return Page();
    }

    async Task LoadAsync(long id, CancellationToken ct)
    {
        var caller = User.ToCaller();
        Project = await budgets.GetProjectAsync(caller, id, ct);
        Allocations = await allocations.ListAsync(caller, id, ct);
        Tranches = await tranches.ListAsync(caller, id, ct);
        CanManage = caller.CanManage(Project.SubdistrictCode);
        if (CanManage) Candidates = await allocations.CandidatesAsync(caller, id, ct);
    }
}
