using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Housing.Access;
using Housing.Ledgers;
using Housing.Tests.Disbursements;
using Housing.Transfers;

namespace Housing.Tests.Transfers;

/// <summary>Transfers reversed, money returned to CODI, and the cash rules of the transfers ledger; each refusal writes nothing.</summary>
public sealed class TransferCorrectionTests(TestApp app) : IClassFixture<TestApp>
{
    static string Today => Thai.Today().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    Task<HttpClient> TreasurerAsync() => app.ClientAsync(Role.Treasurer, subdistricts: ["540101"]);

    static object Pay(decimal amount, string paidOn, string receipt = "R-1")
        => new { amount, paidOn, payee = "ร้านวัสดุ", payeeType = "supplier", receiptNo = receipt };

    async Task<TransferView> TransferAsync(HttpClient client, long projectId, decimal amount, string on = "2022-01-20", string? reference = null)
        => await Seed.CreatedAsync<TransferView>(await client.PostAsJsonAsync($"/api/v1/projects/{projectId}/transfers",
            new { amount, receivedOn = on, reference = reference ?? $"CODI-{Guid.NewGuid():N}"[..20] }));

    async Task<long> LedgerRowsAsync(long projectId)
        => await app.Db.CountAsync("transfers", "project_id = @projectId", new { projectId }) + await app.Db.CountAsync("disbursements", "project_id = @projectId", new { projectId });

    [Fact]
    public async Task A_transfer_typed_with_an_extra_zero_is_reversed_once_with_a_negative_entry_and_the_cash_is_right_again()
    {
        var home = await MoneySeed.HomeAsync(app.Db);
        var client = await TreasurerAsync();
        await TransferAsync(client, home.ProjectId, 20_900m);
        var wrong = await TransferAsync(client, home.ProjectId, 209_000m);
        await Seed.CreatedAsync<JsonElement>(await client.PostAsJsonAsync($"/api/v1/allocations/{home.AllocationId}/disbursements", Pay(5_000m, "2022-02-01")));

        var response = await client.PostAsJsonAsync($"/api/v1/transfers/{wrong.Id}/reverse", new { reason = "พิมพ์เกินศูนย์หนึ่งตัว" });

        var reversal = await Seed.CreatedAsync<TransferView>(response);
        Assert.Equal(("reversal", -209_000m, wrong.Id, "พิมพ์เกินศูนย์หนึ่งตัว", Thai.Today()),
            (reversal.Kind, reversal.Amount, reversal.ReversesId, reversal.Reason, reversal.ReceivedOn));
        Assert.Equal(20_900m, await app.Db.ScalarAsync<decimal>("SELECT received FROM project_cash WHERE project_id = @ProjectId", home));
        Assert.Equal(15_900m, await app.Db.ScalarAsync<decimal>("SELECT received - paid FROM project_cash WHERE project_id = @ProjectId", home));
        var audit = await app.Db.ScalarAsync<string>("SELECT before::text FROM audit_log WHERE action = 'transfer.reverse' AND entity_id = @id", new { id = reversal.Id.ToString() });
        Assert.Equal(209_000m, JsonDocument.Parse(audit).RootElement.GetProperty("amount").GetDecimal());
        // Reversed already: a second reversal, and a reversal of the reversal, are 409s and write nothing.
        var rows = await LedgerRowsAsync(home.ProjectId);
        await Seed.ProblemAsync(await client.PostAsJsonAsync($"/api/v1/transfers/{wrong.Id}/reverse", new { reason = "อีกครั้ง" }), HttpStatusCode.Conflict);
        await Seed.ProblemAsync(await client.PostAsJsonAsync($"/api/v1/transfers/{reversal.Id}/reverse", new { reason = "กลับ" }), HttpStatusCode.Conflict);
        await Seed.ProblemAsync(await client.PostAsJsonAsync($"/api/v1/transfers/{wrong.Id}/reverse", new { reason = " " }), HttpStatusCode.BadRequest);
        Assert.Equal(rows, await LedgerRowsAsync(home.ProjectId));
    }

    [Fact]
    public async Task A_reversal_that_would_leave_less_cash_than_was_paid_is_a_409()
    {
        var home = await MoneySeed.HomeAsync(app.Db);
        var client = await TreasurerAsync();
        var first = await TransferAsync(client, home.ProjectId, 10_000m);
        await TransferAsync(client, home.ProjectId, 5_000m);
        await Seed.CreatedAsync<JsonElement>(await client.PostAsJsonAsync($"/api/v1/allocations/{home.AllocationId}/disbursements", Pay(12_000m, "2022-02-01")));
        var rows = await LedgerRowsAsync(home.ProjectId);

        var problem = await Seed.ProblemAsync(await client.PostAsJsonAsync($"/api/v1/transfers/{first.Id}/reverse", new { reason = "ผิด" }), HttpStatusCode.Conflict);

        Assert.Equal(3_000m, problem.GetProperty("cash").GetDecimal());
        Assert.Equal(rows, await LedgerRowsAsync(home.ProjectId));
        await Invariants.AssertHoldAsync(app.Db);
    }

    [Fact]
    public async Task Transfers_never_add_up_past_the_projects_amount_but_a_reversal_makes_room_again()
    {
        var home = await MoneySeed.HomeAsync(app.Db, projectAmount: 50_000m);
        var client = await TreasurerAsync();
        var wrong = await TransferAsync(client, home.ProjectId, 45_000m);
        var over = await Seed.ProblemAsync(await client.PostAsJsonAsync($"/api/v1/projects/{home.ProjectId}/transfers",
            new { amount = 5_000.01m, receivedOn = "2022-01-21", reference = "CODI-OVER" }), HttpStatusCode.Conflict);
        Assert.Equal(5_000m, over.GetProperty("remaining").GetDecimal());
        await TransferAsync(client, home.ProjectId, 5_000m, reference: "CODI-LAST");
        await Seed.CreatedAsync<TransferView>(await client.PostAsJsonAsync($"/api/v1/transfers/{wrong.Id}/reverse", new { reason = "ยอดผิด" }));
        await TransferAsync(client, home.ProjectId, 45_000m, on: Today, reference: "CODI-AGAIN");
        Assert.Equal(50_000m, await app.Db.ScalarAsync<decimal>("SELECT received FROM project_cash WHERE project_id = @ProjectId", home));
    }

    [Fact]
    public async Task A_reversed_tranche_is_recorded_again_under_its_own_CODI_reference()
    {
        var home = await MoneySeed.HomeAsync(app.Db, projectAmount: 500_000m);
        var client = await TreasurerAsync();
        var wrong = await TransferAsync(client, home.ProjectId, 209_000m, reference: "CODI-2565-07");
        await Seed.CreatedAsync<TransferView>(await client.PostAsJsonAsync($"/api/v1/transfers/{wrong.Id}/reverse", new { reason = "พิมพ์เกินศูนย์หนึ่งตัว" }));

        var right = await TransferAsync(client, home.ProjectId, 20_900m, reference: "CODI-2565-07");

        Assert.NotEqual(wrong.Id, right.Id);
        Assert.Equal((20_900m, "transfer", "CODI-2565-07"), (right.Amount, right.Kind, right.Reference));
        Assert.Equal(20_900m, await app.Db.ScalarAsync<decimal>("SELECT received FROM project_cash WHERE project_id = @ProjectId", home));
        // The live tranche holds the reference again: the same figures are a repeat (answered, nothing written), others a 409.
        var rows = await LedgerRowsAsync(home.ProjectId);
        var repeat = await client.PostAsJsonAsync($"/api/v1/projects/{home.ProjectId}/transfers", new { amount = 20_900m, receivedOn = "2022-01-20", reference = "CODI-2565-07" });
        Assert.Equal((HttpStatusCode.OK, right.Id), (repeat.StatusCode, (await repeat.Content.ReadFromJsonAsync<TransferView>())!.Id));
        var other = await Seed.ProblemAsync(await client.PostAsJsonAsync($"/api/v1/projects/{home.ProjectId}/transfers",
            new { amount = 20_000m, receivedOn = "2022-01-20", reference = "CODI-2565-07" }), HttpStatusCode.Conflict);
        Assert.Equal(right.Id, other.GetProperty("transferId").GetInt64());
        Assert.Equal(rows, await LedgerRowsAsync(home.ProjectId));
        await Invariants.AssertHoldAsync(app.Db);
    }

    [Fact]
    public async Task Concurrent_tranches_never_add_up_past_the_projects_amount_nor_refunds_past_its_cash()
    {
        var client = await TreasurerAsync();
        for (var run = 0; run < 3; run++)
        {
            // Twelve tranches of 10,000 at once into a project of 50,000: exactly five fit.
            var home = await MoneySeed.HomeAsync(app.Db, projectAmount: 50_000m);
            var answers = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => client.PostAsJsonAsync($"/api/v1/projects/{home.ProjectId}/transfers",
                new { amount = 10_000m, receivedOn = "2022-01-20", reference = $"CODI-R{run}-{i}" })));
            Assert.Equal((5, 7), (answers.Count(a => a.StatusCode == HttpStatusCode.Created), answers.Count(a => a.StatusCode == HttpStatusCode.Conflict)));
            Assert.Equal(50_000m, await app.Db.ScalarAsync<decimal>("SELECT received FROM project_cash WHERE project_id = @ProjectId", home));

            // Then ten refunds of 8,000 at once against the 50,000 on hand: exactly six fit, and the cash never goes below zero.
            var refunds = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => client.PostAsJsonAsync($"/api/v1/projects/{home.ProjectId}/refunds",
                new { amount = 8_000m, paidOn = "2022-09-30", reference = $"RET-R{run}-{i}" })));
            Assert.Equal((6, 4), (refunds.Count(a => a.StatusCode == HttpStatusCode.Created), refunds.Count(a => a.StatusCode == HttpStatusCode.Conflict)));
            Assert.Equal(2_000m, await app.Db.ScalarAsync<decimal>("SELECT received - paid FROM project_cash WHERE project_id = @ProjectId", home));
        }
        await Invariants.AssertHoldAsync(app.Db);
    }

    [Fact]
    public async Task Refunds_and_payments_racing_for_the_same_cash_never_take_more_than_there_is()
    {
        var client = await TreasurerAsync();
        for (var run = 0; run < 3; run++)
        {
            // 20,000 on hand; ten payments of 1,000 and ten refunds of 1,500 at once: whatever order, never below zero.
            var first = await MoneySeed.HomeAsync(app.Db, allocation: 50_000m);
            var homes = new List<MoneySeed.Home> { first };
            for (var i = 1; i < 10; i++) homes.Add(await MoneySeed.AnotherHomeAsync(app.Db, first, 50_000m));
            await TransferAsync(client, first.ProjectId, 20_000m);
            var payments = homes.Select((h, i) => client.PostAsJsonAsync($"/api/v1/allocations/{h.AllocationId}/disbursements", Pay(1_000m, "2022-02-01", $"R-{run}-{i}")));
            var refunds = Enumerable.Range(0, 10).Select(i => client.PostAsJsonAsync($"/api/v1/projects/{first.ProjectId}/refunds",
                new { amount = 1_500m, paidOn = "2022-02-01", reference = $"RET-{run}-{i}" }));
            var answers = await Task.WhenAll(payments.Concat(refunds));
            Assert.All(answers, a => Assert.Contains(a.StatusCode, new[] { HttpStatusCode.Created, HttpStatusCode.Conflict }));
            var (paid, refunded) = (answers.Take(10).Count(a => a.StatusCode == HttpStatusCode.Created) * 1_000m,
                answers.Skip(10).Count(a => a.StatusCode == HttpStatusCode.Created) * 1_500m);
            var cash = await app.Db.ScalarAsync<decimal>("SELECT received - paid FROM project_cash WHERE project_id = @ProjectId", first);
            Assert.Equal(20_000m - paid - refunded, cash);
            Assert.True(cash is >= 0 and < 1_500m, $"cash {cash}: a refund or payment that fitted was refused, or one that did not passed");
        }
        await Invariants.AssertHoldAsync(app.Db);
    }

    [Fact]
    public async Task A_cancellation_racing_a_tranche_either_cancels_an_untouched_project_or_lets_the_money_in()
    {
        var client = await TreasurerAsync();
        var staff = await app.ClientAsync(Role.ProvincialStaff, ["54"]);
        for (var run = 0; run < 5; run++)
        {
            var home = await MoneySeed.HomeAsync(app.Db);
            var answers = await Task.WhenAll(
                staff.PostAsJsonAsync($"/api/v1/projects/{home.ProjectId}/cancel", new { reason = "ชุมชนถอนตัว" }),
                client.PostAsJsonAsync($"/api/v1/projects/{home.ProjectId}/transfers", new { amount = 10_000m, receivedOn = "2022-01-20", reference = $"CODI-C{run}" }));
            var cancelled = await app.Db.ScalarAsync<bool>("SELECT cancelled_at IS NOT NULL FROM projects WHERE id = @ProjectId", home);
            var transfers = await app.Db.CountAsync("transfers", "project_id = @ProjectId", home);
            Assert.Equal(cancelled ? (HttpStatusCode.OK, HttpStatusCode.Conflict, 0) : (HttpStatusCode.Conflict, HttpStatusCode.Created, 1),
                (answers[0].StatusCode, answers[1].StatusCode, transfers));
        }
    }

    [Fact]
    public async Task Money_dated_before_its_fiscal_year_began_is_a_400_and_writes_nothing()
    {
        var home = await MoneySeed.HomeAsync(app.Db);
        var fiscalYear = await app.Db.ScalarAsync<int>("SELECT fiscal_year FROM allocations WHERE id = @AllocationId", home);
        var start = CashDays.FiscalYearStart(fiscalYear);
        var dayBefore = start.AddDays(-1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var client = await TreasurerAsync();

        var transfer = await Seed.ProblemAsync(await client.PostAsJsonAsync($"/api/v1/projects/{home.ProjectId}/transfers",
            new { amount = 1_000m, receivedOn = dayBefore, reference = "EARLY" }), HttpStatusCode.BadRequest);
        Assert.True(transfer.GetProperty("errors").TryGetProperty("receivedOn", out _));
        await TransferAsync(client, home.ProjectId, 10_000m, on: start.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        var payment = await Seed.ProblemAsync(await client.PostAsJsonAsync($"/api/v1/allocations/{home.AllocationId}/disbursements", Pay(1_000m, dayBefore)), HttpStatusCode.BadRequest);
        Assert.True(payment.GetProperty("errors").TryGetProperty("paidOn", out _));
        var refund = await Seed.ProblemAsync(await client.PostAsJsonAsync($"/api/v1/projects/{home.ProjectId}/refunds",
            new { amount = 1_000m, paidOn = dayBefore, reference = "RET-1" }), HttpStatusCode.BadRequest);
        Assert.True(refund.GetProperty("errors").TryGetProperty("paidOn", out _));
        Assert.Equal(1, await LedgerRowsAsync(home.ProjectId));
    }

    [Fact]
    public async Task A_refund_returns_money_to_CODI_within_the_cash_and_never_makes_an_earlier_day_negative()
    {
        var home = await MoneySeed.HomeAsync(app.Db);
        var client = await TreasurerAsync();
        await TransferAsync(client, home.ProjectId, 20_000m, on: "2022-01-20");
        await Seed.CreatedAsync<JsonElement>(await client.PostAsJsonAsync($"/api/v1/allocations/{home.AllocationId}/disbursements", Pay(15_000m, "2022-03-01")));
        await TransferAsync(client, home.ProjectId, 10_000m, on: "2022-06-01");
        var rows = await LedgerRowsAsync(home.ProjectId);

        // Over the 15,000 on hand.
        var over = await Seed.ProblemAsync(await client.PostAsJsonAsync($"/api/v1/projects/{home.ProjectId}/refunds",
            new { amount = 15_000.01m, paidOn = "2022-09-30", reference = "RET-X" }), HttpStatusCode.Conflict);
        Assert.Equal(15_000m, over.GetProperty("cash").GetDecimal());
        // Within today's cash, but dated in April, when only 5,000 was on hand (June's tranche came later): 1,000 short that day.
        var early = await Seed.ProblemAsync(await client.PostAsJsonAsync($"/api/v1/projects/{home.ProjectId}/refunds",
            new { amount = 6_000m, paidOn = "2022-04-01", reference = "RET-E" }), HttpStatusCode.Conflict);
        Assert.Equal(("2022-04-01", 1_000m), (early.GetProperty("negativeOn").GetString(), early.GetProperty("shortfall").GetDecimal()));
        Assert.Equal(rows, await LedgerRowsAsync(home.ProjectId));

        var refund = await Seed.CreatedAsync<RefundView>(await client.PostAsJsonAsync($"/api/v1/projects/{home.ProjectId}/refunds",
            new { amount = 15_000m, paidOn = "2022-09-30", reference = "RET-2565" }));
        Assert.Equal((15_000m, new DateOnly(2022, 9, 30), "RET-2565"), (refund.Amount, refund.PaidOn, refund.Reference));
        Assert.Equal(1, await app.Db.CountAsync("audit_log", "action = 'transfer.refund' AND entity_id = @id", new { id = refund.Id.ToString() }));

        // The cash book shows it, the running balance ends at zero, and received is net of the refund.
        var ledger = (await client.GetFromJsonAsync<Ledger>($"/api/v1/projects/{home.ProjectId}/ledger"))!;
        Assert.Equal(["transfer", "payment", "transfer", "refund"], ledger.Entries.Select(e => e.Kind));
        Assert.Equal([20_000m, 5_000m, 15_000m, 0m], ledger.Entries.Select(e => e.Balance));
        Assert.Equal((15_000m, 15_000m, 0m), (ledger.Project.Received, ledger.Project.Paid, ledger.Project.Balance));
        var monthly = (await client.GetFromJsonAsync<MonthlyReport>($"/api/v1/projects/{home.ProjectId}/ledger/monthly"))!;
        var september = monthly.Months.Single(m => m.Month == 9);
        Assert.Equal((0m, 15_000m, 0m), (september.In, september.Out, september.Closing));
        await Invariants.AssertHoldAsync(app.Db);
    }

    [Fact]
    public async Task The_cash_book_and_the_monthly_report_show_a_reversed_transfer()
    {
        var home = await MoneySeed.HomeAsync(app.Db);
        var client = await TreasurerAsync();
        var wrong = await TransferAsync(client, home.ProjectId, 100_000m, on: "2022-01-20", reference: "CODI-TYPO");
        var reversal = await Seed.CreatedAsync<TransferView>(await client.PostAsJsonAsync($"/api/v1/transfers/{wrong.Id}/reverse", new { reason = "ยอดผิด" }));
        var ledger = (await client.GetFromJsonAsync<Ledger>($"/api/v1/projects/{home.ProjectId}/ledger"))!;
        Assert.Equal([("transfer", 100_000m, 0m, (long?)reversal.Id), ("transfer_reversal", 0m, 100_000m, null)],
            ledger.Entries.Select(e => (e.Kind, e.In, e.Out, e.ReversedById)));
        Assert.Equal((0m, 0m), (ledger.Project.Received, ledger.Project.Balance));
        var page = await client.GetStringAsync($"/Ledgers/CashBook/{home.ProjectId}");
        Assert.Contains("กลับรายการเงินโอน", page);
        var months = (await client.GetFromJsonAsync<MonthlyReport>($"/api/v1/projects/{home.ProjectId}/ledger/monthly"))!.Months;
        Assert.Equal((100_000m, 0m), (months[0].In, months[0].Out));
        Assert.Equal(0m, months.Sum(m => m.In));
    }
}
