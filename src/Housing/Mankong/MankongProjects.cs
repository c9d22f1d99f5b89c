using System.Data;
using System.Globalization;
using Dapper;
using Housing.Access;

namespace Housing.Mankong;

/// <summary>A Baan Mankong project as the savings, loan and works rules need it.</summary>
public sealed record MankongProject(long Id, string SubdistrictCode, string Program, decimal Amount);

/// <summary>The steps every Baan Mankong write and read starts with: find the project (unlocked), check the caller's
/// role and area on it, and refuse projects of another program.</summary>
public static class MankongProjects
{
    public const string Program = "BMK";

    /// <summary>Reads the project without a lock, checks <paramref name="allowed"/> for its subdistrict (404 outside the
    /// caller's sight, 403 inside it), then that it is a Baan Mankong project (400). Nothing is locked before the check.</summary>
    public static async Task<MankongProject> FindAsync(IDbConnection conn, Caller caller, long projectId, Func<Caller, string, bool> allowed,
        CancellationToken ct)
    {
        var p = await conn.QuerySingleOrDefaultAsync<MankongProject>(new CommandDefinition("""
            SELECT p.id, p.subdistrict_code, b.program, p.amount FROM projects p JOIN budgets b ON b.id = p.budget_id WHERE p.id = @projectId
            """, new { projectId }, cancellationToken: ct)) ?? throw Budgets.BudgetService.ProjectNotFound(projectId);
        caller.EnsureAllowed(allowed(caller, p.SubdistrictCode), p.SubdistrictCode, () => Budgets.BudgetService.ProjectNotFound(projectId));
        if (p.Program != Program)
            throw ValidationFailed.One("projectId", "เฉพาะโครงการบ้านมั่นคง (BMK) เท่านั้น", "Only Baan Mankong (BMK) projects have savings, loans and community works.");
        return p;
    }

    /// <summary>Locks the project (FOR UPDATE, or FOR SHARE where writers of one loan may go side by side) after
    /// <see cref="FindAsync"/> checked the caller, and refuses a cancelled one: a cancellation locks it too, so the two
    /// cannot pass each other. Returns its amount and fiscal year as they stand after the lock.</summary>
    public static async Task<(decimal Amount, int FiscalYear)> LockOpenAsync(IDbConnection conn, IDbTransaction tx, long projectId, CancellationToken ct,
        bool share = false)
    {
        var p = await conn.QuerySingleAsync<(decimal Amount, int FiscalYear, bool Cancelled)>(new CommandDefinition($"""
            SELECT p.amount, b.fiscal_year, p.cancelled_at IS NOT NULL FROM projects p JOIN budgets b ON b.id = p.budget_id
            WHERE p.id = @projectId FOR {(share ? "SHARE" : "UPDATE")} OF p
            """, new { projectId }, tx, cancellationToken: ct));
        if (p.Cancelled) throw Transfers.TransferService.ProjectCancelled();
        return (p.Amount, p.FiscalYear);
    }

    /// <summary>"2026-05" → 1 May 2026; null when it is not a month.</summary>
    public static DateOnly? ParseMonth(string? month)
        => DateOnly.TryParseExact(month?.Trim(), "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) && d.Year >= 2000 && d.Year <= 2200
            ? d : null;

    public static string FormatMonth(DateOnly month) => month.ToString("yyyy-MM", CultureInfo.InvariantCulture);
}
