using Housing.Ledgers;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Housing.Web.Ledgers;

public sealed class CashBookModel(LedgerService ledgers) : PageModel
{
    public Ledger Ledger { get; private set; } = null!;

    public async Task OnGetAsync(long id, CancellationToken ct) => Ledger = await ledgers.LedgerAsync(User.ToCaller(), id, ct);
}
