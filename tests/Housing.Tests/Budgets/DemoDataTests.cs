using Housing.Demo;

namespace Housing.Tests.Budgets;

/// <summary>The app on an empty database with demo data on.</summary>
public sealed class DemoApp : TestApp
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Housing:Demo"] = "true" };
}

public sealed class DemoDataTests(DemoApp app) : IClassFixture<DemoApp>
{
    [Fact]
    public async Task The_demo_holds_the_Phrae_and_Saraburi_rounds_fully_allocated_and_an_open_round()
    {
        var budgets = await app.Db.QueryAsync<(string Program, int FiscalYear, string ProvinceCode, decimal Amount, long Projects, decimal Allocated, long Homes)>("""
            SELECT b.program, b.fiscal_year, b.province_code, b.amount,
                   (SELECT count(*) FROM projects p WHERE p.budget_id = b.id),
                   (SELECT coalesce(sum(a.amount), 0) FROM allocations a JOIN projects p ON p.id = a.project_id WHERE p.budget_id = b.id),
                   (SELECT count(*) FROM allocations a JOIN projects p ON p.id = a.project_id WHERE p.budget_id = b.id)
            FROM budgets b ORDER BY b.id
            """);
        Assert.Equal(
        [
            ("BPP", 2565, "54", 1_358_500m, 11L, 1_358_500m, 65L),
            ("BMK", 2566, "54", 1_200_000m, 1L, 1_200_000m, 24L),
            ("BPP", 2561, "19", 3_562_500m, 11L, 3_562_500m, 228L),
            ("BPP", 2569, "54", 418_000m, 1L, 40_000m, 1L), // a Na Chak home of 2565 funded again after a flood (Rules/RulesDemo)
            ("BMK", Housing.Thai.FiscalYear(new DateOnly(Housing.Thai.Today().Year, Housing.Thai.Today().Month, 1).AddMonths(-8)), "19", 16_343_600m, 1L, 0m, 0L), // Baan Mankong's demo (Mankong/MankongDemo)
        ], budgets);
        Assert.Equal(317, await app.Db.CountAsync("households"));
        Assert.Equal(2, await app.Db.CountAsync("projects", "subdistrict_code IN ('540101', '540102') AND budget_id IN (SELECT id FROM budgets WHERE program = 'BPP' AND fiscal_year = 2565)"));
        Assert.Equal(DemoData.Users.Length, await app.Db.CountAsync("users"));
    }

    [Fact]
    public async Task The_demo_shows_a_corrected_household_a_reversed_transfer_a_refund_an_override_and_the_caps()
    {
        Assert.Equal(1, await app.Db.CountAsync("audit_log", "action = 'household.change'"));
        Assert.Equal(1, await app.Db.CountAsync("transfers", "kind = 'reversal'"));
        Assert.Equal(1, await app.Db.CountAsync("transfers", "kind = 'refund'"));
        Assert.Equal(1, await app.Db.CountAsync("allocations", "override_reason IS NOT NULL AND fiscal_year = 2569"));
        var caps = await app.Db.QueryAsync<(string Program, int FiscalYear, decimal Cap)>(
            "SELECT program, fiscal_year, cap_per_home FROM program_years WHERE fiscal_year IN (2560, 2567, 2568) ORDER BY program, fiscal_year");
        Assert.Equal([("BMK", 2560, 89_800m), ("BMK", 2567, 89_800m), ("BMK", 2568, 89_800m), ("BPP", 2560, 18_000m), ("BPP", 2567, 20_000m), ("BPP", 2568, 40_000m)], caps);
        await Invariants.AssertHoldAsync(app.Db);
    }

    [Fact]
    public async Task A_Phrae_project_stands_part_way_through_its_tranches_two_received_and_the_third_waiting_for_photos()
    {
        var projectId = await app.Db.ScalarAsync<long>("""
            SELECT min(p.id) FROM projects p JOIN budgets b ON b.id = p.budget_id WHERE b.program = 'BPP' AND b.fiscal_year = 2565
            """);
        var tranches = (await app.Get<Housing.Rules.TrancheService>().ListAsync(Housing.Access.Caller.System, projectId))!;

        Assert.Equal(["received", "received", "waiting"], tranches.Select(t => t.Status));
        Assert.Equal("งวดที่ 3 ต้องมีบ้านแล้วเสร็จพร้อมรูป 6 หลัง: ตอนนี้ 0 หลัง", tranches[2].Condition.Th);
        Assert.Equal((25_080m, 0m), (tranches[2].Amount, tranches[2].Received));
    }
}
