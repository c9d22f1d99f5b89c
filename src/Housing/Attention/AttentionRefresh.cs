using Dapper;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace Housing.Attention;

/// <summary>
/// Keeps <c>attention_flags</c>, a cache of what the books say needs attention: per project, its flags are deleted and
/// found again from milestones, ledgers and allocations, so a rebuilt table holds the same flags. The incremental run
/// takes the projects the write triggers marked (<c>attention_dirty</c>); the full run takes every project, and is
/// what moves the date-driven kinds along as the days pass.
/// </summary>
public sealed class AttentionRefresh(NpgsqlDataSource db, TimeProvider clock, IConfiguration config)
{
    /// <summary>Any fixed number: refreshes (full or incremental, on any instance) take turns under it.</summary>
    const long RefreshLock = 0x417474656E; // "Atten"

    /// <summary>A home with no new stage for this many days is stalled (<c>Housing:Attention:StalledDays</c>).</summary>
    public int StalledDays => Math.Max(1, config.GetValue("Housing:Attention:StalledDays", 60));
    /// <summary>Cash on hand with nothing paid for this many days is idle (<c>Housing:Attention:CashIdleDays</c>).</summary>
    public int CashIdleDays => Math.Max(1, config.GetValue("Housing:Attention:CashIdleDays", 60));
    /// <summary>A fiscal year ending within this many days (or ended) with homes unpaid is flagged.</summary>
    public const int FiscalYearWarnDays = 60;

    /// <summary>Stage names by their order (1 surveyed … 7 handed over), as milestones store them.</summary>
    const string Stages = "ARRAY['surveyed','approved','materials_bought','construction_started','structure_done','completed','handed_over']";

    /// <summary>
    /// The flags of the projects that <c>{projects}</c> selects (alias <c>p</c>), as of @today. One statement for every
    /// kind. Home flags read each live allocation's milestones once: their top stage, last date, and when completed.
    /// A stage counts from its date, whatever day it was typed in. Withdrawn milestones are left out in <c>m</c>:
    /// the last standing stage is what counts. For every project (<paramref name="projects"/> null) the
    /// milestones and payments are aggregated whole (hash aggregates); for some, only theirs are looked up by index.
    /// </summary>
    public static string FlagsSql(string? projects) => $"""
        WITH p AS (
            SELECT p.id, p.subdistrict_code, b.fiscal_year, b.program, make_date(b.fiscal_year - 543, 9, 30) AS fy_end
            FROM projects p JOIN budgets b ON b.id = p.budget_id
            WHERE {projects ?? "true"}
        ),
        a AS (
            SELECT a.id, a.project_id, a.household_id, a.amount, a.created_at, p.subdistrict_code, p.fiscal_year, p.program
            FROM allocations a JOIN p ON p.id = a.project_id
            WHERE a.cancelled_at IS NULL
        ),
        m AS (
            SELECT m.allocation_id, max(m.stage_order) AS top, max(m.reached_on) AS last_on,
                   min(m.reached_on) FILTER (WHERE m.stage_order >= 6) AS completed_on,
                   bool_or(CASE WHEN m.stage_order >= 6 THEN EXISTS (SELECT FROM milestone_photos ph WHERE ph.milestone_id = m.id) END) AS photo
            FROM milestones m
            WHERE m.withdrawn_at IS NULL {(projects is null ? "" : "AND m.allocation_id IN (SELECT id FROM a)")}
            GROUP BY m.allocation_id
        ),
        homes AS (
            SELECT a.*, m.top, m.last_on, m.completed_on, coalesce(m.photo, false) AS photo,
                   coalesce(m.last_on, (a.created_at AT TIME ZONE 'Asia/Bangkok')::date) AS moved_on
            FROM a LEFT JOIN m ON m.allocation_id = a.id
        )
        INSERT INTO attention_flags (kind, project_id, allocation_id, subdistrict_code, province_code, fiscal_year, program, since,
                                     stage, amount, homes, other_allocation_id)
        SELECT 'stalled', project_id, id, subdistrict_code, left(subdistrict_code, 2), fiscal_year, program, moved_on,
               ({Stages})[top], NULL::numeric, NULL::int, NULL::bigint
        FROM homes WHERE coalesce(top, 0) < 6 AND moved_on <= @today - @stalledDays
        UNION ALL
        SELECT 'no_photo', project_id, id, subdistrict_code, left(subdistrict_code, 2), fiscal_year, program, completed_on,
               ({Stages})[top], NULL, NULL, NULL
        FROM homes WHERE top >= 6 AND NOT photo
        UNION ALL
        SELECT 'funded_again', h.project_id, h.id, h.subdistrict_code, left(h.subdistrict_code, 2), h.fiscal_year, h.program,
               (h.created_at AT TIME ZONE 'Asia/Bangkok')::date, NULL, NULL, NULL, e.id
        FROM a h
        JOIN (SELECT o.household_id, min(o.id) AS id FROM allocations o
              WHERE o.cancelled_at IS NULL {(projects is null ? "" : "AND o.household_id IN (SELECT household_id FROM a)")}
              GROUP BY o.household_id HAVING count(*) > 1) e ON e.household_id = h.household_id AND h.id > e.id
        UNION ALL
        SELECT 'cash_idle', p.id, NULL, p.subdistrict_code, left(p.subdistrict_code, 2), p.fiscal_year, p.program, i.since,
               NULL, c.received - c.paid, NULL, NULL
        FROM p
        JOIN project_cash c ON c.project_id = p.id AND c.received > c.paid
        CROSS JOIN LATERAL (SELECT coalesce(greatest(
                   (SELECT max(d.paid_on) FROM disbursements d WHERE d.project_id = p.id AND d.amount > 0),
                   (SELECT max(w.paid_on) FROM work_payments w WHERE w.project_id = p.id AND w.amount > 0)),
                   (SELECT min(t.received_on) FROM transfers t WHERE t.project_id = p.id)) AS since) i
        WHERE i.since <= @today - @cashIdleDays
        UNION ALL
        SELECT 'fiscal_year_end', a.project_id, NULL, a.subdistrict_code, left(a.subdistrict_code, 2), a.fiscal_year, a.program,
               min(p.fy_end) - {FiscalYearWarnDays}, NULL, sum(a.amount - coalesce(d.paid, 0)), count(*)::int, NULL
        FROM a
        JOIN p ON p.id = a.project_id AND p.fy_end - {FiscalYearWarnDays} <= @today
        LEFT JOIN (SELECT d.allocation_id, sum(d.amount) AS paid FROM disbursements d
                   {(projects is null ? "" : $"WHERE d.project_id IN (SELECT id FROM p WHERE fy_end - {FiscalYearWarnDays} <= @today)")}
                   GROUP BY d.allocation_id) d ON d.allocation_id = a.id
        WHERE coalesce(d.paid, 0) < a.amount
        GROUP BY a.project_id, a.subdistrict_code, a.fiscal_year, a.program
        """;

    /// <summary>JIT spent 0.4 s compiling the plan (longer than running it for a project), and the national hash aggregates
    /// over milestones and payments spilled to disk at the default work_mem.</summary>
    const string Settings = "SET LOCAL jit = off; SET LOCAL work_mem = '64MB';";

    /// <summary>Each project's count of flags (of the projects @ids, or all), for the rollups.</summary>
    const string CountsSql = """
        INSERT INTO attention_counts (project_id, subdistrict_code, province_code, fiscal_year, program, flags)
        SELECT project_id, min(subdistrict_code), min(province_code), min(fiscal_year), min(program), count(*)::int
        FROM attention_flags WHERE @ids::bigint[] IS NULL OR project_id = ANY(@ids::bigint[])
        GROUP BY project_id
        """;

    /// <summary>Every project's flags again, in one transaction (nightly, and whenever asked). Returns the flags.</summary>
    public async Task<int> RecomputeAllAsync(CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await TakeDirtyAsync(conn, tx, ct); // covered by this run
        var rows = await conn.ExecuteAsync(new CommandDefinition($"{Settings} DELETE FROM attention_flags; {FlagsSql(null)}",
            Args(null), tx, commandTimeout: 0, cancellationToken: ct));
        await conn.ExecuteAsync(new CommandDefinition($"DELETE FROM attention_counts; {CountsSql}", new { ids = (long[]?)null }, tx,
            commandTimeout: 0, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return rows;
    }

    /// <summary>The flags of the projects writes marked since the last run. Returns how many projects it looked at again.</summary>
    public async Task<int> RefreshDirtyAsync(CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var dirty = await TakeDirtyAsync(conn, tx, ct);
        if (dirty.Length == 0) return 0;
        await conn.ExecuteAsync(new CommandDefinition($"""
            {Settings}
            DELETE FROM attention_flags WHERE project_id = ANY(@ids);
            {FlagsSql("p.id = ANY(@ids)")};
            DELETE FROM attention_counts WHERE project_id = ANY(@ids);
            {CountsSql}
            """, Args(dirty), tx, commandTimeout: 0, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return dirty.Length;
    }

    public object Args(long[]? ids) => new { ids, today = Thai.Today(clock), stalledDays = StalledDays, cashIdleDays = CashIdleDays };

    /// <summary>Waits its turn, then takes the marks it can see; a write not yet committed keeps its mark for the next run.</summary>
    static async Task<long[]> TakeDirtyAsync(NpgsqlConnection conn, NpgsqlTransaction tx, CancellationToken ct)
    {
        await using var grid = await conn.QueryMultipleAsync(new CommandDefinition("""
            SELECT pg_advisory_xact_lock(@RefreshLock);
            WITH taken AS (DELETE FROM attention_dirty RETURNING project_id) SELECT DISTINCT project_id FROM taken;
            """, new { RefreshLock }, tx, cancellationToken: ct));
        await grid.ReadAsync();
        return (await grid.ReadAsync<long>()).ToArray();
    }
}
