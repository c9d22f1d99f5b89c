using System.Net;
using System.Net.Http.Json;
using Housing.Access;
using Housing.Disbursements;
using Housing.Ledgers;
using Housing.Tests.Disbursements;

namespace Housing.Tests.Ledgers;

public sealed class LedgerApiTests(TestApp app) : IClassFixture<TestApp>
{
    /// <summary>Two tranches, three payments over two homes, one reversed: Jan–Mar 2022.</summary>
    internal static async Task<(MoneySeed.Home Home, HttpClient Client, long Reversed, long Reversal)> BookAsync(TestApp app)
    {
        var home = await MoneySeed.HomeAsync(app.Db);
        var second = await MoneySeed.AnotherHomeAsync(app.Db, home);
        var client = await app.ClientAsync(Role.Treasurer, subdistricts: ["540101"]);
        async Task<DisbursementView> Pay(long allocationId, decimal amount, string on, string receipt)
            => (await (await client.PostAsJsonAsync($"/api/v1/allocations/{allocationId}/disbursements",
                new { amount, paidOn = on, payee = "ร้านแพร่วัสดุ", payeeType = "supplier", receiptNo = receipt })).Content.ReadFromJsonAsync<DisbursementView>())!;
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync($"/api/v1/projects/{home.ProjectId}/transfers", new { amount = 30_000m, receivedOn = "2022-01-20", reference = "T1" })).StatusCode);
        await Pay(home.AllocationId, 12_000m, "2022-01-25", "R1");
        var wrong = await Pay(second.AllocationId, 8_000m, "2022-02-03", "R2");
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync($"/api/v1/projects/{home.ProjectId}/transfers", new { amount = 11_800m, receivedOn = "2022-03-01", reference = "T2" })).StatusCode);
        await Pay(second.AllocationId, 8_900m, "2022-03-02", "R3");
        var reversal = (await (await client.PostAsJsonAsync($"/api/v1/disbursements/{wrong.Id}/reverse", new { reason = "จ่ายผิดร้าน" })).Content.ReadFromJsonAsync<DisbursementView>())!;
        return (home, client, wrong.Id, reversal.Id);
    }

    [Fact]
    public async Task The_cash_book_lists_transfers_payments_and_reversals_with_the_running_balance()
    {
        var (home, client, reversed, reversal) = await BookAsync(app);

        var ledger = (await client.GetFromJsonAsync<Ledger>($"/api/v1/projects/{home.ProjectId}/ledger"))!;

        Assert.Equal((41_800m, 20_900m, 20_900m), (ledger.Project.Received, ledger.Project.Paid, ledger.Project.Balance));
        var today = Thai.Today();
        Assert.Equal(
        [
            ("transfer", new DateOnly(2022, 1, 20), 30_000m, 0m, 30_000m),
            ("payment", new DateOnly(2022, 1, 25), 0m, 12_000m, 18_000m),
            ("payment", new DateOnly(2022, 2, 3), 0m, 8_000m, 10_000m),
            ("transfer", new DateOnly(2022, 3, 1), 11_800m, 0m, 21_800m),
            ("payment", new DateOnly(2022, 3, 2), 0m, 8_900m, 12_900m),
            ("reversal", today, 8_000m, 0m, 20_900m),
        ], ledger.Entries.Select(e => (e.Kind, e.Date, e.In, e.Out, e.Balance)).ToList());
        Assert.Equal(reversal, ledger.Entries.Single(e => e.Id == reversed && e.Kind == "payment").ReversedById);
        Assert.Equal("จ่ายผิดร้าน", ledger.Entries[^1].Reason);
    }

    [Fact]
    public async Task The_monthly_report_carries_each_closing_balance_into_the_next_month()
    {
        var home = await MoneySeed.HomeAsync(app.Db);
        var client = await app.ClientAsync(Role.Treasurer, subdistricts: ["540101"]);
        await client.PostAsJsonAsync($"/api/v1/projects/{home.ProjectId}/transfers", new { amount = 20_900m, receivedOn = "2022-01-20", reference = "T1" });
        var paid = (await (await client.PostAsJsonAsync($"/api/v1/allocations/{home.AllocationId}/disbursements", new { amount = 15_000m, paidOn = "2022-01-28" })).Content.ReadFromJsonAsync<DisbursementView>())!;
        await client.PostAsJsonAsync($"/api/v1/allocations/{home.AllocationId}/disbursements", new { amount = 5_900m, paidOn = "2022-03-05" });
        await app.Db.ExecuteAsync("INSERT INTO disbursements (allocation_id, project_id, amount, paid_on, payee, reverses_id, reason) VALUES (@AllocationId, @ProjectId, -15000, '2022-03-10', 'x', @id, 'wrong')",
            new { home.AllocationId, home.ProjectId, id = paid.Id });

        var report = (await client.GetFromJsonAsync<MonthlyReport>($"/api/v1/projects/{home.ProjectId}/ledger/monthly"))!;

        Assert.Equal(
        [
            new MonthRow(2022, 1, 0m, 20_900m, 15_000m, 5_900m),
            new MonthRow(2022, 2, 5_900m, 0m, 0m, 5_900m),
            new MonthRow(2022, 3, 5_900m, 0m, -9_100m, 15_000m),
        ], report.Months);
    }

    [Fact]
    public async Task Staff_and_viewers_of_the_province_read_the_cash_book_and_others_get_404()
    {
        var (home, _, _, _) = await BookAsync(app);
        var url = $"/api/v1/projects/{home.ProjectId}/ledger";
        Assert.Equal(HttpStatusCode.OK, (await (await app.ClientAsync(Role.ProvincialStaff, provinces: ["54"])).GetAsync(url)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await (await app.ClientAsync(Role.Viewer, provinces: ["54"])).GetAsync(url)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await (await app.ClientAsync(Role.Viewer, provinces: ["19"])).GetAsync(url)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await (await app.ClientAsync(Role.Treasurer, subdistricts: ["540102"])).GetAsync(url)).StatusCode);
    }
}
