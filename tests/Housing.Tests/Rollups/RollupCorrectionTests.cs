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
}
