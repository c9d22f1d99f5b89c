using Housing.Ledgers;
using Housing.Mankong;
using Housing.Web.Ledgers;
using Microsoft.AspNetCore.Mvc;

namespace Housing.Web.Mankong;

public sealed class LoanForm
{
    public decimal? Amount { get; set; }
    public string? Purpose { get; set; } = "housing";
    public decimal? AnnualRatePercent { get; set; }
    public int? Months { get; set; }
    public string? FirstDueOn { get; set; }
}

/// <summary>A Baan Mankong project's loans to its cooperative, and the staff's form to lend (refused below the 10 % line).</summary>
public sealed class LoansModel(LoanService loans, SavingsService savings, LedgerService ledgers) : FormPage
{
    public ProjectMoney Project { get; private set; } = null!;
    public IReadOnlyList<LoanView> Loans { get; private set; } = [];
    public SavingsView? LatestSavings { get; private set; }
    public bool CanManage { get; private set; }
    [BindProperty] public LoanForm Input { get; set; } = new();

    public async Task OnGetAsync(long projectId, CancellationToken ct)
    {
        var today = Thai.Today();
        Input.FirstDueOn = MoneyText.DateInput(new DateOnly(today.Year, today.Month, 1).AddMonths(1));
        await LoadAsync(projectId, ct);
    }

    public async Task<IActionResult> OnPostAsync(long projectId, CancellationToken ct)
    {
        LoanView? made = null;
        var cmd = new CreateLoan(Input.Amount, Input.Purpose, Input.AnnualRatePercent, Input.Months, Date(Input.FirstDueOn, "firstDueOn"));
        if (await TryAsync(async () => made = await loans.CreateAsync(User.ToCaller(), projectId, cmd, ct)))
            return Redirect($"/Mankong/Loan/{made!.Id}?made=true");
        await LoadAsync(projectId, ct);
        return Page();
    }

    async Task LoadAsync(long projectId, CancellationToken ct)
    {
        var caller = User.ToCaller();
        Loans = await loans.ListAsync(caller, projectId, ct); // first: it refuses projects of another program
        Project = await ledgers.ProjectAsync(caller, projectId, ct);
        LatestSavings = (await savings.ListAsync(caller, projectId, ct)).LastOrDefault();
        CanManage = caller.CanManage(Project.SubdistrictCode);
    }
}
