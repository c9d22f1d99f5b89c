using System.Data;
using Dapper;

namespace Housing.Ledgers;

/// <summary>The lowest end-of-day balance of a project's cash book from a day on, and the rules of money's dates.</summary>
public static class CashDays
{
    /// <summary>
    /// The lowest end-of-day balance, and its day, over every day from <c>@on</c> on: the days a new entry dated
    /// <c>@on</c> changes. Read from <c>project_days</c> (one row per day with money, kept by triggers) from <c>@on</c>
    /// on, so its cost follows the days after the entry (one for an entry dated today), not the ledger's length.
    /// The end of a day D is the total less what moved after D. Without a row on <c>@on</c> itself, that day ends as
    /// the day before it did. Run after the project's lock: every money writer of the project holds it, so the figures
    /// are final. Parameters: <c>@projectId</c>, <c>@on</c>.
    /// </summary>
    public const string LowestSql = """
        WITH later AS (
            SELECT day, net, sum(net) OVER (ORDER BY day DESC) AS from_day FROM project_days WHERE project_id = @projectId AND day >= @on
        ), total AS (
            SELECT coalesce((SELECT c.received - c.paid FROM project_cash c WHERE c.project_id = @projectId), 0) AS cash
        )
        SELECT low_day, low_balance FROM (
            SELECT @on::date AS low_day, t.cash - coalesce((SELECT sum(net) FROM later), 0) AS low_balance FROM total t
            WHERE NOT EXISTS (SELECT FROM later WHERE day = @on)
            UNION ALL
            SELECT l.day, t.cash - (l.from_day - l.net) FROM later l, total t
        ) x ORDER BY low_balance, low_day LIMIT 1
        """;

    public sealed record Lowest(DateOnly LowDay, decimal LowBalance);

    public static Task<Lowest> LowestAsync(IDbConnection conn, IDbTransaction tx, long projectId, DateOnly on, CancellationToken ct = default)
        => conn.QuerySingleAsync<Lowest>(new CommandDefinition(LowestSql, new { projectId, on }, tx, cancellationToken: ct));

    /// <summary>409 when taking <paramref name="amount"/> out on its date would leave a day below zero: the day and the shortfall named.</summary>
    public static void EnsureCovers(Lowest lowest, decimal amount)
    {
        if (amount <= lowest.LowBalance) return;
        var shortfall = amount - lowest.LowBalance;
        throw new Conflict(
            $"เงินสดในสมุดเงินสดจะติดลบในวันที่ {Thai.Date(lowest.LowDay, Thai.ThaiCulture)}: ขาดอยู่ {Thai.Baht(shortfall, Thai.ThaiCulture)}",
            $"The cash book would be negative on {Thai.Date(lowest.LowDay, Thai.EnglishCulture)}: {Thai.Baht(shortfall, Thai.EnglishCulture)} short.")
        { Extensions = { ["negativeOn"] = lowest.LowDay.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), ["shortfall"] = shortfall } };
    }

    /// <summary>The first day of a Buddhist Era fiscal year: 1 October of the Gregorian year before (FY 2565 → 1 Oct 2021).</summary>
    public static DateOnly FiscalYearStart(int fiscalYear) => new(fiscalYear - Thai.BuddhistEraOffset - 1, 10, 1);

    /// <summary>400 for money dated before its fiscal year began.</summary>
    public static void EnsureInFiscalYear(DateOnly date, int fiscalYear, string field)
    {
        var start = FiscalYearStart(fiscalYear);
        if (date < start)
            throw ValidationFailed.One(field, $"วันที่ต้องไม่ก่อนปีงบประมาณ {fiscalYear} เริ่ม ({Thai.Date(start, Thai.ThaiCulture)})",
                $"The date must not be before fiscal year {fiscalYear} began ({Thai.Date(start, Thai.EnglishCulture)}).");
    }
}
