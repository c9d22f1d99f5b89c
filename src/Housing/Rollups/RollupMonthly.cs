using Dapper;
using Housing.Access;

namespace Housing.Rollups;

/// <summary>One month of a fiscal year, cumulative from its start: money received from CODI, disbursed (net of reversals,
/// works' payments included) and homes completed.</summary>
public sealed record RollupMonth(string Month, decimal Received, decimal Disbursed, int CompletedHouseholds);

public sealed partial class RollupService
{
    /// <summary>
    /// Month by month for the projects of one fiscal year (and program) under an area of any level (TH, a 2-digit province,
    /// 4-digit district, 6-digit subdistrict, or a project's id), within the caller's area, cumulative and oldest first. From
    /// the fiscal year's October to September, or to this month while the year runs, or to the last month with an entry if
    /// later; entries dated before October count in October. Read from the ledgers themselves (the rollups keep no months):
    /// at the national level that is a scan of the year's ledger rows. <paramref name="level"/> "project" says a code of 2, 4
    /// or 6 digits is a project's id, not an area.
    /// </summary>
    public async Task<IReadOnlyList<RollupMonth>> MonthlyAsync(Caller caller, int? fiscalYear, string? program, string? code, string? level = null,
        CancellationToken ct = default)
    {
        var area = string.IsNullOrWhiteSpace(code) ? Levels.NationalCode : code.Trim();
        var (year, prog, _, _) = Validate(new RollupQuery(fiscalYear, program, null, null, Code: area));
        await using var conn = await db.OpenConnectionAsync(ct);
        // Codes of 2, 4 and 6 digits are areas; any other number is a project, readable when its subdistrict is.
        long? project = area != Levels.NationalCode && (level == Levels.Project || area.Length is not (2 or 4 or 6)) && long.TryParse(area, out var id) ? id : null;
        var readable = project is long pid
            ? await conn.ExecuteScalarAsync<string?>("SELECT subdistrict_code FROM projects WHERE id = @pid", new { pid }) is { } sub && caller.CanRead(sub)
            : area == Levels.NationalCode || CanReadArea(caller, area);
        if (!readable) throw NotFoundArea(area);
        var subdistrictLevel = project is not null || area.Length == 6;
        var rows = await conn.QueryAsync<(DateTime Month, decimal Received, decimal Disbursed, long Completed)>(new CommandDefinition("""
            WITH p AS (
                SELECT p.id FROM projects p JOIN budgets b ON b.id = p.budget_id
                WHERE b.fiscal_year = @year AND (@prog::text IS NULL OR b.program = @prog)
                  AND (@project::bigint IS NULL OR p.id = @project)
                  AND (@project::bigint IS NOT NULL OR @area = 'TH' OR left(p.subdistrict_code, length(@area)) = @area)
                  AND (@provinces::text[] IS NULL OR b.province_code = ANY(@provinces::text[]))
                  AND (@subdistricts::text[] IS NULL OR p.subdistrict_code = ANY(@subdistricts::text[])))
            SELECT date_trunc('month', e.on_date)::timestamp AS month, sum(e.received) AS received, sum(e.disbursed) AS disbursed, sum(e.completed)::bigint AS completed
            FROM (
                SELECT t.received_on AS on_date, t.amount AS received, 0 AS disbursed, 0 AS completed FROM transfers t WHERE t.project_id IN (SELECT id FROM p)
                UNION ALL SELECT d.paid_on, 0, d.amount, 0 FROM disbursements d WHERE d.project_id IN (SELECT id FROM p)
                UNION ALL SELECT w.paid_on, 0, w.amount, 0 FROM work_payments w WHERE w.project_id IN (SELECT id FROM p)
                -- A home counts once, in the month it first reached "completed" or later (as the rollups count it).
                UNION ALL SELECT min(m.reached_on), 0, 0, 1 FROM milestones m JOIN allocations a ON a.id = m.allocation_id
                          WHERE a.project_id IN (SELECT id FROM p) AND a.cancelled_at IS NULL AND m.stage_order >= 6 AND m.withdrawn_at IS NULL GROUP BY a.id
            ) e
            GROUP BY 1 ORDER BY 1
            """, new { year, prog, project, area, provinces = caller.ReadableProvinces, subdistricts = subdistrictLevel ? caller.ReadableSubdistricts : null },
            cancellationToken: ct));
        var (first, last) = Thai.FiscalYearDates(year);
        var today = Thai.Today(clock);
        var end = MonthOf(last < today ? last : today < first ? first : today);
        var byMonth = rows.Select(r => (Month: DateOnly.FromDateTime(r.Month), r.Received, r.Disbursed, r.Completed)).ToList();
        if (byMonth.Count > 0 && byMonth[^1].Month > end) end = byMonth[^1].Month;
        var months = new List<RollupMonth>();
        var (received, disbursed, completed) = (0m, 0m, 0L);
        for (var m = MonthOf(first); m <= end; m = m.AddMonths(1))
        {
            foreach (var r in byMonth.Where(r => r.Month == m || m == MonthOf(first) && r.Month < m))
                (received, disbursed, completed) = (received + r.Received, disbursed + r.Disbursed, completed + r.Completed);
            months.Add(new RollupMonth(Ledgers.MonthKey.Of(m), received, disbursed, (int)completed));
        }
        return months;
    }

    static DateOnly MonthOf(DateOnly d) => new(d.Year, d.Month, 1);
}
