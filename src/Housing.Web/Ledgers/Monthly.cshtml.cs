using Housing.Ledgers;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Housing.Web.Ledgers;

public sealed class MonthlyModel(LedgerService ledgers) : PageModel
{
    public MonthlyReport Report { get; private set; } = null!;

    public async Task OnGetAsync(long id, CancellationToken ct) => Report = await ledgers.MonthlyAsync(User.ToCaller(), id, ct);
}
