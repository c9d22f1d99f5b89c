using Housing.Ledgers;
using Housing.Transfers;
using Housing.Web.Ledgers;
using Microsoft.AspNetCore.Mvc;

namespace Housing.Web.Transfers;

public sealed class RefundForm
{
    public decimal? Amount { get; set; }
    public string? PaidOn { get; set; }
    public string? Reference { get; set; }
}

/// <summary>Records money the council returned to CODI (what is left at year end), within the cash on hand.</summary>
public sealed class RefundModel(TransferService transfers, LedgerService ledgers) : FormPage
{
    public ProjectMoney Project { get; private set; } = null!;
    [BindProperty] public RefundForm Input { get; set; } = new();

    public async Task OnGetAsync(long projectId, CancellationToken ct)
    {
        Project = await ledgers.ProjectAsync(User.ToCaller(), projectId, ct);
        Input.PaidOn = MoneyText.DateInput(Thai.Today());
        Input.Amount = Project.Balance > 0 ? Project.Balance : null;
    }

    public async Task<IActionResult> OnPostAsync(long projectId, CancellationToken ct)
    {
        var caller = User.ToCaller();
        if (await TryAsync(() => transfers.RefundAsync(caller, projectId, new RecordRefund(Input.Amount, Date(Input.PaidOn, "paidOn"), Input.Reference), ct)))
            return Redirect($"/Ledgers/CashBook/{projectId}");
        Project = await ledgers.ProjectAsync(caller, projectId, ct);
        return Page();
    }
}
