using Housing.Ledgers;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Housing.Web.Ledgers;

/// <summary>My projects: the projects of the caller's area with the cash each holds.</summary>
public sealed class IndexModel(LedgerService ledgers) : PageModel
{
    public IReadOnlyList<ProjectMoney> Projects { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct) => Projects = await ledgers.ProjectsAsync(User.ToCaller(), ct);
}
