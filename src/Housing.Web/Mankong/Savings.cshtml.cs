using Housing.Ledgers;
using Housing.Mankong;
using Microsoft.AspNetCore.Mvc;

namespace Housing.Web.Mankong;

public sealed class SavingsForm
{
    public string? Month { get; set; }
    public decimal? Balance { get; set; }
    public int? Members { get; set; }
}

/// <summary>A Baan Mankong project's savings: the monthly trend against the 10 % line, and the treasurer's monthly report.</summary>
public sealed class SavingsModel(SavingsService savings, LoanService loans, LedgerService ledgers) : FormPage
{
    public ProjectMoney Project { get; private set; } = null!;
    public IReadOnlyList<SavingsView> Months { get; private set; } = [];
    /// <summary>The amount the 10 % line is drawn for: the planned amount asked for, else the latest loan's.</summary>
    public decimal? LineOf { get; private set; }
    public decimal? Planned { get; private set; }
    public bool CanReport { get; private set; }
    public bool Saved { get; private set; }
    [BindProperty] public SavingsForm Input { get; set; } = new();

    public async Task OnGetAsync(long projectId, decimal? planned, bool? saved, CancellationToken ct)
    {
        Saved = saved == true;
        Planned = planned is > 0 and <= 99_999_999.99m ? planned : null;
        await LoadAsync(projectId, ct);
        var last = Months.Count == 0 ? (DateOnly?)null : MankongProjects.ParseMonth(Months[^1].Month);
        var today = Thai.Today();
        var next = last?.AddMonths(1) ?? new DateOnly(today.Year, today.Month, 1).AddMonths(-1);
        Input.Month = Web.Ledgers.MoneyText.MonthInput(MankongProjects.FormatMonth(next > today ? new DateOnly(today.Year, today.Month, 1) : next));
        Input.Members = Months.Count == 0 ? null : Months[^1].Members;
    }

    public async Task<IActionResult> OnPostAsync(long projectId, CancellationToken ct)
    {
        if (await TryAsync(() => savings.RecordAsync(User.ToCaller(), projectId, new RecordSavings(Month(Input.Month, "month"), Input.Balance, Input.Members), ct)))
            return Redirect($"/Mankong/Savings/{projectId}?saved=true");
        await LoadAsync(projectId, ct);
        return Page();
    }

    async Task LoadAsync(long projectId, CancellationToken ct)
    {
        var caller = User.ToCaller();
        Months = await savings.ListAsync(caller, projectId, ct); // first: it refuses projects of another program
        Project = await ledgers.ProjectAsync(caller, projectId, ct);
        var latestLoan = (await loans.ListAsync(caller, projectId, ct)).LastOrDefault();
        LineOf = Planned ?? latestLoan?.Amount;
        CanReport = caller.CanRecordMoney(Project.SubdistrictCode);
    }
}
