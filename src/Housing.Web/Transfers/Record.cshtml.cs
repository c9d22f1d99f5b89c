using Housing.Ledgers;
using Housing.Transfers;
using Housing.Web.Ledgers;
using Microsoft.AspNetCore.Mvc;

namespace Housing.Web.Transfers;

public sealed class TransferForm
{
    public decimal? Amount { get; set; }
    public string? ReceivedOn { get; set; }
    public string? Reference { get; set; }
}

/// <summary>Records a tranche received from CODI. A double tap sends the same reference twice; the service records it once.</summary>
public sealed class RecordModel(TransferService transfers, LedgerService ledgers) : FormPage
{
    public ProjectMoney Project { get; private set; } = null!;
    [BindProperty] public TransferForm Input { get; set; } = new();

    public async Task OnGetAsync(long projectId, CancellationToken ct)
    {
        Project = await ledgers.ProjectAsync(User.ToCaller(), projectId, ct);
        Input.ReceivedOn = MoneyText.DateInput(Thai.Today());
    }

    public async Task<IActionResult> OnPostAsync(long projectId, CancellationToken ct)
    {
        var caller = User.ToCaller();
        if (await TryAsync(() => transfers.RecordAsync(caller, projectId, new RecordTransfer(Input.Amount, Date(Input.ReceivedOn, "receivedOn"), Input.Reference), ct)))
            return Redirect($"/Ledgers/CashBook/{projectId}");
        Project = await ledgers.ProjectAsync(caller, projectId, ct);
        return Page();
    }
}
