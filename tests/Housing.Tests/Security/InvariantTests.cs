using Dapper;
using Npgsql;
using Xunit.Sdk;

namespace Housing.Tests.Security;

/// <summary>
/// Each invariant shown firing: a small valid world is written straight into a scratch database as the
/// cluster's superuser, one rule is broken on purpose (the ledgers' append-only and cash triggers are
/// switched off for that with <c>session_replication_role = replica</c>, inside the transaction), and
/// exactly that rule must name exactly the broken rows. Everything is rolled back.
/// </summary>
public sealed class InvariantTests(TestApp app) : IClassFixture<TestApp>
{
    [Fact]
    public async Task The_invariant_check_catches_an_overspend_written_behind_the_services_back()
    {
        await Invariants.AssertHoldAsync(app.Db);
        // Straight SQL skips the services' locked checks: the schema alone cannot see across rows.
        await app.Db.ExecuteAsync("""
            WITH b AS (INSERT INTO budgets (program, fiscal_year, province_code, target_households, amount) VALUES ('BPP', 2599, '54', 1, 1000) RETURNING id),
                 p AS (INSERT INTO projects (budget_id, subdistrict_code, name, target_households, amount) SELECT id, '540101', 'เกินงบ', 1, 1500 FROM b RETURNING id),
                 h AS (INSERT INTO households (citizen_id, head_name, house_no, subdistrict_code, members, monthly_income) VALUES ('1101700203451', 'ผิด', '1', '540101', 1, 0) RETURNING id),
                 a AS (INSERT INTO allocations (project_id, household_id, program, fiscal_year, amount, work_type) SELECT p.id, h.id, 'BPP', 2599, 1500, 'repair' FROM p, h RETURNING id, project_id)
            INSERT INTO disbursements (allocation_id, project_id, amount, paid_on, payee) SELECT id, project_id, 1600, '2042-01-01', 'x' FROM a
            """);
        var e = await Assert.ThrowsAsync<TrueException>(() => Invariants.AssertHoldAsync(app.Db));
        Assert.Contains("projects stay within their budget", e.Message);
        Assert.Contains("net payments stay within their allocation", e.Message);
        Assert.Contains("net payments stay within the cash the project received", e.Message);
        Assert.Contains("every household's citizen ID has a valid check digit", e.Message);
    }

    /// <summary>The ids of the valid world every case starts from.</summary>
    public sealed record World(long B, long P, long P2, long H, long H2, long A, long T, long D, long R, long D2, long M1, long M2, long Ph, long Wk, long L, long Tr);

    /// <summary>Switches off every trigger (append-only ledgers, the kept cash totals) until the transaction ends.</summary>
    const string Replica = "SET LOCAL session_replication_role = replica;";
    /// <summary>Puts the kept cash totals back in line with the ledgers, so only the rule under test breaks.</summary>
    const string Resync = " UPDATE project_cash c SET paid = coalesce((SELECT sum(amount) FROM disbursements d WHERE d.project_id = c.project_id), 0);"
        + " UPDATE home_progress h SET paid = coalesce((SELECT sum(amount) FROM disbursements d WHERE d.allocation_id = h.allocation_id), 0);" + ResyncDays;

    /// <summary>Puts the kept per-day balances back in line with the ledgers.</summary>
    const string ResyncDays = """
         DELETE FROM project_days; INSERT INTO project_days (project_id, day, net) SELECT project_id, day, sum(net) FROM (
            SELECT project_id, received_on AS day, amount AS net FROM transfers UNION ALL SELECT project_id, paid_on, -amount FROM disbursements
            UNION ALL SELECT project_id, paid_on, -amount FROM work_payments) e GROUP BY project_id, day;
        """;

    /// <summary>Per rule: the SQL that breaks it, and the rows it must then report.</summary>
    static readonly Dictionary<string, (string Sql, Func<World, long[]> Broken)> Breaks = new()
    {
        ["projects stay within their budget"] = ("UPDATE projects SET amount = 46000 WHERE id = @P", w => [w.B]),
        // The tranche arrives after the first payment's day: that day ends 5,000 below zero, though the total is fine.
        ["no day of a project's cash book ends below zero (before its last, which the cash rule checks)"] = (Replica + " UPDATE transfers SET received_on = '2022-01-03' WHERE id = @T;" + ResyncDays, w => [w.P]),
        ["a project's dated balances are the sums of its ledgers"] = (Replica + " UPDATE project_days SET net = net + 0.01 WHERE project_id = @P AND day = '2022-01-01'", w => [w.P]),
        ["a project receives at most its amount (transfers net of their reversals)"] = ("UPDATE projects SET amount = 29999.99 WHERE id = @P", w => [w.P]),
        // Funded again in another year without a recorded override.
        ["a household holds at most one live allocation, besides recorded overrides"] = ("""
            WITH b AS (INSERT INTO budgets (program, fiscal_year, province_code, target_households, amount) VALUES ('BPP', 2601, '54', 1, 50000) RETURNING id),
                 p AS (INSERT INTO projects (budget_id, subdistrict_code, name, target_households, amount) SELECT id, '540101', 'ซ้ำ', 1, 20000 FROM b RETURNING id)
            INSERT INTO allocations (project_id, household_id, program, fiscal_year, amount, work_type) SELECT p.id, @H, 'BPP', 2601, 20000, 'rebuild' FROM p
            """, w => [w.H]),
        ["a transfer's reversal undoes exactly its transfer"] = (Replica + " UPDATE transfers SET amount = -999.99 WHERE id = @Tr;"
            + " UPDATE project_cash c SET received = (SELECT sum(amount) FROM transfers t WHERE t.project_id = c.project_id);" + ResyncDays, w => [w.Tr]),
        ["live allocations stay within their project"] = ("UPDATE allocations SET amount = 40000.01 WHERE id = @A", w => [w.P]),
        ["net payments stay within their allocation and never go below zero"] = ("UPDATE allocations SET amount = 2999.99 WHERE id = @A", w => [w.A]),
        ["net payments stay within the cash the project received (the homes' and the community works')"] =
            (Replica + " UPDATE transfers SET amount = 2999.99 WHERE id = @T; UPDATE project_cash SET received = 2999.99 WHERE project_id = @P;" + ResyncDays, w => [w.P]),
        ["a project's cash totals are the sums of its ledgers"] = (Replica + " UPDATE project_cash SET paid = paid + 0.01 WHERE project_id = @P", w => [w.P]),
        ["a reversal undoes exactly its payment, on the same allocation"] = (Replica + " UPDATE disbursements SET amount = -4999.99 WHERE id = @R;" + Resync, w => [w.R]),
        ["a payment's project is its allocation's project"] = (Replica + " UPDATE disbursements SET project_id = @P2 WHERE id = @D2;" + Resync, w => [w.D2]),
        ["a cancelled allocation carries no net payment"] = ("UPDATE allocations SET cancelled_at = now(), cancel_reason = 'ทดสอบ' WHERE id = @A", w => [w.A]),
        ["every household's citizen ID has a valid check digit"] =
            ("UPDATE households SET citizen_id = left(citizen_id, 12) || ((right(citizen_id, 1)::int + 1) % 10) WHERE id = @H2", w => [w.H2]),
        ["an allocation's household lives in its project's subdistrict"] = ("UPDATE households SET subdistrict_code = '540102' WHERE id = @H", w => [w.A]),
        ["an allocation's program and year are its budget's"] = ("UPDATE allocations SET fiscal_year = 2601 WHERE id = @A", w => [w.A]),
        ["milestones are dated in stage order"] = ("UPDATE milestones SET reached_on = '2022-01-06' WHERE id = @M1", w => [w.M2]),
        ["a milestone's order matches its stage"] = ("UPDATE milestones SET stage_order = 3 WHERE id = @M2", w => [w.M2]),
        ["at most five photos per milestone"] = ("""
            INSERT INTO milestone_photos (milestone_id, content_type, size_bytes, sha256, content)
            SELECT @M1, 'image/png', 1, encode(sha256('\x01'::bytea), 'hex'), '\x01'::bytea FROM generate_series(1, 5)
            """, w => [w.M1]),
        ["photo bytes match their checksum"] = ("UPDATE milestone_photos SET content = '\\x02'::bytea WHERE id = @Ph", w => [w.Ph]),
        ["a home's progress row is what its standing milestones and its payments say"] = (Replica + " UPDATE home_progress SET paid = paid + 0.01 WHERE allocation_id = @A", w => [w.A]),
        ["community works stay within their project, and their payments within each work"] = (Replica + " UPDATE works SET amount = 40000.01 WHERE id = @Wk", w => [w.P]),
        ["a loan's kept state is the sum of its ledgers"] = (Replica + " UPDATE loan_totals SET drawn = drawn + 0.01 WHERE loan_id = @L", w => [w.L]),
        ["drawdowns stay within their loan, and repayment parts within their instalment"] = (Replica + " UPDATE loans SET amount = 4999.99 WHERE id = @L", w => [w.L]),
    };

    public static TheoryData<string> Rules() => new(Invariants.Checks.Select(c => c.Rule));

    [Fact]
    public void Every_invariant_has_a_case_that_breaks_it()
        => Assert.Equal(Invariants.Checks.Select(c => c.Rule).Order(), Breaks.Keys.Order());

    [Theory]
    [MemberData(nameof(Rules))]
    public async Task Breaking_one_rule_on_purpose_makes_exactly_that_invariant_report_exactly_the_broken_rows(string rule)
    {
        Assert.True(Breaks.TryGetValue(rule, out var breaking), $"No case breaks \"{rule}\": add one to {nameof(Breaks)}");
        await using var conn = new NpgsqlConnection(await ScratchAsync());
        await conn.OpenAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var world = await WorldAsync(conn);
        Assert.Empty(await Invariants.BrokenAsync(conn));

        await conn.ExecuteAsync(breaking.Sql, world);
        var broken = await Invariants.BrokenAsync(conn);
        Assert.Equal([rule], broken.Keys);
        Assert.Equal(breaking.Broken(world).Order(), broken[rule]);
        await tx.RollbackAsync();
    }

    static readonly Lazy<Task<string>> Scratch = new(async () =>
    {
        // The app's role may not switch triggers off: break the rules as the cluster's superuser.
        var database = new NpgsqlConnectionStringBuilder(await TestCluster.CreateDatabaseAsync("invariants_scratch")).Database!;
        return (await TestCluster.GetAsync()).ConnectionString(database) + ";Pooling=false";
    });

    static Task<string> ScratchAsync() => Scratch.Value;

    /// <summary>A budget with two projects; a home allocated with cash received, a payment, its reversal and a second payment;
    /// two milestones in order; a photo. Valid under every rule.</summary>
    static async Task<World> WorldAsync(NpgsqlConnection conn)
    {
        async Task<long> Id(string sql, object? args = null) => await conn.ExecuteScalarAsync<long>(sql + " RETURNING id", args);
        var year = 2600;
        var b = await Id("INSERT INTO budgets (program, fiscal_year, province_code, target_households, amount) VALUES ('BPP', @year, '54', 2, 50000)", new { year });
        var p = await Id("INSERT INTO projects (budget_id, subdistrict_code, name, target_households, amount) VALUES (@b, '540101', 'ในเวียง', 1, 40000)", new { b });
        var p2 = await Id("INSERT INTO projects (budget_id, subdistrict_code, name, target_households, amount) VALUES (@b, '540101', 'ในเวียง 2', 1, 5000)", new { b });
        const string Household = "INSERT INTO households (citizen_id, head_name, house_no, subdistrict_code, members, monthly_income) VALUES (@id, 'นายทดสอบ', '1', '540101', 1, 0)";
        var h = await Id(Household, new { id = Seed.NewCitizenId() });
        var h2 = await Id(Household, new { id = Seed.NewCitizenId() });
        var a = await Id("INSERT INTO allocations (project_id, household_id, program, fiscal_year, amount, work_type) VALUES (@p, @h, 'BPP', @year, 20000, 'repair')", new { p, h, year });
        var t = await Id("INSERT INTO transfers (project_id, amount, received_on, reference) VALUES (@p, 30000, '2022-01-01', 'CODI-1')", new { p });
        await Id("INSERT INTO transfers (project_id, amount, received_on, reference) VALUES (@p2, 5000, '2022-01-01', 'CODI-2')", new { p2 });
        // A tranche typed wrong and reversed.
        var t3 = await Id("INSERT INTO transfers (project_id, amount, received_on, reference) VALUES (@p, 1000, '2022-01-01', 'CODI-3')", new { p });
        var tr = await Id("INSERT INTO transfers (project_id, amount, received_on, reference, kind, reverses_id, reason) VALUES (@p, -1000, '2022-01-04', 'CODI-3', 'reversal', @t3, 'ผิดจำนวน')", new { p, t3 });
        const string Pay = "INSERT INTO disbursements (allocation_id, project_id, amount, paid_on, payee, reverses_id, reason) VALUES (@a, @p, @amount, '2022-01-02', 'ร้านวัสดุ', @reverses, @reason)";
        var d = await Id(Pay, new { a, p, amount = 5000m, reverses = (long?)null, reason = (string?)null });
        var r = await Id(Pay, new { a, p, amount = -5000m, reverses = (long?)d, reason = "ผิดจำนวน" });
        var d2 = await Id(Pay, new { a, p, amount = 3000m, reverses = (long?)null, reason = (string?)null });
        const string Milestone = "INSERT INTO milestones (allocation_id, stage, stage_order, reached_on) VALUES (@a, @stage, @order, @on::date)";
        var m1 = await Id(Milestone, new { a, stage = "surveyed", order = 1, on = "2022-01-01" });
        var m2 = await Id(Milestone, new { a, stage = "approved", order = 2, on = "2022-01-05" });
        var ph = await Id("INSERT INTO milestone_photos (milestone_id, content_type, size_bytes, sha256, content) VALUES (@m1, 'image/png', 1, encode(sha256('\\x01'::bytea), 'hex'), '\\x01'::bytea)", new { m1 });
        var wk = await Id("INSERT INTO works (project_id, kind, name, amount) VALUES (@p, 'road', 'ถนน', 1000)", new { p });
        var l = await Id("INSERT INTO loans (project_id, amount, purpose, annual_rate_percent, months, first_due_on) VALUES (@p, 10000, 'housing', 4, 12, '2022-02-01')", new { p });
        await Id("INSERT INTO loan_drawdowns (loan_id, amount, paid_on, reference) VALUES (@l, 5000, '2022-01-10', 'CODI-LOAN')", new { l });
        return new World(b, p, p2, h, h2, a, t, d, r, d2, m1, m2, ph, wk, l, tr);
    }
}
