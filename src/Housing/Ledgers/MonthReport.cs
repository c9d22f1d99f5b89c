using System.Globalization;

namespace Housing.Ledgers;

/// <summary>One line of a month's cash report: reference is the CODI reference of a transfer, its reversal or a refund, or
/// the payment's receipt number. In is net of transfer reversals (a reversal is In below zero) and Out net of payment
/// reversals (Out below zero), as <see cref="LedgerService.MonthlyAsync"/> counts them; a refund to CODI is Out.</summary>
public sealed record MonthEntry(string Kind, long Id, DateOnly Date, string? Reference, string? Payee, decimal In, decimal Out, decimal Balance)
{
    /// <summary>The money goes back to CODI (a refund, or a tranche undone): the report names CODI as its payee.</summary>
    public bool ToCodi => Kind is "refund" or "transfer_reversal";

    public static MonthEntry Of(LedgerEntry e) => e.Kind switch
    {
        "transfer" or "transfer_reversal" => new(e.Kind, e.Id, e.Date, e.Description, null, e.In - e.Out, 0, e.Balance),
        "refund" => new(e.Kind, e.Id, e.Date, e.Description, null, 0, e.Out - e.In, e.Balance),
        _ => new(e.Kind, e.Id, e.Date, e.ReceiptNo, e.Description, 0, e.Out - e.In, e.Balance),
    };
}

/// <summary>One calendar month of a project's cash book, as its treasurer and chair sign it: the opening balance, every
/// entry of the month, the closing balance. <see cref="Months"/>: the months that have entries ("yyyy-MM", newest first), for the picker.</summary>
public sealed record MonthReport(ProjectMoney Project, string Month, decimal Opening, IReadOnlyList<MonthEntry> Entries, IReadOnlyList<string> Months)
{
    public decimal In => Entries.Sum(e => e.In);
    public decimal Out => Entries.Sum(e => e.Out);
    public decimal Closing => Opening + In - Out;
    public DateOnly First => MonthKey.Parse(Month)!.Value;

    /// <summary>Cuts one month out of the whole cash book (its entries are in date order with running balances).</summary>
    public static MonthReport From(Ledger ledger, DateOnly month)
    {
        var opening = ledger.Entries.Where(e => e.Date < month).Sum(e => e.In - e.Out);
        var next = month.AddMonths(1);
        var entries = ledger.Entries.Where(e => e.Date >= month && e.Date < next).Select(MonthEntry.Of).ToList();
        var months = ledger.Entries.Select(e => MonthKey.Of(e.Date)).Distinct().OrderDescending().ToList();
        return new MonthReport(ledger.Project, MonthKey.Of(month), opening, entries, months);
    }
}

/// <summary>"yyyy-MM" in the Gregorian calendar, as a month input sends it (never parsed with th-TH, whose years are Buddhist).</summary>
public static class MonthKey
{
    public static string Of(DateOnly d) => d.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    public static DateOnly? Parse(string? s)
        => s is { Length: 7 } && DateOnly.TryParseExact(s + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;

    /// <summary>"มกราคม 2565" / "January 2565": the full month's name and the Buddhist Era year, as a report's title says it.</summary>
    public static string Title(DateOnly month, bool english = false)
        => (english ? EnglishMonths : ThaiMonths)[month.Month - 1] + " " + (month.Year + Thai.BuddhistEraOffset).ToString(CultureInfo.InvariantCulture);

    static readonly string[] ThaiMonths = ["มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน", "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม"];
    static readonly string[] EnglishMonths = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
}
