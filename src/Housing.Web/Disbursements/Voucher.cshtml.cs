using Housing.Ledgers;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Housing.Web.Disbursements;

/// <summary>The payment voucher (ใบสำคัญรับเงิน) of one payment, printed and signed by the payee and the committee.</summary>
public sealed class VoucherModel(LedgerService ledgers) : PageModel
{
    public Voucher Voucher { get; private set; } = null!;

    public async Task OnGetAsync(long id, CancellationToken ct) => Voucher = await ledgers.VoucherAsync(User.ToCaller(), id, ct);
}
