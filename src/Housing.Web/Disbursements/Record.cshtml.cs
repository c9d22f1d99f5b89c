using Housing.Disbursements;
using Housing.Ledgers;
using Housing.Web.Ledgers;
using Microsoft.AspNetCore.Mvc;

namespace Housing.Web.Disbursements;

public sealed class PaymentForm
{
    public decimal? Amount { get; set; }
    public string? PaidOn { get; set; }
    public string? PayeeType { get; set; } = "household";
    public string? Payee { get; set; }
    public string? Method { get; set; } = "transfer";
    public string? ReceiptNo { get; set; }
    public string? Note { get; set; }
    /// <summary>Made when the form is shown: a double tap on save sends it twice, and the service records the payment once.</summary>
    public string? IdempotencyKey { get; set; }
}

/// <summary>Record a payment for one home, and see (and reverse) its payments.</summary>
public sealed class RecordModel(DisbursementService payments, LedgerService ledgers, ReceiptService receipts) : FormPage
{
    public ProjectMoney Project { get; private set; } = null!;
    public AllocationMoney Home { get; private set; } = null!;
    public IReadOnlyList<DisbursementView> Payments { get; private set; } = [];
    public bool CanRecordMoney { get; private set; }
    /// <summary>What the program year's payment gates allow now (null: no gates), and what the home was paid.</summary>
    public (Housing.Rules.Allowance? Allow, decimal Paid) Gate { get; private set; }
    /// <summary>The photo of the receipt, taken with the phone's camera; stored with the payment once it is saved.</summary>
    [BindProperty] public IFormFile? Receipt { get; set; }
    public long? Saved { get; private set; }
    public long? ReversingId { get; private set; }
    [BindProperty] public PaymentForm Input { get; set; } = new();
    [BindProperty] public string? Reason { get; set; }

    public async Task OnGetAsync(long allocationId, long? saved, CancellationToken ct)
    {
        Saved = saved;
        Input.PaidOn = MoneyText.DateInput(Thai.Today());
        Input.IdempotencyKey = Guid.NewGuid().ToString("N");
        await LoadAsync(allocationId, ct);
    }

    public async Task<IActionResult> OnPostAsync(long allocationId, CancellationToken ct)
    {
        var caller = User.ToCaller();
        var cmd = new RecordDisbursement(Input.Amount, Date(Input.PaidOn, "paidOn"), Input.Payee, Input.ReceiptNo, Input.PayeeType, Input.Method, Input.Note);
        Saved<DisbursementView>? saved = null;
        var receipt = await Web.Milestones.MilestoneEndpoints.BytesAsync(Receipt, ct);
        // A wrong file is said before anything is written, so the payment and its receipt are saved together or not at all
        // (a retry with the same key finds the payment and adds the receipt).
        if (receipt.Length > 0 && (receipt.Length > Housing.Milestones.MilestoneService.MaxPhotoBytes || Housing.Milestones.ImageCheck.Read(receipt) is null))
        {
            Errors["receipt"] = Lang.T("รูปใบเสร็จต้องเป็น JPEG หรือ PNG ไม่เกิน 5 MB", "The receipt photo must be a JPEG or PNG of at most 5 MB.");
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }
        else if (await TryAsync(async () =>
            {
                saved = await payments.RecordAsync(caller, allocationId, cmd, Input.IdempotencyKey, ct);
                if (receipt.Length > 0) await receipts.AddAsync(caller, saved.Value.Id, receipt, ct);
            }))
            return Redirect($"/Disbursements/Record/{allocationId}?saved={saved!.Value.Id}");
        await LoadAsync(allocationId, ct); // the same key stays in the form: nothing was written under it
        return Page();
    }

    public async Task<IActionResult> OnPostReverseAsync(long allocationId, long id, CancellationToken ct)
    {
        if (await TryAsync(() => payments.ReverseAsync(User.ToCaller(), id, new ReverseDisbursement(Reason), ct)))
            return Redirect($"/Disbursements/Record/{allocationId}");
        ReversingId = id;
        Input = new PaymentForm { PaidOn = MoneyText.DateInput(Thai.Today()), IdempotencyKey = Guid.NewGuid().ToString("N") };
        await LoadAsync(allocationId, ct);
        return Page();
    }

    async Task LoadAsync(long allocationId, CancellationToken ct)
    {
        var caller = User.ToCaller();
        (Project, Home) = await ledgers.HomeAsync(caller, allocationId, ct);
        Payments = await payments.ListAsync(caller, allocationId, ct);
        CanRecordMoney = caller.CanRecordMoney(Project.SubdistrictCode);
        Gate = await payments.GateAsync(caller, allocationId, ct);
    }
}
