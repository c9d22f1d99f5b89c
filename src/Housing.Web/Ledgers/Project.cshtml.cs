using Housing.Ledgers;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Housing.Web.Ledgers;

/// <summary>A project's home for its treasurer: the cash, the ways to record money, and its homes.</summary>
public sealed class ProjectModel(LedgerService ledgers) : PageModel
{
    public ProjectMoney Project { get; private set; } = null!;
    public IReadOnlyList<AllocationMoney> Homes { get; private set; } = [];
    public bool CanRecordMoney { get; private set; }
    public bool CanRecordMilestone { get; private set; }

    public async Task OnGetAsync(long id, CancellationToken ct)
    {
        var caller = User.ToCaller();
        Project = await ledgers.ProjectAsync(caller, id, ct);
        Homes = await ledgers.AllocationsAsync(caller, id, ct);
        CanRecordMoney = caller.CanRecordMoney(Project.SubdistrictCode);
        CanRecordMilestone = caller.CanRecordMilestone(Project.SubdistrictCode);
    }
}
