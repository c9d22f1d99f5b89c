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

    /// <summary>Stage codes by their order (1 surveyed … 7 handed over), as milestones store them.</summary>
    static readonly string Stages = Rules.StandingStages.Codes;

    /// <summary>
    /// The flags of the projects that <c>{projects}</c> selects (alias <c>p</c>), as of @today: one SELECT for every kind.
    /// Home flags read each live allocation's row of <c>home_progress</c> (0019), kept by the writes from the standing
    /// milestones and the payments: its top stage, last date, when completed, a completed stage's photo, what was paid.
    /// A stage counts from its date, whatever day it was typed in. A home funded again is an allocation with a recorded override
    /// (the one-home rule lets no other second allocation in: <c>AllocationService.CreateAsync</c>), found through the partial index
    /// of overrides (0021) rather than by counting every household's allocations (0.4 s nationally). A home without a progress row
    /// stands at stage 0 with no photos. The full run writes only what differs from the stored
    /// flags (<see cref="RecomputeAllAsync"/>); into an empty table, the national data's 600,000 flags with their two indexes cost
    /// about 2.7 s more than finding them (README, Performance).
    /// </summary>
    public static string FlagsSql(string? projects) => $"""
        WITH p AS (
            SELECT p.id, p.subdistrict_code, p.amount, (p.created_at AT TIME ZONE 'Asia/Bangkok')::date AS created_on,
                   b.fiscal_year, b.program, make_date(b.fiscal_year - 543, 9, 30) AS fy_end
            FROM projects p JOIN budgets b ON b.id = p.budget_id
            WHERE {projects ?? "true"}
        ),
        homes AS (
            SELECT a.id, a.project_id, a.amount, p.subdistrict_code, p.fiscal_year, p.program, p.fy_end,
                   coalesce(m.top, 0) AS top, coalesce(m.photos, 0) AS photos, m.completed_on, coalesce(m.photos & 96, 0) <> 0 AS photo,
                   coalesce(m.paid, 0) AS paid,
                   coalesce(m.last_on, (a.created_at AT TIME ZONE 'Asia/Bangkok')::date) AS moved_on
            FROM allocations a JOIN p ON p.id = a.project_id
            LEFT JOIN home_progress m ON m.allocation_id = a.id
            WHERE a.cancelled_at IS NULL
        ),
        -- The homes of each project by their state (top stage and photos), which is all the gates and tranches look at, with
        -- what is unpaid (for fiscal_year_end): one pass over the homes for all three.
        states AS MATERIALIZED (
            SELECT project_id, program, fiscal_year, top, photos, count(*) AS homes,
                   count(*) FILTER (WHERE paid > 0 AND paid < amount) AS part_paid,
                   count(*) FILTER (WHERE paid < amount) AS unpaid_homes, sum(amount - paid) FILTER (WHERE paid < amount) AS unpaid
            FROM homes GROUP BY project_id, program, fiscal_year, top, photos
        ),
        -- What the payment gates allow a home depends only on its program year and its state: worked out once for each state
        -- that part-paid homes are in (a few), not once for each home (8 µs a home: 2 s nationally). share_now: the largest
        -- share of a gate it has reached; stage: the first gate it has not reached that would allow more.
        waits AS MATERIALIZED (
            SELECT s.program, s.fiscal_year, s.top, s.photos, w.stage, w.share_now
            FROM (SELECT DISTINCT program, fiscal_year, top, photos FROM states WHERE part_paid > 0) s
            JOIN program_years y ON y.program = s.program AND y.fiscal_year = s.fiscal_year AND jsonb_array_length(y.payment_gates) > 0
            CROSS JOIN LATERAL (
                SELECT x.stage, x.share_now
                FROM (SELECT g.*, coalesce(max(g.share) FILTER (WHERE g.met) OVER (), 0) AS share_now
                      FROM (SELECT e.n, e.g->>'stage' AS stage, (e.g->>'payableShare')::numeric AS share, {Reached("s", "e.g")} AS met
                            FROM jsonb_array_elements(y.payment_gates) WITH ORDINALITY AS e(g, n)) g) x
                WHERE NOT x.met AND x.share > x.share_now
                ORDER BY x.n LIMIT 1) w
        ),
        -- For the tranches, per project: its homes, and how many stand at each stage n (reach[n]) and how many of those with a
        -- photo there (reach_photo[n]), from its few states instead of looking its homes up again for every tranche (2.4 s nationally).
        reach AS MATERIALIZED (
            SELECT project_id, sum(homes) AS homes, ARRAY[{StageCounts(false)}] AS reach, ARRAY[{StageCounts(true)}] AS reach_photo
            FROM states s GROUP BY project_id
        )
        SELECT 'stalled' AS kind, project_id, id AS allocation_id, subdistrict_code, left(subdistrict_code, 2) AS province_code,
               fiscal_year, program, moved_on AS since, ({Stages})[top] AS stage, NULL::numeric AS amount, NULL::int AS homes,
               NULL::bigint AS other_allocation_id
        FROM homes WHERE top < 6 AND moved_on <= @today - @stalledDays
        UNION ALL
        SELECT 'no_photo', project_id, id, subdistrict_code, left(subdistrict_code, 2), fiscal_year, program, completed_on,
               ({Stages})[top], NULL, NULL, NULL
        FROM homes WHERE top >= 6 AND NOT photo
        UNION ALL
        SELECT 'funded_again', o.project_id, o.id, p.subdistrict_code, left(p.subdistrict_code, 2), p.fiscal_year, p.program,
               (o.created_at AT TIME ZONE 'Asia/Bangkok')::date, NULL, NULL, NULL, e.id
        FROM allocations o JOIN p ON p.id = o.project_id
        CROSS JOIN LATERAL (SELECT min(x.id) AS id FROM allocations x
                            WHERE x.household_id = o.household_id AND x.cancelled_at IS NULL AND x.id < o.id) e
        WHERE o.override_reason IS NOT NULL AND o.cancelled_at IS NULL AND e.id IS NOT NULL
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
        SELECT 'fiscal_year_end', p.id, NULL, p.subdistrict_code, left(p.subdistrict_code, 2), p.fiscal_year, p.program,
               p.fy_end - {FiscalYearWarnDays}, NULL, u.unpaid, u.homes, NULL
        FROM p JOIN (SELECT project_id, sum(unpaid) AS unpaid, sum(unpaid_homes)::int AS homes FROM states
                     GROUP BY project_id HAVING sum(unpaid_homes) > 0) u ON u.project_id = p.id
        WHERE p.fy_end - {FiscalYearWarnDays} <= @today
        UNION ALL
        SELECT 'payment_waiting', h.project_id, h.id, h.subdistrict_code, left(h.subdistrict_code, 2), h.fiscal_year, h.program, h.moved_on,
               w.stage, round(h.amount * w.share_now / 100, 2), NULL, NULL
        FROM homes h
        JOIN waits w ON w.program = h.program AND w.fiscal_year = h.fiscal_year AND w.top = h.top AND w.photos = h.photos
        WHERE h.paid > 0 AND h.paid >= round(h.amount * w.share_now / 100, 2) AND h.paid < h.amount
        UNION ALL
        SELECT 'tranche_unlocked', p.id, NULL, p.subdistrict_code, left(p.subdistrict_code, 2), p.fiscal_year, p.program,
               coalesce(r.last_on, p.created_on), NULL, u.unlocked - r.received, u.next, NULL
        FROM p
        JOIN program_years y ON y.program = p.program AND y.fiscal_year = p.fiscal_year AND jsonb_array_length(y.tranches) > 0
        LEFT JOIN reach c ON c.project_id = p.id
        CROSS JOIN LATERAL (SELECT coalesce(sum(t.amount) FILTER (WHERE t.kind <> 'refund'), 0) AS received,
                                   max(t.received_on) FILTER (WHERE t.kind = 'transfer') AS last_on
                            FROM transfers t WHERE t.project_id = p.id) r
        CROSS JOIN LATERAL (
            SELECT CASE WHEN bool_and(x.open) THEN p.amount ELSE coalesce(max(x.up_to) FILTER (WHERE x.open), 0) END AS unlocked,
                   min(x.n) FILTER (WHERE x.open AND x.up_to > r.received)::int AS next
            FROM (SELECT s.n, bool_and(s.met) OVER (ORDER BY s.n) AS open,
                         CASE WHEN s.n = count(*) OVER () AND s.cum >= 100 THEN p.amount ELSE round(p.amount * s.cum / 100, 2) END AS up_to
                  FROM (SELECT e.n, sum((e.t->>'share')::numeric) OVER (ORDER BY e.n) AS cum,
                               e.t->>'stage' IS NULL
                               OR coalesce((CASE WHEN coalesce((e.t->>'photo')::boolean, false) THEN c.reach_photo ELSE c.reach END)
                                               [array_position({Stages}, e.t->>'stage')], 0)
                                  >= greatest(1, ceil(coalesce(c.homes, 0) * coalesce((e.t->>'homesPercent')::numeric, 100) / 100)) AS met
                        FROM jsonb_array_elements(y.tranches) WITH ORDINALITY AS e(t, n)) s) x) u
        WHERE u.unlocked > r.received
        """;

    /// <summary>For each stage n (1 .. 7), how many homes of a project's states <c>s</c> stand there, or there with a photo of it.</summary>
    static string StageCounts(bool photo) => string.Join(", ", Enumerable.Range(1, Milestones.MilestoneService.Stages.Length).Select(n =>
        $"coalesce(sum(s.homes) FILTER (WHERE s.top >= {n}{(photo ? $" AND s.photos & {1 << (n - 1)} <> 0" : "")}), 0)::int"));

    /// <summary>Whether homes in state <paramref name="h"/> (a row of <c>states</c>: top stage and photos) stand at the stage of
    /// gate <paramref name="rule"/> (of the program year's JSON), with a photo there where the gate asks: their stages are
    /// 1 .. top, and bit n - 1 of photos stands for stage n. The tranches count the same from <c>reach</c>.</summary>
    static string Reached(string h, string rule) => $"""
        ({h}.top >= array_position({Stages}, {rule}->>'stage')
         AND (coalesce(({rule}->>'photo')::boolean, false) = false OR {h}.photos & (1 << (array_position({Stages}, {rule}->>'stage') - 1)) <> 0))
        """;

    /// <summary>The columns of a flag, in the order <see cref="FlagsSql"/> gives them.</summary>
    const string FlagColumns = "kind, project_id, allocation_id, subdistrict_code, province_code, fiscal_year, program, since, stage, amount, homes, other_allocation_id";

    /// <summary>JIT spent 0.4 s compiling the plan (longer than running it for a project), and the national hash joins of the
    /// homes and their progress spill to disk at the default work_mem.</summary>
    const string Settings = "SET LOCAL jit = off; SET LOCAL work_mem = '64MB';";

    /// <summary>A found flag <c>n</c> with the same key as a stored one <c>f</c> (kind, project and home: there is at most one
    /// such flag) and every figure equal.</summary>
    const string Same = """
        n.since = f.since AND n.subdistrict_code = f.subdistrict_code AND n.fiscal_year = f.fiscal_year AND n.program = f.program
        AND n.stage IS NOT DISTINCT FROM f.stage AND n.amount IS NOT DISTINCT FROM f.amount AND n.homes IS NOT DISTINCT FROM f.homes
        AND n.other_allocation_id IS NOT DISTINCT FROM f.other_allocation_id
        """;

    /// <summary>Each project's count of flags (of the projects <paramref name="which"/> selects by <c>project_id</c>), for the
    /// rollups, from one aggregate of the flags just written: a count that changed is written, one whose flags are all gone deleted,
    /// and the subdistrict of each is marked for the rollups' refresh (they keep the counts, 0024), in the same transaction as the
    /// flags, as any write marks them. The deleted and the written counts are of different projects, and every part reads the
    /// counts as they were before. Returns how many flags those projects have.</summary>
    static string CountsSql(string which) => $"""
        WITH n AS MATERIALIZED (
            SELECT project_id, min(subdistrict_code) AS subdistrict_code, min(province_code) AS province_code,
                   min(fiscal_year) AS fiscal_year, min(program) AS program, count(*)::int AS flags
            FROM attention_flags WHERE {which}
            GROUP BY project_id),
        changed AS MATERIALIZED (
            SELECT coalesce(n.project_id, c.project_id) AS project_id, coalesce(n.subdistrict_code, c.subdistrict_code) AS subdistrict_code,
                   n.flags
            FROM n FULL JOIN (SELECT * FROM attention_counts WHERE {which}) c ON c.project_id = n.project_id
            WHERE n.flags IS DISTINCT FROM c.flags),
        marked AS (INSERT INTO rollup_dirty (code) SELECT DISTINCT subdistrict_code FROM changed),
        gone AS (DELETE FROM attention_counts c USING changed x WHERE c.project_id = x.project_id AND x.flags IS NULL),
        written AS (
            INSERT INTO attention_counts AS c (project_id, subdistrict_code, province_code, fiscal_year, program, flags)
            SELECT n.* FROM n JOIN changed x ON x.project_id = n.project_id
            ON CONFLICT (project_id) DO UPDATE SET flags = excluded.flags)
        SELECT coalesce(sum(flags), 0)::int FROM n
        """;

    /// <summary>The full run's share of the projects on each connection (<c>Housing:Attention:FullRunParts</c>, default 2): a
    /// statement that writes runs on one core (PostgreSQL plans no parallel workers for it), and the night's run has the
    /// server to itself.</summary>
    public int FullRunParts => Math.Clamp(config.GetValue("Housing:Attention:FullRunParts", 2), 1, 16);

    /// <summary>Every project's flags again (nightly, and whenever asked). Returns the flags.
    /// The projects are split by id into <see cref="FullRunParts"/> parts, each found and written at once on its own connection
    /// and transaction; the first part's transaction holds the refresh lock and the taken marks, and commits last, once every other
    /// part has (a part that fails rolls the marks back, and a part already committed holds flags as true as before: they are per
    /// project). Only the difference is written (<see cref="DiffSql"/>): about 2.5 s on the national data in one part, 1.5 s in two
    /// (README, Performance).</summary>
    public async Task<int> RecomputeAllAsync(CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await TakeDirtyAsync(conn, tx, ct); // covered by this run
        var parts = FullRunParts;
        // Every part is awaited, a failed one included, before the first part commits (or, failing, rolls back).
        var found = await Task.WhenAll(Enumerable.Range(0, parts).Select(async part =>
        {
            if (part == 0) return await WritePartAsync(conn, tx, 0, parts, ct);
            await using var other = await db.OpenConnectionAsync(ct);
            await using var otherTx = await other.BeginTransactionAsync(ct);
            var flags = await WritePartAsync(other, otherTx, part, parts, ct);
            await otherTx.CommitAsync(ct);
            return flags;
        }));
        await tx.CommitAsync(ct);
        // The counts may have changed throughout, and the rollups' refresh joins them: fresh statistics (see migration 0022).
        await conn.ExecuteAsync(new CommandDefinition("SELECT analyze_derived('attention_counts')", cancellationToken: ct));
        return found.Sum();
    }

    /// <summary>The flags of the projects whose id is <paramref name="part"/> modulo <paramref name="parts"/>, written as the
    /// difference from the stored ones, and their counts. Returns how many flags they have now.</summary>
    async Task<int> WritePartAsync(NpgsqlConnection conn, NpgsqlTransaction tx, int part, int parts, CancellationToken ct)
    {
        var args = new DynamicParameters(Args(null));
        args.AddDynamicParams(new { part, parts });
        const string Mine = "project_id % @parts = @part";
        await conn.ExecuteAsync(new CommandDefinition($"""
            {Settings} SET LOCAL work_mem = '256MB'; SET LOCAL enable_mergejoin = off;
            {DiffSql("p.id % @parts = @part", Mine)}
            """, args, tx, commandTimeout: 0, cancellationToken: ct));
        return await conn.QuerySingleAsync<int>(new CommandDefinition(CountsSql(Mine), new { part, parts }, tx, commandTimeout: 0, cancellationToken: ct));
    }

    /// <summary>The flags of the projects <paramref name="projects"/> selects (alias <c>p</c>, see <see cref="FlagsSql"/>; the
    /// same projects as <paramref name="stored"/> selects of the stored flags by <c>project_id</c>), written as the difference:
    /// the stored flags no longer found (or found with other figures) are deleted, the found ones not stored are inserted, in one
    /// statement (2.4-2.6 s on the national data in one part when nothing changed,
    /// against 4.0-4.1 s to delete and insert the 598,000 rows again, which also left as many dead rows each night; the hash of the
    /// stored ones and the aggregates of the homes take about 200 MB for that moment, hence its work_mem).
    /// A FULL JOIN on the flag's key (a kind once per home, or per project) can only be a hash or merge join, each reading the
    /// stored flags once: an anti-join planned as a nested loop over a table just emptied read it again for every found flag, rows
    /// inserted meanwhile included (minutes). Not a merge join: sorting both sides took 2.2 s nationally against 0.7 s for the hash
    /// join, which the planner (its estimate of the found flags a quarter of them) did not pick. The found flags are joined as they
    /// come, not kept first (0.3 s); both sub-statements read the table as it was before.</summary>
    static string DiffSql(string projects, string stored) => $"""
        WITH diff AS MATERIALIZED (
            SELECT f.row AS stored, n.kind IS NOT NULL AS found, n.*
            FROM ({FlagsSql(projects)}) n
            FULL JOIN (SELECT ctid AS row, * FROM attention_flags WHERE {stored}) f
                 ON n.kind = f.kind AND n.project_id = f.project_id AND coalesce(n.allocation_id, 0) = coalesce(f.allocation_id, 0)
            WHERE n.kind IS NULL OR f.kind IS NULL OR NOT ({Same})),
        gone AS (DELETE FROM attention_flags f USING diff d WHERE f.ctid = d.stored)
        INSERT INTO attention_flags ({FlagColumns}) SELECT {FlagColumns} FROM diff WHERE found
        """;

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
            INSERT INTO attention_flags ({FlagColumns}) {FlagsSql("p.id = ANY(@ids)")};
            {CountsSql("project_id = ANY(@ids)")}
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
