using Housing.Ledgers;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Housing.Web.Ledgers;

/// <summary>One month's cash report, the month chosen on the page (<c>?month=yyyy-MM</c>; none: the latest with entries).</summary>
public sealed class MonthlyModel(LedgerService ledgers) : PageModel
{
    public MonthReport Report { get; private set; } = null!;
    /// <summary>What the other-month input says when what was typed there is not a month (the list's month shows).</summary>
    public string? OtherError { get; private set; }

    /// <summary><paramref name="other"/>: the BE month input (m/BBBB), for a month without entries (it wins over the list's
    /// choice when filled).</summary>
    public async Task OnGetAsync(long id, string? month, string? other, CancellationToken ct)
    {
        var typed = MoneyText.ParseMonth(other);
        if (typed is null && !string.IsNullOrWhiteSpace(other)) OtherError = MoneyText.MonthHint;
        Report = await ledgers.MonthAsync(User.ToCaller(), id, typed ?? month, ct);
    }
}
