using Housing.Ledgers;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Housing.Web.Ledgers;

/// <summary>One month's cash report, the month chosen on the page (<c>?month=yyyy-MM</c>; none: the latest with entries).</summary>
public sealed class MonthlyModel(LedgerService ledgers) : PageModel
{
    public MonthReport Report { get; private set; } = null!;

    /// <summary><paramref name="other"/>: the month input, for a month without entries (it wins over the list's choice when filled).</summary>
    public async Task OnGetAsync(long id, string? month, string? other, CancellationToken ct)
        => Report = await ledgers.MonthAsync(User.ToCaller(), id, string.IsNullOrWhiteSpace(other) ? month : other, ct);
}
