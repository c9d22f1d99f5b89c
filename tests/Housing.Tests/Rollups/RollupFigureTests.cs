using System.Net;
using System.Net.Http.Json;
using Housing.Access;
using Housing.Rollups;

namespace Housing.Tests.Rollups;

/// <summary>The rollups' figures against direct SQL counts, level by level, and the area rules of GET /rollups.
/// Jobs are off here: the tests call the service methods the jobs call.</summary>
public sealed class RollupFigureTests(RollupFigureTests.App app) : IClassFixture<RollupFigureTests.App>
{
    public sealed class App : TestApp
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Housing:Jobs:Enabled"] = "false" };
    }

    RollupService Rollups => app.Get<RollupService>();

    sealed record Figures(string Code, long Target, decimal Budget, long AllocatedHouseholds, decimal Allocated, decimal Disbursed, long Completed);

    static Figures Of(RollupRow r) => new(r.Code, r.TargetHouseholds, r.Budget, r.AllocatedHouseholds, r.Allocated, r.Disbursed, r.CompletedHouseholds);

    /// <summary>Each level's figures counted straight from the tables, without the rollups.</summary>
    async Task<List<Figures>> CountAsync(int fiscalYear, string program, string level)
    {
        var key = level switch
        {
            Levels.Project => "p.id::text", Levels.Subdistrict => "p.subdistrict_code", Levels.District => "left(p.subdistrict_code, 4)",
            Levels.Province => "left(p.subdistrict_code, 2)", _ => "'TH'",
        };
        var targets = level is Levels.Province or Levels.National
            ? $"SELECT {(level == Levels.Province ? "b.province_code" : "'TH'")} AS code, sum(b.target_households) AS t, sum(b.amount) AS m FROM budgets b WHERE b.fiscal_year = @fiscalYear AND b.program = @program GROUP BY 1"
            : $"SELECT {key} AS code, sum(p.target_households) AS t, sum(p.amount) AS m FROM projects p JOIN budgets b ON b.id = p.budget_id WHERE b.fiscal_year = @fiscalYear AND b.program = @program GROUP BY 1";
        return await app.Db.QueryAsync<Figures>($"""
            WITH t AS ({targets}),
            a AS (SELECT {key} AS code, count(*) AS n, sum(a.amount) AS m FROM allocations a JOIN projects p ON p.id = a.project_id
                  JOIN budgets b ON b.id = p.budget_id WHERE b.fiscal_year = @fiscalYear AND b.program = @program AND a.cancelled_at IS NULL GROUP BY 1),
            d AS (SELECT {key} AS code, sum(d.amount) AS m FROM disbursements d JOIN projects p ON p.id = d.project_id
                  JOIN budgets b ON b.id = p.budget_id WHERE b.fiscal_year = @fiscalYear AND b.program = @program GROUP BY 1),
            c AS (SELECT {key} AS code, count(DISTINCT a.id) AS n FROM milestones m JOIN allocations a ON a.id = m.allocation_id
                  JOIN projects p ON p.id = a.project_id JOIN budgets b ON b.id = p.budget_id
                  WHERE b.fiscal_year = @fiscalYear AND b.program = @program AND a.cancelled_at IS NULL AND m.stage IN ('completed', 'handed_over') GROUP BY 1)
            SELECT t.code, t.t AS target, t.m AS budget, coalesce(a.n, 0) AS allocated_households, coalesce(a.m, 0) AS allocated,
                   coalesce(d.m, 0) AS disbursed, coalesce(c.n, 0) AS completed
            FROM t LEFT JOIN a USING (code) LEFT JOIN d USING (code) LEFT JOIN c USING (code)
            ORDER BY code
            """, new { fiscalYear, program });
    }

    async Task<List<RollupRow>> StoredAsync(int fiscalYear, string program, string level)
        => (await Rollups.ListAsync(Caller.System, new RollupQuery(fiscalYear, program, level, null))).OrderBy(r => r.Code, StringComparer.Ordinal).ToList();

    async Task AssertMatchesSqlAsync(int fiscalYear)
    {
        foreach (var program in new[] { "BPP", "BMK" })
            foreach (var level in Levels.All)
            {
                var expected = await CountAsync(fiscalYear, program, level);
                var actual = (await StoredAsync(fiscalYear, program, level)).Select(Of).ToList();
                Assert.Equal(expected.OrderBy(f => f.Code, StringComparer.Ordinal), actual);
            }
    }

    [Fact]
    public async Task After_the_Phrae_scenario_every_level_equals_a_direct_SQL_count()
    {
        await new RollupSeed(app.Db, 2565).PhraeAsync();
        await Rollups.RecomputeAllAsync();
        await AssertMatchesSqlAsync(2565);

        var phrae = Assert.Single(await Rollups.ListAsync(Caller.System, new RollupQuery(2565, "BPP", "province", "TH")), r => r.Code == "54");
        Assert.Equal(new Figures("54", 65, 1_358_500m, 65, 1_358_500m, 788_900m, 16), Of(phrae));
        Assert.Equal(58.1m, phrae.PercentBudgetPaid);
        Assert.Equal(24.6m, phrae.PercentTargetCompleted);
        Assert.Equal(569_600m, phrae.Remaining);
        var national = Assert.Single(await StoredAsync(2565, "BPP", Levels.National));
        Assert.Equal(new Figures("TH", 75, 1_514_750m, 69, 1_421_000m, 851_400m, 17), Of(national));
        var bmk = Assert.Single(await StoredAsync(2565, "BMK", Levels.National));
        Assert.Equal(new Figures("TH", 148, 5_000_000m, 1, 40_000m, 25_000m, 0), Of(bmk));
    }

    [Fact]
    public async Task A_full_recompute_leaves_the_planner_knowing_how_many_rows_it_wrote()
    {
        // Stale statistics (those of the empty table before the first run) made the project level's page take 8 s, not 50 ms.
        // The app's login does not own the tables: the recompute has the owner's function analyze them (0022).
        await new RollupSeed(app.Db, 2570).PhraeAsync();
        await Rollups.RecomputeAllAsync();
        await app.Get<Housing.Attention.AttentionRefresh>().RecomputeAllAsync();
        foreach (var table in new[] { "rollups", "attention_counts" })
        {
            var estimate = await app.Db.ScalarAsync<long>($"SELECT reltuples::bigint FROM pg_class WHERE oid = '{table}'::regclass");
            var rows = await app.Db.CountAsync(table);
            Assert.True(rows > 10, table);
            Assert.Equal((table, rows), (table, estimate));
        }
    }

    [Fact]
    public async Task Children_add_up_to_their_parents()
    {
        await new RollupSeed(app.Db, 2566).PhraeAsync();
        await Rollups.RecomputeAllAsync();
        foreach (var program in new[] { "BPP", "BMK" })
            for (var i = 1; i < Levels.All.Length; i++)
            {
                var parents = await StoredAsync(2566, program, Levels.All[i - 1]);
                var children = await StoredAsync(2566, program, Levels.All[i]);
                foreach (var parent in parents)
                {
                    var mine = children.Where(c => (c.ParentCode ?? "") == parent.Code || (parent.Level == Levels.National && c.ParentCode == "TH")).ToList();
                    Assert.NotEmpty(mine);
                    Assert.Equal(parent.AllocatedHouseholds, mine.Sum(c => c.AllocatedHouseholds));
                    Assert.Equal(parent.Allocated, mine.Sum(c => c.Allocated));
                    Assert.Equal(parent.Disbursed, mine.Sum(c => c.Disbursed));
                    Assert.Equal(parent.CompletedHouseholds, mine.Sum(c => c.CompletedHouseholds));
                    // A province's target and budget are its budget's: its projects may not have split all of it yet.
                    if (parent.Level == Levels.Province)
                    {
                        Assert.True(mine.Sum(c => c.Budget) <= parent.Budget);
                        Assert.True(mine.Sum(c => c.TargetHouseholds) <= parent.TargetHouseholds);
                    }
                    else
                    {
                        Assert.Equal(parent.Budget, mine.Sum(c => c.Budget));
                        Assert.Equal(parent.TargetHouseholds, mine.Sum(c => c.TargetHouseholds));
                    }
                }
            }
    }

    [Fact]
    public async Task Levels_read_within_one_transaction_come_from_one_snapshot_as_a_workbook_reads_them()
    {
        var seed = new RollupSeed(app.Db, 2572);
        var s = await seed.PhraeAsync();
        await Rollups.RecomputeAllAsync();
        var national = new RollupQuery(2572, "BPP", Levels.National, null);
        await using var conn = await app.Db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead);
        var before = Assert.Single(await Rollups.ListAsync(Caller.System, national, default, tx)).Disbursed;

        await seed.PayAsync(s.Allocations[2], 1_234m);
        Assert.True(await Rollups.RefreshDirtyAsync() > 0);

        Assert.Equal(before, Assert.Single(await Rollups.ListAsync(Caller.System, national, default, tx)).Disbursed);
        Assert.Equal(before, (await Rollups.ListAsync(Caller.System, national with { Level = Levels.Province }, default, tx)).Sum(r => r.Disbursed));
        Assert.Equal(before + 1_234m, Assert.Single(await Rollups.ListAsync(Caller.System, national)).Disbursed);
    }

    [Fact]
    public async Task The_mark_of_a_write_not_yet_committed_is_left_for_the_next_refresh()
    {
        var s = await new RollupSeed(app.Db, 2571).PhraeAsync();
        await Rollups.RecomputeAllAsync();
        async Task<decimal> DisbursedAsync() => Assert.Single(await StoredAsync(2571, "BPP", Levels.Project), r => r.Code == s.Projects[0].ToString()).Disbursed;
        var before = await DisbursedAsync();
        await using var conn = await app.Db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await Dapper.SqlMapper.ExecuteAsync(conn, """
            INSERT INTO disbursements (allocation_id, project_id, amount, paid_on, payee)
            SELECT id, project_id, 1000, '2027-01-10', 'ร้านวัสดุ' FROM allocations WHERE id = @id
            """, new { id = s.Allocations[0] }, tx);

        // The refresh sees neither the payment nor its mark: it takes nothing, and the mark stays.
        Assert.Equal(0, await Rollups.RefreshDirtyAsync());
        await tx.CommitAsync();
        Assert.Equal([s.Subdistricts[0]], await app.Db.QueryAsync<string>("SELECT DISTINCT code FROM rollup_dirty"));

        Assert.True(await Rollups.RefreshDirtyAsync() > 0);
        Assert.Equal(0, await app.Db.CountAsync("rollup_dirty"));
        await AssertMatchesSqlAsync(2571);
        Assert.Equal(before + 1000m, await DisbursedAsync());
    }

    [Fact]
    public async Task A_write_marks_its_subdistrict_and_the_incremental_refresh_brings_every_level_up_to_date()
    {
        var seed = new RollupSeed(app.Db, 2567);
        var s = await seed.PhraeAsync();
        await Rollups.RecomputeAllAsync();
        Assert.Equal(0, await app.Db.CountAsync("rollup_dirty"));

        var payment = await seed.PayAsync(s.Allocations[1], 5_000m);
        await seed.ReverseAsync(payment);
        await seed.PayAsync(s.Allocations[0], 900m);
        await seed.MilestonesAsync(await seed.AllocationAsync(s.Projects[10], 20_900m), 6);
        await seed.CancelAsync(s.Allocations[3]);
        var newBudget = await seed.BudgetAsync("BPP", "81", 30, 600_000m);
        Assert.Equal(new[] { s.Subdistricts[0], s.Subdistricts[10], "81" }.Order(),
            (await app.Db.QueryAsync<string>("SELECT DISTINCT code FROM rollup_dirty")).Order());

        Assert.True(await Rollups.RefreshDirtyAsync() > 0);
        Assert.Equal(0, await app.Db.CountAsync("rollup_dirty"));
        await AssertMatchesSqlAsync(2567);
        var krabi = Assert.Single(await StoredAsync(2567, "BPP", Levels.Province), r => r.Code == "81");
        Assert.Equal(new Figures("81", 30, 600_000m, 0, 0m, 0m, 0), Of(krabi));
        Assert.Equal(0, await Rollups.RefreshDirtyAsync());
        Assert.True(newBudget > 0);
    }

    [Fact]
    public async Task Rollups_answers_the_API_shape_with_asOf()
    {
        await new RollupSeed(app.Db, 2568).PhraeAsync();
        await Rollups.RecomputeAllAsync();
        var client = await app.ClientAsync(Role.Viewer);
        var rows = await client.GetFromJsonAsync<List<Dictionary<string, System.Text.Json.JsonElement>>>(
            "/api/v1/rollups?fiscalYear=2568&program=BPP&level=district&parent=54");
        var first = rows![0];
        foreach (var name in new[] { "code", "nameTh", "nameEn", "targetHouseholds", "budget", "allocatedHouseholds", "allocated", "disbursed", "completedHouseholds", "asOf", "percentBudgetPaid", "percentTargetCompleted", "remaining" })
            Assert.True(first.ContainsKey(name), name);
        Assert.All(rows, r => Assert.StartsWith("54", r["code"].GetString()));
        Assert.Equal(65, rows.Sum(r => r["allocatedHouseholds"].GetInt32()));
        Assert.True((DateTime.UtcNow - first["asOf"].GetDateTime().ToUniversalTime()).Duration() < TimeSpan.FromMinutes(5));
    }

    [Fact]
    public async Task A_province_restricted_caller_sees_only_its_provinces_and_its_own_national_sum()
    {
        await new RollupSeed(app.Db, 2569).PhraeAsync();
        await Rollups.RecomputeAllAsync();
        var staff = await app.ClientAsync(Role.ProvincialStaff, provinces: ["19"]);
        var provinces = await staff.GetFromJsonAsync<List<RollupRow>>("/api/v1/rollups?fiscalYear=2569&program=BPP&level=province");
        Assert.Equal(["19"], provinces!.Select(p => p.Code));
        var national = Assert.Single((await staff.GetFromJsonAsync<List<RollupRow>>("/api/v1/rollups?fiscalYear=2569&program=BPP&level=national"))!);
        Assert.Equal(new Figures("TH", 10, 156_250m, 4, 62_500m, 62_500m, 1), Of(national));
        Assert.Equal("Thailand (only the provinces you may see)", national.NameEn);

        var outside = await staff.GetAsync("/api/v1/rollups?fiscalYear=2569&program=BPP&level=district&parent=54");
        Assert.Equal(HttpStatusCode.NotFound, outside.StatusCode);
        Assert.Equal("application/problem+json", outside.Content.Headers.ContentType!.MediaType);

        var treasurer = await app.ClientAsync(Role.Treasurer, subdistricts: ["540101"]);
        var mine = await treasurer.GetFromJsonAsync<List<RollupRow>>("/api/v1/rollups?fiscalYear=2569&program=BPP&level=subdistrict");
        Assert.Equal(["540101"], mine!.Select(r => r.Code));
        var districts = await treasurer.GetFromJsonAsync<List<RollupRow>>("/api/v1/rollups?fiscalYear=2569&program=BPP&level=district");
        Assert.All(districts!, d => Assert.StartsWith("54", d.Code));
    }

    [Fact]
    public async Task A_bad_level_program_or_year_is_a_400_naming_the_field()
    {
        var client = await app.ClientAsync(Role.Viewer);
        var r = await client.GetAsync("/api/v1/rollups?fiscalYear=1999&program=XYZ&level=village");
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        var body = await r.Content.ReadFromJsonAsync<Dictionary<string, System.Text.Json.JsonElement>>();
        var errors = body!["errors"];
        foreach (var field in new[] { "level", "program", "fiscalYear" }) Assert.True(errors.TryGetProperty(field, out _), field);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/v1/rollups?parent=%00")).StatusCode);
    }
}
