using Housing.Allocations;
using Microsoft.AspNetCore.Mvc;

namespace Housing.Web.Allocations;

public sealed class ChangeForm
{
    public decimal? Amount { get; set; }
    public string? WorkType { get; set; }
    public string? Reason { get; set; }
}

/// <summary>Change or cancel a home's budget, each with a written reason (kept in the audit log).</summary>
public sealed class EditModel(AllocationService allocations) : FormPage
{
    public AllocationView Allocation { get; private set; } = null!;
    [BindProperty] public ChangeForm Input { get; set; } = new();
    [BindProperty] public string? CancelReason { get; set; }

    public async Task OnGetAsync(long id, CancellationToken ct)
    {
        Allocation = await allocations.GetAsync(User.ToCaller(), id, ct);
        Input = new ChangeForm { Amount = Allocation.Amount, WorkType = Allocation.WorkType };
    }

    public async Task<IActionResult> OnPostChangeAsync(long id, CancellationToken ct)
    {
        AllocationView? changed = null;
        if (await TryAsync(async () => changed = await allocations.ChangeAsync(User.ToCaller(), id, new ChangeAllocation(Input.Amount, Input.WorkType, Input.Reason), ct)))
            return Redirect($"/Projects/{changed!.ProjectId}");
        Allocation = await allocations.GetAsync(User.ToCaller(), id, ct);
        return Page();
    }

    public async Task<IActionResult> OnPostCancelAsync(long id, CancellationToken ct)
    {
        AllocationView? cancelled = null;
        if (await TryAsync(async () => cancelled = await allocations.CancelAsync(User.ToCaller(), id, new CancelAllocation(CancelReason), ct)))
            return Redirect($"/Projects/{cancelled!.ProjectId}");
        // The cancel form's reason errors show beside the cancel form.
        if (Errors.Remove("reason", out var reason)) Errors["cancelReason"] = reason;
        Allocation = await allocations.GetAsync(User.ToCaller(), id, ct);
        Input = new ChangeForm { Amount = Allocation.Amount, WorkType = Allocation.WorkType };
        return Page();
    }
}
