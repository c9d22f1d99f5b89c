using Housing.Ledgers;
using Housing.Transfers;
using Microsoft.AspNetCore.Mvc;

namespace Housing.Web.Transfers;

/// <summary>Reverses a tranche recorded wrong, with a reason: refused when the cash left would not cover what was paid.</summary>
public sealed class ReverseModel(TransferService transfers, LedgerService ledgers) : FormPage
{
    public TransferView Transfer { get; private set; } = null!;
    public ProjectMoney Project { get; private set; } = null!;
    [BindProperty] public string? Reason { get; set; }

    public Task OnGetAsync(long id, CancellationToken ct) => LoadAsync(id, ct);

    public async Task<IActionResult> OnPostAsync(long id, CancellationToken ct)
    {
        TransferView? row = null;
        if (await TryAsync(async () => row = await transfers.ReverseAsync(User.ToCaller(), id, new ReverseTransfer(Reason), ct)))
            return Redirect($"/Ledgers/CashBook/{row!.ProjectId}");
        await LoadAsync(id, ct);
        return Page();
    }

    async Task LoadAsync(long id, CancellationToken ct)
    {
        var caller = User.ToCaller();
        Transfer = await transfers.GetAsync(caller, id, ct);
        Project = await ledgers.ProjectAsync(caller, Transfer.ProjectId, ct);
    }
}
