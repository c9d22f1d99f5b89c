using Housing.Ledgers;
using Housing.Mankong;
using Housing.Web.Ledgers;
using Microsoft.AspNetCore.Mvc;

namespace Housing.Web.Mankong;

public sealed class LoanMoneyForm
{
    public decimal? Amount { get; set; }
    public string? PaidOn { get; set; }
    public string? Reference { get; set; }
    /// <summary>Made when the form is shown: a double tap on save sends it twice, and the repayment is recorded once.</summary>
    public string? IdempotencyKey { get; set; }
}

public sealed class MoratoriumForm
{
    public string? FromMonth { get; set; }
    public string? ToMonth { get; set; }
    public string? Reason { get; set; }
}

/// <summary>One loan: its schedule with what was paid, its arrears by age, and the forms for drawdowns and a moratorium
/// (staff) and repayments (the project's treasurers).</summary>
public sealed class LoanModel(LoanService loans, LoanPaymentService money, LedgerService ledgers) : FormPage
{
    public LoanView Loan { get; private set; } = null!;
    public ProjectMoney Project { get; private set; } = null!;
    public bool CanManage { get; private set; }
    public bool CanRepay { get; private set; }
    public string? Done { get; private set; }
    /// <summary>Which form the errors belong to: repay, draw or moratorium.</summary>
    public string? Failed { get; private set; }
    [BindProperty] public LoanMoneyForm Repay { get; set; } = new();
    [BindProperty] public LoanMoneyForm Draw { get; set; } = new();
    [BindProperty] public MoratoriumForm Relief { get; set; } = new();

    public async Task OnGetAsync(long loanId, string? done, CancellationToken ct)
    {
        Done = done;
        await LoadAsync(loanId, ct);
    }

    public async Task<IActionResult> OnPostRepayAsync(long loanId, CancellationToken ct)
    {
        var cmd = new RecordLoanMoney(Repay.Amount, Date(Repay.PaidOn, "paidOn"), Repay.Reference);
        if (await TryAsync(() => money.RepayAsync(User.ToCaller(), loanId, cmd, Repay.IdempotencyKey, ct)))
            return Redirect($"/Mankong/Loan/{loanId}?done=repaid");
        return await FailAsync("repay", loanId, ct);
    }

    public async Task<IActionResult> OnPostDrawAsync(long loanId, CancellationToken ct)
    {
        if (await TryAsync(() => money.DrawAsync(User.ToCaller(), loanId, new RecordLoanMoney(Draw.Amount, Date(Draw.PaidOn, "paidOn"), Draw.Reference), ct)))
            return Redirect($"/Mankong/Loan/{loanId}?done=drawn");
        return await FailAsync("draw", loanId, ct);
    }

    public async Task<IActionResult> OnPostMoratoriumAsync(long loanId, CancellationToken ct)
    {
        if (await TryAsync(() => loans.MoratoriumAsync(User.ToCaller(), loanId, new Moratorium(Month(Relief.FromMonth, "fromMonth"), Month(Relief.ToMonth, "toMonth"), Relief.Reason), ct)))
            return Redirect($"/Mankong/Loan/{loanId}?done=moratorium");
        return await FailAsync("moratorium", loanId, ct);
    }

    async Task<IActionResult> FailAsync(string form, long loanId, CancellationToken ct)
    {
        Failed = form;
        await LoadAsync(loanId, ct);
        return Page();
    }

    async Task LoadAsync(long loanId, CancellationToken ct)
    {
        var caller = User.ToCaller();
        Loan = await loans.GetAsync(caller, loanId, ct);
        Project = await ledgers.ProjectAsync(caller, Loan.ProjectId, ct);
        CanManage = caller.CanManage(Project.SubdistrictCode);
        CanRepay = caller.CanRecordMoney(Project.SubdistrictCode);
        var today = MoneyText.DateInput(Thai.Today());
        // A failed form keeps what was typed (and its key: nothing was written under it); the others start afresh.
        if (Failed != "repay")
        {
            var due = Loan.Schedule.FirstOrDefault(l => l.Paid < l.Principal + l.Interest);
            Repay = new LoanMoneyForm { PaidOn = today, Amount = due is null ? null : due.Principal + due.Interest - due.Paid };
        }
        Repay.IdempotencyKey ??= Guid.NewGuid().ToString("N");
        if (Failed != "draw") Draw = new LoanMoneyForm { PaidOn = today, Amount = Loan.Amount - Loan.Drawn };
    }
}
