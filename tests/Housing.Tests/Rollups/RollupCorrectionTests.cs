using System.Net.Http.Json;
using System.Text.Json;
using Housing.Access;
using Housing.Rollups;

namespace Housing.Tests.Rollups;

/// <summary>The record's corrections as the rollups show them: a reversed tranche and a refund to CODI lower what was
/// received, and a stage withdrawn stops counting a home as completed. Jobs off (a fixture of its own, of RollupFigureTests' kind):
/// the test recomputes when it reads.</summary>
public sealed class RollupCorrectionTests(RollupFigureTests.App app) : IClassFixture<RollupFigureTests.App>
{
    static readonly string[] Order = ["surveyed", "approved", "materials_bought", "construction_started", "structure_done", "completed"];

    async Task<RollupRow> ProvinceAsync(HttpClient client, int year)
    {
        await app.Get<RollupService>().RecomputeAllAsync();
        return (await client.GetFromJsonAsync<List<RollupRow>>($"/api/v1/rollups?fiscalYear={year}&program=BPP&level=province"))!.Single(r => r.Code == "54");
    }

    [Fact]
    public async Task A_reversed_tranche_and_a_refund_lower_what_was_received_and_a_withdrawn_stage_uncounts_a_completed_home()
    {
        var staff = await app.ClientAsync(Role.ProvincialStaff, ["54"]);
        var treasurer = await app.ClientAsync(Role.Treasurer, subdistricts: ["540101"]);
        var year = Seed.MoneyYear();
        var budget = await Seed.BudgetAsync(staff, "54", year, 10, 500_000m);
        var project = await Seed.ProjectAsync(staff, budget.Id, "540101", 5, 200_000m);
        var home = await Seed.AllocationAsync(staff, project.Id, (await Seed.HouseholdAsync(staff, "540101")).Id, 20_000m);
        await Seed.AllocationAsync(staff, project.Id, (await Seed.HouseholdAsync(staff, "540101")).Id, 20_000m);

        async Task<JsonElement> Post(string url, object body) => await Seed.CreatedAsync<JsonElement>(await treasurer.PostAsJsonAsync(url, body));
        await Post($"/api/v1/projects/{project.Id}/transfers", new { amount = 100_000m, receivedOn = "2022-01-10", reference = "CODI-1" });
        var wrong = await Post($"/api/v1/projects/{project.Id}/transfers", new { amount = 40_000m, receivedOn = "2022-01-11", reference = "CODI-2" });
        await Post($"/api/v1/allocations/{home.Id}/disbursements", new { amount = 15_000m, paidOn = "2022-02-01", payee = "ร้านวัสดุ", payeeType = "supplier", receiptNo = "R-1" });
        var stages = new Dictionary<string, long>();
        for (var i = 0; i < Order.Length; i++)
            stages[Order[i]] = (await Post($"/api/v1/allocations/{home.Id}/milestones", new { stage = Order[i], reachedOn = $"2022-02-{10 + i:00}" })).GetProperty("id").GetInt64();

        var before = await ProvinceAsync(staff, year);
        Assert.Equal((140_000m, 15_000m, 125_000m, 1), (before.Received, before.Disbursed, before.CashOnHand, before.CompletedHouseholds));

        await Post($"/api/v1/transfers/{wrong.GetProperty("id").GetInt64()}/reverse", new { reason = "ไม่ใช่ของโครงการนี้" });
        await Post($"/api/v1/projects/{project.Id}/refunds", new { amount = 10_000m, paidOn = "2022-09-30", reference = "RET-1" });
        (await treasurer.PostAsJsonAsync($"/api/v1/milestones/{stages["completed"]}/withdraw", new { reason = "บันทึกก่อนเสร็จจริง" })).EnsureSuccessStatusCode();

        var after = await ProvinceAsync(staff, year);
        Assert.Equal((90_000m, 15_000m, 75_000m, 0), (after.Received, after.Disbursed, after.CashOnHand, after.CompletedHouseholds));
        // The rollups agree with the project's own cash book.
        var ledger = await treasurer.GetFromJsonAsync<JsonElement>($"/api/v1/projects/{project.Id}/ledger");
        Assert.Equal((90_000m, 75_000m), (ledger.GetProperty("project").GetProperty("received").GetDecimal(), ledger.GetProperty("project").GetProperty("balance").GetDecimal()));
    }

    /// <summary>A project's row of the rollups, as GET /rollups gives it.</summary>
    static async Task<RollupRow> ProjectRowAsync(HttpClient client, int year, string program, long projectId) =>
        (await client.GetFromJsonAsync<List<RollupRow>>($"/api/v1/rollups?fiscalYear={year}&program={program}&level=project&parent=540101"))!
            .Single(r => r.Code == projectId.ToString(System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public async Task Money_received_a_works_payment_and_a_count_of_flags_reach_the_kept_rollups_by_the_incremental_refresh_alone()
    {
        var admin = await app.ClientAsync(Role.Admin);
        var year = Seed.MoneyYear();
        var rollups = app.Get<RollupService>();
        var attention = app.Get<Housing.Attention.AttentionRefresh>();
        // Baan Mankong: 1,000,000 received and a works payment of 100,000 (MankongWorld's budget year is year - 5).
        var world = await Mankong.MankongWorld.BuildAsync(admin, year, "ทดสอบยอดสะสม");
        await rollups.RecomputeAllAsync();
        var bmk = await ProjectRowAsync(admin, year - 5, "BMK", world.ProjectId);
        Assert.Equal((1_000_000m, 100_000m), (bmk.Received, bmk.Disbursed));

        async Task Post(string url, object body) => (await admin.PostAsJsonAsync(url, body)).EnsureSuccessStatusCode();
        // Each write on its own, then the refresh of what it marked: a transfer, then a works payment.
        await Post($"/api/v1/projects/{world.ProjectId}/transfers", new { amount = 50_000m, receivedOn = "2022-01-20", reference = "CODI-KEPT" });
        Assert.True(await rollups.RefreshDirtyAsync() > 0);
        var received = await ProjectRowAsync(admin, year - 5, "BMK", world.ProjectId);
        Assert.Equal((1_050_000m, 100_000m), (received.Received, received.Disbursed));
        await Post($"/api/v1/works/{world.WorkId}/disbursements", new { amount = 20_000m, paidOn = "2022-01-21", payee = "หจก. ถนนดี", receiptNo = "W-KEPT" });
        Assert.True(await rollups.RefreshDirtyAsync() > 0);
        var moved = await ProjectRowAsync(admin, year - 5, "BMK", world.ProjectId);
        Assert.Equal((1_050_000m, 120_000m, 930_000m), (moved.Received, moved.Disbursed, moved.CashOnHand));
        var province = (await admin.GetFromJsonAsync<List<RollupRow>>($"/api/v1/rollups?fiscalYear={year - 5}&program=BMK&level=province"))!.Single(r => r.Code == "54");
        Assert.Equal((1_050_000m, 120_000m), (province.Received, province.Disbursed));

        // Baan Por Piang: a home completed without a photo is flagged; its photo clears the flag, and the count follows.
        var budget = await Seed.BudgetAsync(admin, "54", year, 10, 500_000m);
        var project = await Seed.ProjectAsync(admin, budget.Id, "540101", 5, 200_000m);
        var home = await Seed.AllocationAsync(admin, project.Id, (await Seed.HouseholdAsync(admin, "540101")).Id, 20_000m);
        long completed = 0;
        for (var i = 0; i < Order.Length; i++)
            completed = (await Seed.CreatedAsync<JsonElement>(await admin.PostAsJsonAsync($"/api/v1/allocations/{home.Id}/milestones",
                new { stage = Order[i], reachedOn = $"2022-02-{10 + i:00}" }))).GetProperty("id").GetInt64();
        async Task<(string? Kinds, int Counted)> FlagsAsync()
        {
            await attention.RefreshDirtyAsync();
            await rollups.RefreshDirtyAsync();
            var kinds = await app.Db.ScalarAsync<string?>("SELECT string_agg(kind, ',' ORDER BY kind) FROM attention_flags WHERE project_id = @Id", new { project.Id });
            return (kinds, (await ProjectRowAsync(admin, year, "BPP", project.Id)).AttentionFlags);
        }
        // Unpaid in a fiscal year long ended too.
        Assert.Equal(("fiscal_year_end,no_photo", 2), await FlagsAsync());
        (await admin.PostAsync($"/api/v1/milestones/{completed}/photos", Mankong.MankongWorld.PhotoForm())).EnsureSuccessStatusCode();
        Assert.Equal(("fiscal_year_end", 1), await FlagsAsync());
        // Its only home cancelled (nothing was paid): the project has no flag left, and its count goes back to none.
        (await admin.PostAsJsonAsync($"/api/v1/allocations/{home.Id}/cancel", new { reason = "ย้ายออกนอกพื้นที่" })).EnsureSuccessStatusCode();
        Assert.Equal(((string?)null, 0), await FlagsAsync());
        Assert.Equal(0, await app.Db.CountAsync("attention_counts", "project_id = @Id", new { project.Id }));
    }
}
