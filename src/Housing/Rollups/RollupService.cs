using Dapper;
using Housing.Access;
using Npgsql;

namespace Housing.Rollups;

public static class Levels
{
    public const string National = "national", Province = "province", District = "district", Subdistrict = "subdistrict", Project = "project";
    public static readonly string[] All = [National, Province, District, Subdistrict, Project];
    public const string NationalCode = "TH";

    /// <summary>The level below, or null under a project.</summary>
    public static string? Child(string level) => Array.IndexOf(All, level) is var i and >= 0 and < 4 ? All[i + 1] : null;
}

/// <summary>Spend versus target for one area (or project) in one fiscal year and program. Received: CODI's transfers to its
/// projects, net of reversals and refunds (project_cash, summed up the levels by the refresh); the parent is named as well as coded.</summary>
public sealed record RollupRow(int FiscalYear, string Program, string Level, string Code, string? ParentCode, string NameTh, string NameEn,
    int TargetHouseholds, decimal Budget, int AllocatedHouseholds, decimal Allocated, decimal Disbursed, int CompletedHouseholds, DateTime AsOf,
    decimal Received = 0, string? ParentNameTh = null, string? ParentNameEn = null, int AttentionFlags = 0)
{
    /// <summary>What the projects hold: received less disbursed (payments net of reversals, works' payments included).</summary>
    public decimal CashOnHand => Received - Disbursed;
    public decimal PercentBudgetPaid => Budget == 0 ? 0 : Math.Round(Disbursed * 100 / Budget, 1);
    public decimal PercentTargetCompleted => TargetHouseholds == 0 ? 0 : Math.Round(CompletedHouseholds * 100m / TargetHouseholds, 1);
    public decimal Remaining => Budget - Disbursed;
}

/// <summary>Province narrows any level below national to one province (the exports' scope).</summary>
public sealed record RollupQuery(int? FiscalYear, string? Program, string? Level, string? Parent, string? Province = null, string? Code = null);

/// <summary>
/// Keeps the <c>rollups</c> table: a full recompute (everything, in one transaction) or an incremental
/// one (the subdistricts the write triggers marked dirty, then their districts, provinces and the
/// nation), and reads it within the caller's area.
/// </summary>
public sealed partial class RollupService(NpgsqlDataSource db, TimeProvider clock)
{
    /// <summary>Any fixed number: refreshes (full or incremental, on any app instance) take turns under it.</summary>
    const long RefreshLock = 0x526F6C6C7570; // "Rollup"

    /// <summary>Per project: allocated (live allocations), disbursed (the paid total the ledger's trigger keeps in
    /// project_cash: every ledger row, so net of reversals), completed (live allocations with milestone completed or
    /// later). Hash aggregates over whole tables: the shape for a full recompute, and the benchmark's reference query.</summary>
    public const string AllProjectFiguresSql = """
        SELECT b.fiscal_year, b.program, p.id, p.subdistrict_code, p.name, p.target_households, p.amount AS budget,
               coalesce(a.households, 0) AS allocated_households, coalesce(a.amount, 0) AS allocated,
               coalesce(d.paid, 0) AS disbursed, coalesce(a.completed, 0) AS completed_households,
               coalesce(d.received, 0) AS received, coalesce(f.flags, 0) AS attention_flags
        FROM projects p
        JOIN budgets b ON b.id = p.budget_id
        LEFT JOIN (SELECT a.project_id, count(*) AS households, sum(a.amount) AS amount, count(c.allocation_id) AS completed
                   FROM allocations a
                   LEFT JOIN (SELECT DISTINCT allocation_id FROM milestones WHERE stage_order >= 6 AND withdrawn_at IS NULL) c ON c.allocation_id = a.id
                   WHERE a.cancelled_at IS NULL
                   GROUP BY a.project_id) a ON a.project_id = p.id
        LEFT JOIN project_cash d ON d.project_id = p.id
        LEFT JOIN attention_counts f ON f.project_id = p.id
        """;

    /// <summary>The same figures for the projects of some subdistricts, by index lookups per project.</summary>
    const string SomeProjectFiguresSql = """
        SELECT b.fiscal_year, b.program, p.id, p.subdistrict_code, p.name, p.target_households, p.amount AS budget,
               a.households AS allocated_households, a.amount AS allocated, coalesce(d.paid, 0) AS disbursed, a.completed AS completed_households,
               coalesce(d.received, 0) AS received, coalesce(f.flags, 0) AS attention_flags
        FROM projects p
        JOIN budgets b ON b.id = p.budget_id
        CROSS JOIN LATERAL (SELECT count(*) AS households, coalesce(sum(a.amount), 0) AS amount,
                   count(*) FILTER (WHERE EXISTS (SELECT 1 FROM milestones m WHERE m.allocation_id = a.id AND m.stage_order >= 6 AND m.withdrawn_at IS NULL)) AS completed
                   FROM allocations a WHERE a.project_id = p.id AND a.cancelled_at IS NULL) a
        LEFT JOIN project_cash d ON d.project_id = p.id
        LEFT JOIN attention_counts f ON f.project_id = p.id
        WHERE p.subdistrict_code = ANY(@subdistricts::text[])
        """;

    /// <summary>Recomputes every rollup in one transaction. Returns the rows written.</summary>
    public async Task<int> RecomputeAllAsync(CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await TakeDirtyAsync(conn, tx, ct); // covered by this run
        var rows = await WriteAsync(conn, tx, AllProjectFiguresSql, null, null, ct);
        await tx.CommitAsync(ct);
        // Every row was rewritten: fresh statistics now, not when autovacuum comes (see migration 0022).
        await conn.ExecuteAsync(new CommandDefinition("SELECT analyze_derived('rollups')", cancellationToken: ct));
        return rows;
    }

    /// <summary>Recomputes the subdistricts marked dirty (with their projects, districts, provinces and
    /// the nation) and the provinces whose budgets changed. Returns the rows written, 0 when nothing was dirty.</summary>
    public async Task<int> RefreshDirtyAsync(CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var dirty = await TakeDirtyAsync(conn, tx, ct);
        if (dirty.Count == 0) return 0;
        var rows = await WriteAsync(conn, tx, SomeProjectFiguresSql, dirty.Where(c => c.Length == 6).ToArray(), dirty.Select(c => c[..2]).Distinct().ToArray(), ct);
        await tx.CommitAsync(ct);
        return rows;
    }

    /// <summary>Waits its turn (refreshes on every instance take turns), then takes the dirty marks it can see.
    /// The mark of a write not yet committed is invisible, like its data: the next run takes it.</summary>
    static async Task<List<string>> TakeDirtyAsync(NpgsqlConnection conn, NpgsqlTransaction tx, CancellationToken ct)
    {
        await using var grid = await conn.QueryMultipleAsync(new CommandDefinition("""
            SELECT pg_advisory_xact_lock(@RefreshLock);
            WITH taken AS (DELETE FROM rollup_dirty RETURNING code) SELECT DISTINCT code FROM taken;
            """, new { RefreshLock }, tx, cancellationToken: ct));
        await grid.ReadAsync();
        return (await grid.ReadAsync<string>()).ToList();
    }

    /// <summary>
    /// Replaces the rollups of the given subdistricts and provinces (null: all) in one batch, one round
    /// trip: projects from their figures, then each level from the one below. A province's target and
    /// budget are its budget's; lower levels sum their projects'.
    /// </summary>
    static async Task<int> WriteAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string figuresSql, string[]? subdistricts, string[]? provinces, CancellationToken ct)
    {
        const string Columns = """
            (fiscal_year, program, level, code, parent_code, province_code, name_th, name_en, target_households, budget,
             allocated_households, allocated, disbursed, completed_households, received, attention_flags, as_of)
            """;
        const string Figures = """
            sum(target_households), sum(budget), sum(allocated_households), sum(allocated), sum(disbursed), sum(completed_households),
            sum(received), sum(attention_flags), now()
            """;
        var args = new { all = subdistricts is null, subdistricts, districts = subdistricts?.Select(s => s[..4]).Distinct().ToArray(), provinces };
        return await conn.ExecuteAsync(new CommandDefinition($"""
            DELETE FROM rollups WHERE @all OR (level = 'project' AND parent_code = ANY(@subdistricts::text[]))
                                           OR (level = 'subdistrict' AND code = ANY(@subdistricts::text[]));
            INSERT INTO rollups {Columns}
            SELECT f.fiscal_year, f.program, 'project', f.id::text, f.subdistrict_code, left(f.subdistrict_code, 2), f.name, f.name,
                   f.target_households, f.budget, f.allocated_households, f.allocated, f.disbursed, f.completed_households,
                   f.received, f.attention_flags, now()
            FROM ({figuresSql}) f;

            INSERT INTO rollups {Columns}
            SELECT r.fiscal_year, r.program, 'subdistrict', s.code, s.district_code, left(s.code, 2), s.name_th, s.name_en, {Figures}
            FROM rollups r JOIN subdistricts s ON s.code = r.parent_code
            WHERE r.level = 'project' AND (@all OR r.parent_code = ANY(@subdistricts::text[]))
            GROUP BY r.fiscal_year, r.program, s.code;

            DELETE FROM rollups WHERE level = 'district' AND NOT @all AND code = ANY(@districts::text[]);
            INSERT INTO rollups {Columns}
            SELECT r.fiscal_year, r.program, 'district', d.code, d.province_code, d.province_code, d.name_th, d.name_en, {Figures}
            FROM rollups r JOIN districts d ON d.code = r.parent_code
            WHERE r.level = 'subdistrict' AND (@all OR r.parent_code = ANY(@districts::text[]))
            GROUP BY r.fiscal_year, r.program, d.code;

            DELETE FROM rollups WHERE level = 'province' AND NOT @all AND code = ANY(@provinces::text[]);
            INSERT INTO rollups {Columns}
            SELECT b.fiscal_year, b.program, 'province', p.code, 'TH', p.code, p.name_th, p.name_en, b.target_households, b.amount,
                   coalesce(d.allocated_households, 0), coalesce(d.allocated, 0), coalesce(d.disbursed, 0), coalesce(d.completed_households, 0),
                   coalesce(d.received, 0), coalesce(d.attention_flags, 0), now()
            FROM budgets b
            JOIN provinces p ON p.code = b.province_code
            LEFT JOIN (SELECT fiscal_year, program, parent_code, sum(allocated_households) AS allocated_households, sum(allocated) AS allocated,
                              sum(disbursed) AS disbursed, sum(completed_households) AS completed_households,
                              sum(received) AS received, sum(attention_flags) AS attention_flags
                       FROM rollups WHERE level = 'district' AND (@all OR parent_code = ANY(@provinces::text[]))
                       GROUP BY fiscal_year, program, parent_code) d
                   ON d.fiscal_year = b.fiscal_year AND d.program = b.program AND d.parent_code = b.province_code
            WHERE @all OR b.province_code = ANY(@provinces::text[]);

            DELETE FROM rollups WHERE level = 'national' AND NOT @all;
            INSERT INTO rollups {Columns}
            SELECT fiscal_year, program, 'national', 'TH', NULL, NULL, 'ประเทศไทย', 'Thailand', {Figures}
            FROM rollups WHERE level = 'province'
            GROUP BY fiscal_year, program;
            """, args, tx, commandTimeout: 0, cancellationToken: ct));
    }

    /// <summary>
    /// Rollup rows of one level, optionally under one parent, within the caller's area. A caller
    /// limited to some provinces asking for the national level gets the sum of its own provinces
    /// (named so), which is the total of the province rows it can open below. Read within <paramref name="within"/>
    /// (a workbook reading every level in one snapshot) or on a connection of its own.
    /// </summary>
    public async Task<IReadOnlyList<RollupRow>> ListAsync(Caller caller, RollupQuery q, CancellationToken ct = default, NpgsqlTransaction? within = null)
    {
        var (fiscalYear, program, level, parent) = Validate(q);
        if (parent is not null && !CanReadArea(caller, parent)) throw NotFoundArea(parent);
        if (q.Province is not null && !caller.CanReadProvince(q.Province)) throw NotFoundArea(q.Province);
        await using var own = within is null ? await db.OpenConnectionAsync(ct) : null;
        var conn = within?.Connection ?? own!;
        var provinces = caller.ReadableProvinces;
        // Treasurers read their own subdistricts' figures, their provinces' and districts' totals.
        var subdistricts = level is Levels.Subdistrict or Levels.Project ? caller.ReadableSubdistricts : null;
        if (level == Levels.National && provinces is not null)
            return (await conn.QueryAsync<RollupRow>(new CommandDefinition("""
                SELECT r.fiscal_year, r.program, 'national' AS level, 'TH' AS code, NULL AS parent_code,
                       'ประเทศไทย (เฉพาะจังหวัดที่ท่านดูได้)' AS name_th, 'Thailand (only the provinces you may see)' AS name_en,
                       sum(r.target_households)::int AS target_households, sum(r.budget) AS budget, sum(r.allocated_households)::int AS allocated_households,
                       sum(r.allocated) AS allocated, sum(r.disbursed) AS disbursed, sum(r.completed_households)::int AS completed_households, min(r.as_of) AS as_of,
                       sum(r.received) AS received, NULL AS parent_name_th, NULL AS parent_name_en, sum(r.attention_flags)::int AS attention_flags
                FROM rollups r
                WHERE r.level = 'province' AND r.code = ANY(@provinces::text[]) AND r.fiscal_year = @fiscalYear AND (@program::text IS NULL OR r.program = @program)
                GROUP BY r.fiscal_year, r.program ORDER BY r.program
                """, new { provinces, fiscalYear, program }, within, cancellationToken: ct))).ToList();
        // Received and the count of flags are kept in the rows by the refresh (migration 0024): summed here over the year's
        // projects at every read, they cost 15-76 ms a read and were the database's largest cost under the mixed load.
        return (await conn.QueryAsync<RollupRow>(new CommandDefinition("""
            SELECT r.fiscal_year, r.program, r.level, r.code, r.parent_code, r.name_th, r.name_en, r.target_households, r.budget, r.allocated_households,
                   r.allocated, r.disbursed, r.completed_households, r.as_of, r.received,
                   coalesce(ps.name_th, pd.name_th, pp.name_th, CASE WHEN r.level = 'province' THEN 'ประเทศไทย' END) AS parent_name_th,
                   coalesce(ps.name_en, pd.name_en, pp.name_en, CASE WHEN r.level = 'province' THEN 'Thailand' END) AS parent_name_en,
                   r.attention_flags
            FROM rollups r
            LEFT JOIN subdistricts ps ON r.level = 'project' AND ps.code = r.parent_code
            LEFT JOIN districts pd ON r.level = 'subdistrict' AND pd.code = r.parent_code
            LEFT JOIN provinces pp ON r.level = 'district' AND pp.code = r.parent_code
            WHERE r.fiscal_year = @fiscalYear AND r.level = @level AND (@program::text IS NULL OR r.program = @program)
              AND (@parent::text IS NULL OR r.parent_code = @parent)
              AND (@province::text IS NULL OR r.province_code = @province)
              AND (@code::text IS NULL OR r.code = @code)
              AND (@provinces::text[] IS NULL OR r.province_code = ANY(@provinces::text[]))
              AND (@subdistricts::text[] IS NULL OR (CASE WHEN r.level = 'project' THEN r.parent_code ELSE r.code END) = ANY(@subdistricts::text[]))
            ORDER BY r.program, CASE WHEN r.level = 'project' THEN lpad(r.code, 20, '0') ELSE r.code END
            """, new { fiscalYear, program, level, parent, province = q.Province, code = q.Code, provinces, subdistricts }, within, cancellationToken: ct))).ToList();
    }

    sealed record YearOfProgram(int FiscalYear, string Program);

    /// <summary>Where the rollup page opens when it is asked no year: the latest fiscal year in which the caller's area has homes
    /// allocated or money moved in <paramref name="program"/> (null: in either), with the program that has them there (Baan
    /// Por Piang when both do); else the latest year with any rollup and no program.</summary>
    public async Task<(int? FiscalYear, string? Program)> LatestYearAsync(Caller caller, string? program, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var latest = await conn.QueryFirstOrDefaultAsync<YearOfProgram>(new CommandDefinition("""
            SELECT r.fiscal_year, r.program FROM rollups r
            WHERE r.level = 'province' AND (@provinces::text[] IS NULL OR r.code = ANY(@provinces::text[]))
              AND (@program::text IS NULL OR r.program = @program) AND (r.allocated_households > 0 OR r.disbursed <> 0)
            ORDER BY r.fiscal_year DESC, r.program <> @preferred, r.program
            LIMIT 1
            """, new { provinces = caller.ReadableProvinces, program, preferred = Budgets.Programs.BaanPorPiang }, cancellationToken: ct));
        return latest is not null ? (latest.FiscalYear, latest.Program)
            : (await conn.ExecuteScalarAsync<int?>(new CommandDefinition("SELECT max(fiscal_year) FROM rollups", cancellationToken: ct)), null);
    }

    /// <summary>The fiscal years that have rollups, newest first.</summary>
    public async Task<IReadOnlyList<int>> YearsAsync(CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<int>(new CommandDefinition("SELECT DISTINCT fiscal_year FROM rollups ORDER BY 1 DESC", cancellationToken: ct))).ToList();
    }

    /// <summary>Checks the query; a missing year is the current fiscal year, a missing level national.</summary>
    public (int FiscalYear, string? Program, string Level, string? Parent) Validate(RollupQuery q)
    {
        var v = new Validator();
        var level = string.IsNullOrWhiteSpace(q.Level) ? Levels.National : q.Level.Trim();
        v.Check(Levels.All.Contains(level), "level", "ระดับต้องเป็น national, province, district, subdistrict หรือ project",
            "The level must be national, province, district, subdistrict or project.");
        var program = string.IsNullOrWhiteSpace(q.Program) ? null : q.Program.Trim();
        v.Check(program is null || Budgets.Programs.All.Contains(program), "program", "โครงการต้องเป็น BPP หรือ BMK", "The program must be BPP or BMK.");
        var year = q.FiscalYear ?? Thai.FiscalYear(Thai.Today(clock));
        v.Check(year is >= 2540 and <= 2700, "fiscalYear", "ปีงบประมาณต้องเป็นปี พ.ศ. 2540–2700", "The fiscal year must be a Buddhist Era year from 2540 to 2700.");
        var parent = string.IsNullOrWhiteSpace(q.Parent) ? null : q.Parent.Trim();
        foreach (var (field, code) in new[] { ("parent", parent), ("province", q.Province), ("code", q.Code) })
            v.Check(code is null || IsCode(code), field, "รหัสต้องเป็น TH หรือตัวเลข (จังหวัด 2 หลัก อำเภอ 4 หลัก ตำบล 6 หลัก หรือเลขโครงการ)",
                "A code is TH or digits (a 2-digit province, 4-digit district, 6-digit subdistrict or a project number).");
        v.ThrowIfInvalid();
        return (year, program, level, parent);
    }

    static bool IsCode(string code) => code == Levels.NationalCode || code.Length is > 0 and <= 18 && code.All(char.IsAsciiDigit);

    /// <summary>May the caller read figures of this area code (province, district, subdistrict) or project id?</summary>
    static bool CanReadArea(Caller caller, string code) => code.Length switch
    {
        2 => caller.CanReadProvince(code),
        4 => caller.CanReadProvince(code[..2]),
        6 when code.All(char.IsAsciiDigit) => caller.CanRead(code),
        _ => code == Levels.NationalCode,
    };

    static NotFound NotFoundArea(string code) => NotFound.Of($"พื้นที่รหัส {code}", $"Area {code}");
}
