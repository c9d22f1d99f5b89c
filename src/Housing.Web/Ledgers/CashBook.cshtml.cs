using Housing.Ledgers;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Housing.Web.Ledgers;

public sealed class CashBookModel(LedgerService ledgers) : PageModel
{
    public Ledger Ledger { get; private set; } = null!;
    public bool CanRecordMoney { get; private set; }

    public async Task OnGetAsync(long id, CancellationToken ct)
    {
        Ledger = await ledgers.LedgerAsync(User.ToCaller(), id, ct);
        CanRecordMoney = User.ToCaller().CanRecordMoney(Ledger.Project.SubdistrictCode);
    }
}
