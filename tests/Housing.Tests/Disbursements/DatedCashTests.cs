using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Housing.Access;
using Housing.Transfers;

namespace Housing.Tests.Disbursements;

/// <summary>The cash book, in date order, never ends a day below zero: back-dated payments are refused with the day and the
/// shortfall, also when they race a transfer's reversal.</summary>
public sealed class DatedCashTests(TestApp app) : IClassFixture<TestApp>
{
    static object Pay(decimal amount, string paidOn, string receipt = "R-1")
        => new { amount, paidOn, payee = "ร้านวัสดุ", payeeType = "supplier", receiptNo = receipt };

    static async Task<HttpResponseMessage> PayAsync(HttpClient client, long allocationId, object body, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/allocations/{allocationId}/disbursements") { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        return await client.SendAsync(request);
    }

    [Fact]
    public async Task A_payment_dated_before_the_money_arrived_is_a_409_naming_the_day_and_the_shortfall()
    {
        var home = await MoneySeed.HomeAsync(app.Db, allocation: 40_000m);
        var client = await app.ClientAsync(Role.Treasurer, subdistricts: ["540101"]);
        await MoneySeed.TransferAsync(app.Db, home.ProjectId, 10_000m, new DateOnly(2022, 1, 20));
        await MoneySeed.TransferAsync(app.Db, home.ProjectId, 20_000m, new DateOnly(2022, 3, 1));
        Assert.Equal(HttpStatusCode.Created, (await PayAsync(client, home.AllocationId, Pay(8_000m, "2022-02-01"), "a")).StatusCode);

        // 30,000 received and 8,000 paid: 22,000 on hand today, yet on 1 Feb only 2,000 was left.
        var early = await Seed.ProblemAsync(await PayAsync(client, home.AllocationId, Pay(5_000m, "2022-02-10"), "b"), HttpStatusCode.Conflict);
        Assert.Equal(("2022-02-10", 3_000m), (early.GetProperty("negativeOn").GetString(), early.GetProperty("shortfall").GetDecimal()));
        Assert.Contains("10 ก.พ. 2565", early.GetProperty("detail").GetString());
        // Before the first tranche: the day it is dated is short by all of it.
        var first = await Seed.ProblemAsync(await PayAsync(client, home.AllocationId, Pay(1_000m, "2022-01-05"), "c"), HttpStatusCode.Conflict);
        Assert.Equal(("2022-01-05", 1_000m), (first.GetProperty("negativeOn").GetString(), first.GetProperty("shortfall").GetDecimal()));
        // Within what each later day holds: accepted, and the same day as an existing entry counts that day's money.
        Assert.Equal(HttpStatusCode.Created, (await PayAsync(client, home.AllocationId, Pay(2_000m, "2022-02-01", "R-2"), "d")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await PayAsync(client, home.AllocationId, Pay(20_000m, "2022-03-01", "R-3"), "e")).StatusCode);
        Assert.Equal(30_000m, await app.Db.ScalarAsync<decimal>("SELECT sum(amount) FROM disbursements WHERE project_id = @ProjectId", home));
        await Invariants.AssertHoldAsync(app.Db);
    }

    [Fact]
    public async Task A_back_dated_payment_racing_a_transfer_reversal_never_leaves_a_day_below_zero()
    {
        var client = await app.ClientAsync(Role.Treasurer, subdistricts: ["540101"]);
        for (var run = 0; run < 8; run++)
        {
            var home = await MoneySeed.HomeAsync(app.Db, allocation: 50_000m);
            await MoneySeed.TransferAsync(app.Db, home.ProjectId, 10_000m, new DateOnly(2022, 1, 10));
            var second = await Seed.CreatedAsync<TransferView>(await client.PostAsJsonAsync($"/api/v1/projects/{home.ProjectId}/transfers",
                new { amount = 30_000m, receivedOn = "2022-02-01", reference = $"CODI-RACE-{run}" }));
            // Either fits alone: paying 15,000 on 1 March (40,000 on hand) or reversing the second tranche (nothing paid yet).
            // Both would leave 1 March 5,000 below zero.
            using var start = new SemaphoreSlim(0);
            var pay = Task.Run(async () => { await start.WaitAsync(); return await PayAsync(client, home.AllocationId, Pay(15_000m, "2022-03-01"), $"race-{run}"); });
            var reverse = Task.Run(async () => { await start.WaitAsync(); return await client.PostAsJsonAsync($"/api/v1/transfers/{second.Id}/reverse", new { reason = "ทดสอบพร้อมกัน" }); });
            start.Release(2);
            var answers = new[] { (await pay).StatusCode, (await reverse).StatusCode };

            Assert.Single(answers, HttpStatusCode.Created);
            Assert.Single(answers, HttpStatusCode.Conflict);
            await Invariants.AssertHoldAsync(app.Db);
        }
    }

    [Fact]
    public async Task Forty_concurrent_back_dated_payments_fill_exactly_what_the_earliest_day_holds()
    {
        var client = await app.ClientAsync(Role.Treasurer, subdistricts: ["540101"]);
        var first = await MoneySeed.HomeAsync(app.Db, allocation: 30_000m);
        var homes = new List<MoneySeed.Home> { first };
        for (var i = 1; i < 40; i++) homes.Add(await MoneySeed.AnotherHomeAsync(app.Db, first, 30_000m));
        await MoneySeed.TransferAsync(app.Db, first.ProjectId, 12_000m, new DateOnly(2022, 1, 10));
        await MoneySeed.TransferAsync(app.Db, first.ProjectId, 100_000m, new DateOnly(2022, 6, 1));

        // Dated in February, only the January tranche counts: 12 of 1,000 fit, though 112,000 is on hand today.
        var answers = await Task.WhenAll(homes.Select((h, i) => PayAsync(client, h.AllocationId, Pay(1_000m, "2022-02-15", $"R-{i}"), $"feb-{i}")));

        Assert.Equal(12, answers.Count(a => a.StatusCode == HttpStatusCode.Created));
        Assert.Equal(28, answers.Count(a => a.StatusCode == HttpStatusCode.Conflict));
        Assert.Equal(12_000m, await app.Db.ScalarAsync<decimal>("SELECT sum(amount) FROM disbursements WHERE project_id = @ProjectId", first));
        await Invariants.AssertHoldAsync(app.Db);
    }
}
